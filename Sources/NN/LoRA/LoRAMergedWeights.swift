import Tensor

/// Model weights with LoRA and delta files merged in as each weight is loaded: the one place a
/// model's parameters pass through on their way from the file (every ``WeightScope`` load calls
/// `tensor(named:as:)`), so a LoRA costs nothing at run time. A changed weight is read in float32,
/// each file's terms are added in float32 (`W + Σ scale·(alpha/r)·B·A + Σ scale·delta`), and the
/// sum is converted to the dtype asked for. Names, shapes and every unchanged weight are the base's.
///
/// A format that keeps weights quantised (GGUF) is merged through the same call: its
/// `tensor(named:as:)` gives the dequantised weight, and the merged weight is dense, while the
/// weights no file changes stay in their blocks.
public final class LoRAMergedWeights: WeightSource {
    /// The model's own weights.
    public let base: any WeightSource
    /// The files merged in, in order.
    public let adapters: [LoRAAdapter]
    private let backend: (any Backend)?

    /// `base` with `adapters` merged in; the products and sums run on `backend`, or with no backend
    /// on the plain host loops of the reference path.
    public init(base: any WeightSource, adapters: [LoRAAdapter], backend: (any Backend)?) {
        self.base = base
        self.adapters = adapters
        self.backend = backend
    }

    public var names: [String] { base.names }
    public var description: String { base.description }

    public func entry(named name: String) -> SafeTensorsEntry? { base.entry(named: name) }

    public func tensor(named name: String) throws -> Tensor {
        guard isChanged(name) else { return try base.tensor(named: name) }
        return try merged(name, as: base.entry(named: name)?.dtype.tensorDType ?? .float32)
    }

    public func tensor(named name: String, as dtype: DType) throws -> Tensor {
        guard isChanged(name) else { return try base.tensor(named: name, as: dtype) }
        return try merged(name, as: dtype)
    }

    /// The base's blocks for a weight no file changes; nil for a changed one, which is then loaded
    /// dense and merged through `tensor(named:as:)`.
    public func quantizedMatrix(named name: String) throws -> QuantizedMatrix? {
        isChanged(name) ? nil : try base.quantizedMatrix(named: name)
    }

    private func isChanged(_ name: String) -> Bool { adapters.contains { $0.changes[name] != nil } }

    /// The weight `name` with every adapter's terms added in float32, converted to `dtype`.
    private func merged(_ name: String, as dtype: DType) throws -> Tensor {
        let original = try base.tensor(named: name, as: .float32)
        // A weight that is already not finite is the base's problem, not the LoRA's.
        let baseFinite = allFinite(original)
        let terms = adapters.flatMap { adapter in (adapter.changes[name] ?? []).map { (term: $0, source: adapter.source) } }
        let sum = try backend.map { try add(terms, to: original, on: $0) } ?? add(terms, to: original)
        guard !baseFinite || allFinite(sum) else {
            let paths = adapters.filter { $0.changes[name] != nil }.map(\.path)
            throw LoRAError(path: paths.joined(separator: ", "), .nonFinite(weight: name))
        }
        guard dtype != .float32 else { return sum }
        return try backend.map { try $0.download(try $0.cast(try $0.upload(sum), to: dtype)) } ?? hostCast(sum, to: dtype)
    }

    /// `weight` plus the terms, on `backend`; a float32 host tensor.
    private func add(_ terms: [(term: LoRATerm, source: any WeightSource)], to weight: Tensor, on backend: any Backend) throws -> Tensor {
        var sum = try backend.upload(weight)
        for (term, source) in terms {
            let delta: Tensor
            switch term {
            case .lowRank(let downKey, let upKey, let rank, let factor):
                let down = try backend.upload(try source.tensor(named: downKey, as: .float32).reshaped([rank, -1]))  // [r, in]
                let up = try backend.upload(try source.tensor(named: upKey, as: .float32).reshaped([-1, rank]))  // [out, r]
                delta = try backend.affine(try backend.matmul(up, down), scale: factor, offset: 0)  // [out, in]
            case .full(let key, let factor):
                delta = try backend.affine(try backend.upload(try source.tensor(named: key, as: .float32)), scale: factor, offset: 0)
            }
            sum = try backend.add(sum, try delta.reshaped(weight.shape))  // the weight's shape
        }
        return try backend.download(sum)
    }

    /// `weight` plus the terms, by plain loops on the host (the reference path).
    private func add(_ terms: [(term: LoRATerm, source: any WeightSource)], to weight: Tensor) throws -> Tensor {
        var sum = weight.floats()
        for (term, source) in terms {
            switch term {
            case .lowRank(let downKey, let upKey, let rank, let factor):
                let down = try source.tensor(named: downKey, as: .float32).floats()  // [r, in]
                let up = try source.tensor(named: upKey, as: .float32).floats()  // [out, r]
                let inFeatures = down.count / rank, outFeatures = up.count / rank
                guard outFeatures * inFeatures == sum.count else { throw mismatch(downKey, [outFeatures, inFeatures], weight) }
                for i in 0..<outFeatures {
                    for k in 0..<rank {
                        let a = factor * up[i * rank + k]
                        for j in 0..<inFeatures { sum[i * inFeatures + j] += a * down[k * inFeatures + j] }
                    }
                }
            case .full(let key, let factor):
                let delta = try source.tensor(named: key, as: .float32).floats()
                guard delta.count == sum.count else { throw mismatch(key, [delta.count], weight) }
                for i in sum.indices { sum[i] += factor * delta[i] }
            }
        }
        return try Tensor(sum, shape: weight.shape)
    }
}

/// The error for a term that does not fit the weight (adapters resolved against other weights).
private func mismatch(_ key: String, _ delta: [Int], _ weight: Tensor) -> TensorError {
    TensorError.shapeMismatch(op: "LoRA merge", detail: "\(key) gives a \(delta) delta for a \(weight.shape) weight")
}

/// `x` (float32, on the host) converted to `dtype`, rounding to nearest even.
private func hostCast(_ x: Tensor, to dtype: DType) throws -> Tensor {
    let values = x.floats()
    let out = Tensor(uninitialized: x.shape, dtype: dtype)
    guard let pointer = out.storage.hostPointer else { return x }
    let bits = pointer.assumingMemoryBound(to: UInt16.self)
    for i in values.indices { bits[i] = dtype == .bfloat16 ? bfloat16Bits(values[i]) : float16Bits(values[i]) }
    return out
}

/// Whether every element of the float32 host tensor `x` is finite.
private func allFinite(_ x: Tensor) -> Bool {
    guard let pointer = x.storage.hostPointer else { return true }
    let values = UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: Float.self), count: x.count)
    return values.allSatisfy(\.isFinite)
}
