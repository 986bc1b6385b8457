import Testing

// Placeholder until the WanVAE tests land.
