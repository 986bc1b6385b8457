import Testing

// Placeholder until the Sampling tests land.
