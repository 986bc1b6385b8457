#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPUBackend
import NN
import Tensor
import TestSupport
import WanVAE

/// One config of tools/fixtures/make_wan_vae_fixtures.py, `Tests/Fixtures/wan_vae/<name>/`:
/// `config.json` and `diffusion_pytorch_model.safetensors` as diffusers' `save_pretrained` wrote
/// them, and `io.safetensors` with the inputs, outputs and named intermediates of the reference.
struct VAEFixture {
    let name: String
    let folder: String
    let configText: String
    let weights: SafeTensorsFile
    let io: SafeTensorsFile

    init(_ name: String) throws {
        self.name = name
        folder = fixturePath("wan_vae/\(name)")
        configText = try readText("\(folder)/config.json")
        weights = try SafeTensorsFile(path: "\(folder)/diffusion_pytorch_model.safetensors")
        io = try SafeTensorsFile(path: "\(folder)/io.safetensors")
    }

    var config: WanAutoencoder.Config { get throws { try WanAutoencoder.Config(parsing: configText) } }

    /// The model with the diffusers-named weights, held as `weightType`.
    func model(weightType: DType = .float32, parts: WanAutoencoder.Parts = .all) throws -> WanAutoencoder {
        try WanAutoencoder(config: try config, weights: weights, weightType: weightType, parts: parts)
    }

    /// The tensor `name` of `io.safetensors`.
    func io(_ name: String) throws -> Tensor { try io.tensor(named: name) }

    /// The first `frames` pixel frames of the fixture video, `[1, 3, frames, 24, 40]`.
    func video(frames: Int, on backend: CPUBackend) throws -> Tensor {
        try backend.slice(try io("video"), axis: 2, start: 0, end: frames)
    }

    /// The first `frames` latent frames of the fixture latents, `[1, z, frames, 3, 5]`.
    func latents(frames: Int, on backend: CPUBackend) throws -> Tensor {
        try backend.slice(try io("latents"), axis: 2, start: 0, end: frames)
    }

    /// The reference's intermediates recorded under `prefix.tap.` (e.g. `encode.f5`), by module name.
    func taps(_ prefix: String) -> [String] {
        io.entries.map(\.name).filter { $0.hasPrefix("\(prefix).tap.") }.map { String($0.dropFirst(prefix.count + 5)) }
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
