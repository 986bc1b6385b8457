import CPUBackend
import NN
import Tensor
import TestSupport
import UMT5

/// `Tests/Fixtures/umt5`, written by tools/fixtures/make_umt5_fixtures.py.
func umt5FixturePath(_ name: String) -> String { fixturePath("umt5/\(name)") }

/// One tiny random model of the fixture script: a diffusers-style folder (`<case>/model_index.json`,
/// `<case>/text_encoder/{config.json, model.safetensors}`) and `<case>/io.safetensors` with the
/// inputs, the reference's named intermediates (`tap.<name>`) and outputs.
struct UMT5Case {
    let name: String
    let component: ModelComponent
    let config: UMT5Encoder.Config
    let weights: any WeightSource
    let io: SafeTensorsFile

    init(_ name: String) throws {
        self.name = name
        let folder = try ModelFolder(path: umt5FixturePath(name))
        guard let component = folder.component(named: "text_encoder"), let json = component.config,
              let weights = try component.openWeights() else {
            throw UMT5Error.incompleteComponent(path: folder.path, detail: "fixture has no text_encoder config and weights")
        }
        self.component = component
        self.config = try UMT5Encoder.Config(json: json)
        self.weights = weights
        io = try SafeTensorsFile(path: umt5FixturePath("\(name)/io.safetensors"))
    }

    /// `ids` `[B][L]` (stored as int64).
    var ids: [[Int]] { get throws { try rows("ids") } }
    /// `mask` `[B][L]` (stored as int64).
    var mask: [[Int]] { get throws { try rows("mask") } }

    /// The reference tensor `name` of io.safetensors.
    func reference(_ name: String) throws -> Tensor { try io.tensor(named: name) }

    /// The names of the reference's intermediates, without the `tap.` prefix.
    var tapNames: [String] { io.names.filter { $0.hasPrefix("tap.") }.map { String($0.dropFirst(4)) } }

    /// The encoder from the case's own folder.
    func encoder(_ precision: UMT5Encoder.Precision) throws -> UMT5Encoder {
        try UMT5Encoder(component: component, dtype: precision)
    }

    private func rows(_ name: String) throws -> [[Int]] {
        let tensor = try io.tensor(named: name)  // int64 → float32, exact for these sizes
        let (batch, length) = (tensor.shape[0], tensor.shape[1])
        let values = tensor.floats()
        return (0..<batch).map { b in values[(b * length)..<((b + 1) * length)].map { Int($0) } }
    }
}

/// Weights of another source with some tensors removed and others added or replaced, held in
/// memory: for the loading-error tests.
struct EditedWeights: WeightSource {
    let base: any WeightSource
    var removed: Set<String> = []
    var added: [String: (tensor: Tensor, dtype: SafeTensorsDType)] = [:]

    var names: [String] {
        base.names.filter { !removed.contains($0) && added[$0] == nil } + added.keys.sorted()
    }
    var description: String { "edited \(base.description)" }

    func entry(named name: String) -> SafeTensorsEntry? {
        if let (tensor, dtype) = added[name] {
            return SafeTensorsEntry(name: name, dtype: dtype, shape: tensor.shape, byteRange: 0..<tensor.byteCount)
        }
        return removed.contains(name) ? nil : base.entry(named: name)
    }

    func tensor(named name: String) throws -> Tensor {
        if let (tensor, _) = added[name] { return tensor }
        guard !removed.contains(name) else { throw WeightFileError(path: description, tensor: name, .tensorNotFound) }
        return try base.tensor(named: name)
    }

    func tensor(named name: String, as dtype: DType) throws -> Tensor {
        try CPUBackend().cast(try tensor(named: name), to: dtype)
    }

    /// These weights with `name` removed.
    func removing(_ name: String) -> EditedWeights {
        var copy = self
        copy.removed.insert(name)
        return copy
    }

    /// These weights with `name` holding `tensor` (stored as `dtype`).
    func adding(_ name: String, _ tensor: Tensor, as dtype: SafeTensorsDType = .float32) -> EditedWeights {
        var copy = self
        copy.added[name] = (tensor, dtype)
        return copy
    }
}
