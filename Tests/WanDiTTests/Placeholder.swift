import Testing

// Placeholder until the WanDiT tests land.
