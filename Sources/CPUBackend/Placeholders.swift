import Tensor

// Temporary: the ops below are being written in their own files; each one moves out of here.
extension CPUBackend {
    private func notYet(_ op: String) -> TensorError { .invalidArgument(op: op, detail: "not implemented yet") }
    public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, outputType: DType?) throws -> Tensor { throw notYet("matmul") }
    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor { throw notYet("linear") }
    public func attention(query: Tensor, key: Tensor, value: Tensor, scale: Float) throws -> Tensor { throw notYet("attention") }
    public func conv3d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: Padding3D) throws -> Tensor { throw notYet("conv3d") }
    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int]) throws -> Tensor { throw notYet("conv2d") }
    public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor { throw notYet("layerNorm") }
    public func rmsNorm(_ x: Tensor, weight: Tensor?, eps: Float) throws -> Tensor { throw notYet("rmsNorm") }
    public func softmax(_ x: Tensor) throws -> Tensor { throw notYet("softmax") }
    public func unary(_ op: UnaryOp, _ x: Tensor) throws -> Tensor { throw notYet("unary") }
    public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor { throw notYet("binary") }
    public func affine(_ x: Tensor, scale: Float, offset: Float) throws -> Tensor { throw notYet("affine") }
    public func rotaryEmbedding(_ x: Tensor, cos: Tensor, sin: Tensor) throws -> Tensor { throw notYet("rotaryEmbedding") }
    public func permute(_ x: Tensor, _ axes: [Int]) throws -> Tensor { throw notYet("permute") }
    public func concat(_ tensors: [Tensor], axis: Int) throws -> Tensor { throw notYet("concat") }
    public func slice(_ x: Tensor, axis: Int, start: Int, end: Int) throws -> Tensor { throw notYet("slice") }
    public func pad(_ x: Tensor, _ padding: [(before: Int, after: Int)], value: Float) throws -> Tensor { throw notYet("pad") }
    public func upsampleNearest(_ x: Tensor, factors: [Int]) throws -> Tensor { throw notYet("upsampleNearest") }
}
