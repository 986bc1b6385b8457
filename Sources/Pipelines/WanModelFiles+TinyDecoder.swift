import Tensor
import TinyDecoder

extension WanModelFiles {
    /// The TAEHV tiny decoder of ``tinyDecoderFile`` (safetensors, or any format `openWeights` reads),
    /// its weights held in float32; nil when none was given. Throws when the file is not a TAEHV
    /// decoder for this model's latents (a VAE given as the decoder, a Wan 2.2 decoder for a Wan 2.1 model).
    public func loadTinyDecoder(latentChannels: Int, uploadingTo backend: (any Backend)? = nil) throws -> TAEHV? {
        guard let path = tinyDecoderFile else { return nil }
        return try loadTinyDecoder(path: path, latentChannels: latentChannels, uploadingTo: backend, reading: { $0 })
    }

    func loadTinyDecoder(path: String, latentChannels: Int, uploadingTo backend: (any Backend)?,
                         reading: WeightReading) throws -> TAEHV {
        let weights = try openWeights(path: path)
        let config = try TAEHV.Config(detectingFrom: weights)
        guard config.latentChannels == latentChannels else {
            throw TinyDecoderError.unsupported(source: weights.description, detail: "the tiny decoder takes \(config.latentChannels)-channel latents, but this model makes \(latentChannels)-channel ones")
        }
        return try TAEHV(config: config, weights: reading(weights), weightType: .float32, uploadingTo: backend)
    }
}
