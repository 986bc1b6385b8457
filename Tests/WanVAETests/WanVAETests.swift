import Testing

/// Every WanVAE suite, run one test at a time: the CPU backend's oneDNN matmul primitives share
/// oneDNN's library scratchpad, so two GEMMs running at once on different threads can corrupt each
/// other's results (seen as decode parity failures of 0.1-0.9 when these tests ran in parallel, and
/// gone with the executions serialised).
@Suite(.serialized) struct WanVAETests {}
