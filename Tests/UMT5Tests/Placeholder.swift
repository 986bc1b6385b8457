import Testing

// Placeholder until the UMT5 tests land.
