import CLIPVision
import CPUBackend
import NN
import Tensor
import TestSupport

/// `Tests/Fixtures/clip_vision`, written by tools/fixtures/make_clip_vision_fixtures.py.
func clipFixturePath(_ name: String) -> String { fixturePath("clip_vision/\(name)") }

/// One tiny random model of the fixture script: a diffusers-style folder (`<case>/model_index.json`,
/// `<case>/image_encoder/{config.json, model.safetensors}`, `<case>/image_processor/`), the same
/// weights under the original Wan names (`original.safetensors`, `original.pth`), and
/// `<case>/io.safetensors` with the input pixels and every hidden state of the reference.
struct CLIPCase {
    let name: String
    let folder: ModelFolder
    let component: ModelComponent
    let config: CLIPVisionEncoder.Config
    let weights: any WeightSource
    let io: SafeTensorsFile

    init(_ name: String) throws {
        self.name = name
        folder = try ModelFolder(path: clipFixturePath(name))
        guard let component = folder.component(named: "image_encoder"), let json = component.config,
              let weights = try component.openWeights() else {
            throw CLIPVisionError.incompleteComponent(path: folder.path, detail: "fixture has no image_encoder config and weights")
        }
        self.component = component
        config = try CLIPVisionEncoder.Config(json: json, file: component.configPath)
        self.weights = weights
        io = try SafeTensorsFile(path: clipFixturePath("\(name)/io.safetensors"))
    }

    /// The reference tensor `name` of io.safetensors.
    func reference(_ name: String) throws -> Tensor { try io.tensor(named: name) }

    /// The original-layout weights: `original.safetensors` or `original.pth`.
    func original(_ file: String) throws -> any WeightSource { try openWeights(path: clipFixturePath("\(name)/\(file)")) }
}

/// Weights of another source with some tensors removed and others added or replaced, held in
/// memory: for the loading-error tests.
struct EditedWeights: WeightSource {
    let base: any WeightSource
    var removed: Set<String> = []
    var added: [String: Tensor] = [:]

    var names: [String] { base.names.filter { !removed.contains($0) && added[$0] == nil } + added.keys.sorted() }
    var description: String { "edited \(base.description)" }

    func entry(named name: String) -> SafeTensorsEntry? {
        if let tensor = added[name] {
            return SafeTensorsEntry(name: name, dtype: .float32, shape: tensor.shape, byteRange: 0..<tensor.byteCount)
        }
        return removed.contains(name) ? nil : base.entry(named: name)
    }

    func tensor(named name: String) throws -> Tensor {
        if let tensor = added[name] { return tensor }
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

    /// These weights with `name` holding `tensor`.
    func adding(_ name: String, _ tensor: Tensor) -> EditedWeights {
        var copy = self
        copy.added[name] = tensor
        return copy
    }
}
