import Synchronization
import Tensor

/// Weights that add up the bytes of every tensor read through them. A model keeps the tensors it
/// reads (converted to its precision on the read), so after loading one from these, ``bytesRead``
/// is the size of its weights in memory; the few tables a model computes itself (rotary angles)
/// are not counted.
final class CountingWeights: WeightSource {
    private let base: any WeightSource
    private let total = Mutex(0)

    init(_ base: any WeightSource) { self.base = base }

    /// The bytes of the tensors read so far.
    var bytesRead: Int { total.withLock { $0 } }

    var names: [String] { base.names }
    var description: String { base.description }

    func entry(named name: String) -> SafeTensorsEntry? { base.entry(named: name) }

    func tensor(named name: String) throws -> Tensor { counted(try base.tensor(named: name)) }

    func tensor(named name: String, as dtype: DType) throws -> Tensor { counted(try base.tensor(named: name, as: dtype)) }

    /// Forwarded, so that a GGUF model loaded through these weights stays quantised; the blocks'
    /// bytes are what the model holds.
    func quantizedMatrix(named name: String) throws -> QuantizedMatrix? {
        let matrix = try base.quantizedMatrix(named: name)
        if let matrix { total.withLock { $0 += matrix.byteCount } }
        return matrix
    }

    private func counted(_ tensor: Tensor) -> Tensor {
        total.withLock { $0 += tensor.byteCount }
        return tensor
    }
}
