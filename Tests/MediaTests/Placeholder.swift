import Testing

// Placeholder until the Media tests land.
