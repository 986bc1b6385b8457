import Testing

/// Every WanVAE suite. They run in parallel, which also checks that the CPU backend's GEMMs give
/// the same numbers when run from several threads at once.
@Suite struct WanVAETests {}
