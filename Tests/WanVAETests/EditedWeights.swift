import CPUBackend
import NN
import Tensor

/// A fixture's weights with tensors dropped, replaced or added, or every name prefixed, for the
/// loading tests.
struct EditedWeights: WeightSource {
    let base: any WeightSource
    var prefix = ""
    var dropped: Set<String> = []
    var replaced: [String: Tensor] = [:]

    var description: String { "edited.safetensors" }

    var names: [String] {
        let kept = base.names.filter { !dropped.contains($0) && replaced[$0] == nil }
        return (kept + replaced.keys.sorted()).map { prefix + $0 }
    }

    private func baseName(_ name: String) -> String? {
        guard name.hasPrefix(prefix) else { return nil }
        let inner = String(name.dropFirst(prefix.count))
        return dropped.contains(inner) ? nil : inner
    }

    func entry(named name: String) -> SafeTensorsEntry? {
        guard let inner = baseName(name) else { return nil }
        if let tensor = replaced[inner] {
            return SafeTensorsEntry(name: name, dtype: .float32, shape: tensor.shape, byteRange: 0..<tensor.byteCount)
        }
        guard let entry = base.entry(named: inner) else { return nil }
        return SafeTensorsEntry(name: name, dtype: entry.dtype, shape: entry.shape, byteRange: entry.byteRange)
    }

    func tensor(named name: String) throws -> Tensor {
        guard let inner = baseName(name) else {
            throw WeightFileError(path: description, tensor: name, .tensorNotFound)
        }
        return try replaced[inner] ?? base.tensor(named: inner)
    }

    func tensor(named name: String, as dtype: DType) throws -> Tensor {
        try CPUBackend().cast(try tensor(named: name), to: dtype)
    }
}
