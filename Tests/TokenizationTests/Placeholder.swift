import Testing

// Placeholder until the Tokenization tests land.
