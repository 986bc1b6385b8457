#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLIPVision
import Tensor
import TinyDecoder
import Tokenization
import UMT5
import WanDiT
import WanVAE

/// The model components a generation's stages ask for: loaded from the files at the precision's
/// dtypes, through the ``ModelCache`` when there is one (measured as they load), directly otherwise.
struct ComponentLoader: Sendable {
    let files: WanModelFiles
    let precision: WanPrecision
    let backend: any Backend
    let cache: ModelCache?

    func tokenizer() throws -> UnigramTokenizer {
        guard let cache else { return try files.loadTokenizer() }
        // A tokenizer holds no tensors; its JSON file's size stands for what it holds.
        let size = { fileSize(try files.tokenizerPath()) }
        return try cache.component(key(.tokenizer, precision: ""), estimatedBytes: size) {
            (try files.loadTokenizer(), try size())
        }
    }

    func textEncoder() throws -> UMT5Encoder {
        let precision = precision.textEncoder
        guard let cache else { return try files.loadTextEncoder(precision: precision, uploadingTo: backend) }
        return try cache.component(key(.textEncoder, precision: precision.rawValue, file: files.textEncoderOverride),
                                   estimatedBytes: { estimate("text_encoder", precision.dtype) }) {
            try measured { try files.loadTextEncoder(precision: precision, uploadingTo: backend, reading: $0) }
        }
    }

    func transformer() throws -> WanTransformer {
        let dtype = precision.transformer
        guard let cache else { return try files.loadTransformer(dtype: dtype, uploadingTo: backend) }
        return try cache.component(key(.transformer, precision: dtype.rawValue, file: files.transformerOverride, loras: files.loras),
                                   estimatedBytes: { estimate("transformer", dtype) }) {
            try measured { try files.loadTransformer(dtype: dtype, uploadingTo: backend, reading: $0) }
        }
    }

    /// The CLIP image encoder of an image-to-video model.
    func imageEncoder() throws -> CLIPVisionEncoder {
        let dtype = precision.imageEncoder
        guard let cache else { return try files.loadImageEncoder(dtype: dtype, uploadingTo: backend, reading: { $0 }) }
        return try cache.component(key(.imageEncoder, precision: dtype.rawValue, file: files.imageEncoderOverride),
                                   estimatedBytes: { estimate("image_encoder", dtype) }) {
            try measured { try files.loadImageEncoder(dtype: dtype, uploadingTo: backend, reading: $0) }
        }
    }

    /// The VAE's encoder half, for encoding input images and videos.
    func vaeEncoder() throws -> WanAutoencoder { try vae(.encoder) }

    /// The VAE's decoder half.
    func vaeDecoder() throws -> WanAutoencoder { try vae(.decoder) }

    /// The TAEHV tiny decoder the files name for `latentChannels`-channel latents, nil when they name none.
    func tinyDecoder(latentChannels: Int) throws -> TAEHV? {
        guard let path = files.tinyDecoderFile else { return nil }
        guard let cache else {
            return try files.loadTinyDecoder(path: path, latentChannels: latentChannels, uploadingTo: backend, reading: { $0 })
        }
        return try cache.component(key(.tinyDecoder, precision: DType.float32.rawValue, file: path),
                                   estimatedBytes: { estimateFile(path, .float32) }) {
            try measured { try files.loadTinyDecoder(path: path, latentChannels: latentChannels, uploadingTo: backend, reading: $0) }
        }
    }

    /// One half of the VAE (`parts` is `.encoder` or `.decoder`).
    private func vae(_ parts: WanAutoencoder.Parts) throws -> WanAutoencoder {
        let dtype = precision.vae
        guard let cache else { return try files.loadVAE(weightType: dtype, parts: parts, uploadingTo: backend) }
        let decoder = parts == .decoder
        return try cache.component(key(decoder ? .vaeDecoder : .vaeEncoder, precision: dtype.rawValue, file: files.vaeOverride),
                                   estimatedBytes: { estimate("vae", dtype) { isVAEDecoderWeight($0) == decoder } }) {
            try measured { try files.loadVAE(weightType: dtype, parts: parts, uploadingTo: backend, reading: $0) }
        }
    }

    private func key(_ component: ModelCache.Key.Component, precision: String, file: String? = nil,
                     loras: [LoRA] = []) -> ModelCache.Key {
        ModelCache.Key(model: files.folder.path, file: file, component: component, precision: precision, loras: loras)
    }

    /// A model loaded through ``CountingWeights``, with the bytes of the weights it read.
    private func measured<Model>(_ load: (WanModelFiles.WeightReading) throws -> Model) throws -> (value: Model, bytes: Int) {
        var counter: CountingWeights?
        let model = try load { weights in
            let counting = CountingWeights(weights)
            counter = counting
            return counting
        }
        return (model, counter?.bytesRead ?? 0)
    }

    /// The bytes of the decoder weights of the file at `path` at `dtype` (its encoder's left out),
    /// from its header; 0 when it cannot be opened (the load will say why).
    private func estimateFile(_ path: String, _ dtype: DType) -> Int {
        guard let weights = try? openWeights(path: path) else { return 0 }
        return weights.entries.reduce(0) { $0 + ($1.name.hasPrefix("encoder.") ? 0 : $1.elementCount * dtype.byteSize) }
    }

    /// The bytes of component `name`'s weights at `dtype` (those `only` accepts), from the file
    /// headers; 0 when they cannot be opened (the load will say why).
    private func estimate(_ name: String, _ dtype: DType, only included: (String) -> Bool = { _ in true }) -> Int {
        guard let weights = files.weights(of: name) else { return 0 }
        return weights.entries.reduce(0) { total, entry in
            guard included(entry.name) else { return total }
            let dense = entry.elementCount * dtype.byteSize
            // An entry stored in fewer bytes than its dtype needs holds GGUF blocks, which stay blocks.
            let blocks = entry.byteCount * 8 < entry.elementCount * entry.dtype.bitSize
            return total + (blocks ? min(dense, entry.byteCount) : dense)
        }
    }
}

/// Whether a VAE tensor belongs to the decoder half: the first of its name's parts that names a
/// half is `decoder` or `post_quant_conv` (original layout: `conv2`), whatever prefix comes before.
private func isVAEDecoderWeight(_ name: String) -> Bool {
    for part in name.split(separator: ".") {
        if part == "decoder" || part == "post_quant_conv" || part == "conv2" { return true }
        if part == "encoder" || part == "quant_conv" || part == "conv1" { return false }
    }
    return false
}

/// The size of the file at `path` in bytes, 0 when it cannot be read.
private func fileSize(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : 0
}
