#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPUBackend
import NN
import Tensor
import TestSupport
import TinyDecoder

/// tools/fixtures/make_taehv_fixtures.py's output, `Tests/Fixtures/taehv/`: a small-width TAEHV
/// decoder in the published layout (`decoder.safetensors`), and the reference's decodes of random
/// latents (`io.safetensors`).
struct TAEHVFixture {
    let weights: SafeTensorsFile
    let io: SafeTensorsFile

    init() throws {
        weights = try SafeTensorsFile(path: fixturePath("taehv/decoder.safetensors"))
        io = try SafeTensorsFile(path: fixturePath("taehv/io.safetensors"))
    }

    func model() throws -> TAEHV { try TAEHV(weights: weights) }

    /// The first `frames` latent frames, `[1, 16, frames, 3, 4]`.
    func latents(frames: Int, on backend: CPUBackend) throws -> Tensor {
        try backend.slice(try io.tensor(named: "latents"), axis: 2, start: 0, end: frames)
    }

    /// Every name and shape of the reference's full-size Wan 2.1 model (`published_shapes.json`).
    static func publishedShapes() throws -> [(name: String, shape: [Int])] {
        let json = try JSONValue(parsing: try readText(fixturePath("taehv/published_shapes.json")))
        guard let object = json.objectValue else { throw TensorError.invalidArgument(op: "fixture", detail: "not an object") }
        return try object.keys.sorted().map { name in
            guard let dims = object[name]?.arrayValue?.compactMap(\.intValue) else {
                throw TensorError.invalidArgument(op: "fixture", detail: "\(name) has no shape")
            }
            return (name: name, shape: dims)
        }
    }
}

/// Tensors held in memory under given names, as a ``WeightSource``: a fixture's weights edited, or
/// weights made up for a layout.
struct MemoryWeights: WeightSource {
    var tensors: [(name: String, tensor: Tensor)]
    var description: String

    init(_ tensors: [(name: String, tensor: Tensor)], description: String = "memory.safetensors") {
        self.tensors = tensors
        self.description = description
    }

    /// Every tensor of `source`.
    init(copying source: any WeightSource, description: String = "edited.safetensors") throws {
        self.init(try source.names.map { (name: $0, tensor: try source.tensor(named: $0, as: .float32)) }, description: description)
    }

    var names: [String] { tensors.map(\.name) }

    func entry(named name: String) -> SafeTensorsEntry? {
        guard let tensor = tensors.first(where: { $0.name == name })?.tensor else { return nil }
        return SafeTensorsEntry(name: name, dtype: .float32, shape: tensor.shape, byteRange: 0..<tensor.byteCount)
    }

    func tensor(named name: String) throws -> Tensor {
        guard let tensor = tensors.first(where: { $0.name == name })?.tensor else {
            throw WeightFileError(path: description, tensor: name, .tensorNotFound)
        }
        return tensor
    }

    func tensor(named name: String, as dtype: DType) throws -> Tensor {
        try CPUBackend().cast(try tensor(named: name), to: dtype)
    }

    mutating func remove(_ name: String) { tensors.removeAll { $0.name == name } }

    mutating func set(_ name: String, _ tensor: Tensor) {
        remove(name)
        tensors.append((name: name, tensor: tensor))
    }
}

/// The contents of a small text file.
func readText(_ path: String) throws -> String {
    guard let file = fopen(path, "rb") else {
        throw WeightFileError(path: path, .unreadable("cannot open the file"))
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let read = fread(&buffer, 1, buffer.count, file)
        if read == 0 { break }
        bytes += buffer[0..<read]
    }
    return String(decoding: bytes, as: UTF8.self)
}
