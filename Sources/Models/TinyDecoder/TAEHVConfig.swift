import NN
import Tensor

extension TAEHV {
    /// The shape of a TAEHV decoder: its latent channels, the widths of its three stages and its
    /// output convolution, and which stages double the frame count. The defaults are the published
    /// Wan 2.1 decoder (`taew2_1`): 16 latent channels, widths 256, 128, 64, 64, time upscaling in
    /// the second and third stages (4× frames), spatial upscaling in all three (8× pixels).
    public struct Config: Sendable, Equatable {
        /// Channels of the latents it decodes (16 for Wan 2.1).
        public var latentChannels: Int
        /// The widths of the three stages and of the last hidden convolution.
        public var widths: [Int]
        /// Whether each stage's `TGrow` doubles the frames.
        public var timeUpscale: [Bool]

        public init(latentChannels: Int = 16, widths: [Int] = [256, 128, 64, 64], timeUpscale: [Bool] = [false, true, true]) {
            self.latentChannels = latentChannels
            self.widths = widths
            self.timeUpscale = timeUpscale
        }

        /// Pixel frames per latent frame before the trim (4 for Wan 2.1).
        public var temporalUpscale: Int { timeUpscale.reduce(1) { $1 ? $0 * 2 : $0 } }
        /// Pixels per latent along each spatial axis.
        public static let spatialUpscale = 8
        /// The leading output frames dropped so that T latent frames give the Wan VAE's
        /// `temporalUpscale·(T − 1) + 1` frames (the reference's `frames_to_trim`).
        public var framesToTrim: Int { temporalUpscale - 1 }

        /// The frames a decode of `latentFrames` latent frames gives.
        public func frameCount(latentFrames: Int) -> Int { max(0, latentFrames * temporalUpscale - framesToTrim) }

        /// The config of `weights`, read from the shapes of its convolutions: the latent channels
        /// and widths vary, the layout is the base decoder's (time upscaling stays Wan 2.1's).
        /// Throws ``TinyDecoderError`` for another model's file or an unsupported TAEHV variant.
        public init(detectingFrom weights: any WeightSource) throws {
            let source = weights.description
            guard let first = weights.entry(named: "decoder.1.weight") else {
                throw TinyDecoderError.notTAEHV(source: source, detail: Config.whatItIs(weights))
            }
            guard first.shape.count == 4, first.shape[2] == 3, first.shape[3] == 3 else {
                throw TinyDecoderError.notTAEHV(source: source, detail: "tensor \"decoder.1.weight\" has shape \(first.shape), not the [width, latent channels, 3, 3] of a TAEHV decoder's first convolution")
            }
            var widths = [first.shape[0]]
            for index in [8, 14, 20] {
                let name = "decoder.\(index).weight"
                guard let entry = weights.entry(named: name) else {
                    throw WeightLoadError(source: source, .missing(key: name, fileKey: name,
                                                                   nearby: weights.names.filter { $0.hasPrefix("decoder.\(index).") }))
                }
                guard entry.shape.count == 4, entry.shape[1] == widths.last else {
                    throw WeightLoadError(source: source, .shapeMismatch(key: name, fileKey: name,
                                                                         expected: [entry.shape.first ?? 0, widths.last ?? 0, 3, 3], found: entry.shape))
                }
                widths.append(entry.shape[0])
            }
            if let last = weights.entry(named: "decoder.22.weight"), last.shape.count == 4, last.shape[0] != 3 {
                throw TinyDecoderError.unsupported(source: source, detail: "the decoder writes \(last.shape[0]) channels per pixel (a pixel-shuffled TAEHV such as Wan 2.2's taew2_2); only the Wan 2.1 layout (taew2_1, 3 channels) is supported")
            }
            self.init(latentChannels: first.shape[1], widths: widths)
        }

        /// Why weights without `decoder.1.weight` are not a TAEHV decoder, as one clause.
        private static func whatItIs(_ weights: any WeightSource) -> String {
            let names = Set(weights.names)
            for marker in ["decoder.conv_in.weight", "decoder.conv1.weight", "vae.decoder.conv_in.weight"] where names.contains(marker) {
                return "holds Wan VAE weights (\"\(marker)\"), not a TAEHV decoder; give it as the VAE, not as the tiny decoder"
            }
            if names.contains("decoder.0.weight") {
                return "a TAEHV \"super\" decoder (it starts with \"decoder.0.weight\"), which is not supported; use the base decoder (taew2_1)"
            }
            if names.contains(where: { $0.hasPrefix("blocks.") || $0.hasPrefix("model.diffusion_model.") }) {
                return "holds transformer weights, not a TAEHV decoder"
            }
            return "no tensor \"decoder.1.weight\", so this is not a TAEHV decoder (taew2_1.safetensors or taew2_1.pth)"
        }
    }
}
