import Tensor

extension WanAutoencoder {
    /// The fields of a diffusers `AutoencoderKLWan` `config.json` (docs/wan-reference.md §2.1). Every field
    /// defaults to the class default, which is the Wan 2.1 VAE, so older configs that lack a newer
    /// field read as diffusers reads them. Unknown keys (`_class_name`, `_diffusers_version`) are ignored.
    public struct Config: Sendable, Equatable {
        /// Encoder width of the first level (`base_dim`).
        public var baseDim = 96
        /// Decoder width of the last level (`decoder_base_dim`); nil means `baseDim`.
        public var decoderBaseDim: Int? = nil
        /// Latent channels (`z_dim`); the encoder emits twice as many (mean and log-variance).
        public var zDim = 16
        /// Width multiplier of each level (`dim_mult`); one spatial ×2 resampler between levels.
        public var dimMult = [1, 2, 4, 4]
        /// Residual blocks per encoder level; decoder levels have one more (`num_res_blocks`).
        public var numResBlocks = 2
        /// Levels with extra attention (`attn_scales`); must be empty (see ``validate()``).
        public var attnScales: [Double] = []
        /// Whether each encoder resampler also halves time (`temperal_downsample`, diffusers' spelling);
        /// the decoder uses the list reversed.
        public var temperalDownsample = [false, true, true]
        /// Dropout rate (`dropout`); inference ignores it.
        public var dropout = 0.0
        /// Per-channel latent mean the pipelines subtract (`latents_mean`, `zDim` entries).
        public var latentsMean: [Double] = [
            -0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
            0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921,
        ]
        /// Per-channel latent standard deviation (`latents_std`, `zDim` entries).
        public var latentsStd: [Double] = [
            2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
            3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160,
        ]
        /// The Wan 2.2 residual up/down blocks (`is_residual`); must be false.
        public var isResidual = false
        /// Pixel channels in (`in_channels`).
        public var inChannels = 3
        /// Pixel channels out (`out_channels`).
        public var outChannels = 3
        /// Wan 2.2's pixel patchification (`patch_size`); must be nil or 1.
        public var patchSize: Int? = nil
        /// Frames per latent frame after the first, as the pipelines read it (`scale_factor_temporal`).
        public var scaleFactorTemporal = 4
        /// Pixels per latent pixel, as the pipelines read it (`scale_factor_spatial`).
        public var scaleFactorSpatial = 8

        /// The Wan 2.1 VAE (the class defaults).
        public init() {}

        /// Reads a parsed `config.json` (see ``init(from:)``) and validates it. Throws ``WanVAEError``
        /// for a field of the wrong type and for configs ``validate()`` refuses; `file` names the
        /// file in the message.
        public init(json: JSONValue, file: String? = nil) throws {
            do {
                self = try JSONValueDecoder().decode(Config.self, from: json)
            } catch let error as DecodingError {
                let problem = ConfigFieldError(error)
                throw WanVAEError.invalidConfig(file: file, field: problem.field, detail: problem.detail)
            }
            do { try validate() } catch let error as WanVAEError {
                switch error {
                case .invalidConfig(_, let field, let detail): throw WanVAEError.invalidConfig(file: file, field: field, detail: detail)
                case .unsupportedConfig(_, let field, let detail):
                    throw WanVAEError.unsupportedConfig(file: file, field: field, detail: detail)
                default: throw error
                }
            }
        }

        /// Reads `config.json` text.
        public init(parsing text: String) throws {
            try self.init(json: try JSONValue(parsing: text))
        }

        /// Throws ``WanVAEError`` unless this is a Wan 2.1-style VAE this port runs exactly as
        /// diffusers does: no Wan 2.2 residual blocks or patchification, no `attn_scales` (diffusers'
        /// chunked encoder fails on them), at most two time-halving levels (a 4-frame chunk must
        /// survive them), and latent statistics for every latent channel.
        public func validate() throws {
            if isResidual {
                throw WanVAEError.unsupportedConfig(
                    file: nil, field: "is_residual", detail: "is true (the Wan 2.2 VAE), which is not supported; only the Wan 2.1 VAE is")
            }
            if let patchSize, patchSize != 1 {
                throw WanVAEError.unsupportedConfig(
                    file: nil, field: "patch_size", detail: "is \(patchSize) (Wan 2.2 patchification), which is not supported")
            }
            if !attnScales.isEmpty {
                throw WanVAEError.unsupportedConfig(
                    file: nil, field: "attn_scales", detail: "is \(attnScales); only [] is supported (diffusers' chunked encoder cannot run others)")
            }
            for (field, value) in [("base_dim", baseDim), ("z_dim", zDim), ("num_res_blocks", numResBlocks),
                                   ("in_channels", inChannels), ("out_channels", outChannels),
                                   ("decoder_base_dim", decoderBaseDim ?? baseDim)] where value < 1 {
                throw WanVAEError.invalidConfig(file: nil, field: field, detail: "is \(value), expected a positive integer")
            }
            guard !dimMult.isEmpty, dimMult.allSatisfy({ $0 >= 1 }) else {
                throw WanVAEError.invalidConfig(file: nil, field: "dim_mult", detail: "is \(dimMult), expected positive integers")
            }
            try checkBounds()
            guard temperalDownsample.count >= dimMult.count - 1 else {
                throw WanVAEError.invalidConfig(
                    file: nil, field: "temperal_downsample", detail: "has \(temperalDownsample.count) entries; dim_mult \(dimMult) needs \(dimMult.count - 1)")
            }
            let halvings = temperalDownsample.prefix(dimMult.count - 1).filter { $0 }.count
            guard halvings <= 2 else {
                throw WanVAEError.unsupportedConfig(
                    file: nil, field: "temperal_downsample", detail: "halves time \(halvings) times; 4-frame chunks allow at most 2")
            }
            for (field, stats) in [("latents_mean", latentsMean), ("latents_std", latentsStd)] where stats.count != zDim {
                throw WanVAEError.invalidConfig(file: nil, field: field, detail: "has \(stats.count) entries, expected z_dim = \(zDim)")
            }
            if let zero = latentsStd.firstIndex(of: 0) {
                throw WanVAEError.invalidConfig(file: nil, field: "latents_std", detail: "has 0 at index \(zero)")
            }
        }

        // MARK: Derived layout

        /// Number of ×2 spatial resamplers; input height and width must be multiples of 2 to this power.
        public var spatialDownsamplings: Int { dimMult.count - 1 }

        /// Encoder widths: `baseDim · [1] + dimMult` (conv_in's output, then each level's).
        var encoderDims: [Int] { ([1] + dimMult).map { baseDim * $0 } }

        /// Decoder widths: `decoderBaseDim · ([dimMult.last] + dimMult.reversed())`.
        var decoderDims: [Int] {
            let base = decoderBaseDim ?? baseDim
            return ([dimMult[dimMult.count - 1]] + dimMult.reversed()).map { base * $0 }
        }

        /// Whether decoder level `i`'s upsampler doubles time: diffusers reverses the whole
        /// `temperal_downsample` list (not just the entries the encoder uses).
        func temporalUpsample(level i: Int) -> Bool {
            temperalDownsample[temperalDownsample.count - 1 - i]
        }
    }
}

// MARK: - config.json

extension WanAutoencoder.Config: Decodable {
    enum CodingKeys: String, CodingKey {
        case baseDim = "base_dim", decoderBaseDim = "decoder_base_dim", zDim = "z_dim", dimMult = "dim_mult"
        case numResBlocks = "num_res_blocks", attnScales = "attn_scales", temperalDownsample = "temperal_downsample"
        case dropout, latentsMean = "latents_mean", latentsStd = "latents_std", isResidual = "is_residual"
        case inChannels = "in_channels", outChannels = "out_channels", patchSize = "patch_size"
        case scaleFactorTemporal = "scale_factor_temporal", scaleFactorSpatial = "scale_factor_spatial"
    }

    /// Decodes a diffusers `AutoencoderKLWan` `config.json` without validating it; absent or null
    /// fields keep their defaults.
    public init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        baseDim = try c.decodeIfPresent(forKey: .baseDim, default: baseDim)
        decoderBaseDim = try c.decodeIfPresent(Int.self, forKey: .decoderBaseDim)
        zDim = try c.decodeIfPresent(forKey: .zDim, default: zDim)
        dimMult = try c.decodeIfPresent(forKey: .dimMult, default: dimMult)
        numResBlocks = try c.decodeIfPresent(forKey: .numResBlocks, default: numResBlocks)
        attnScales = try c.decodeIfPresent(forKey: .attnScales, default: attnScales)
        temperalDownsample = try c.decodeIfPresent(forKey: .temperalDownsample, default: temperalDownsample)
        dropout = try c.decodeIfPresent(forKey: .dropout, default: dropout)
        latentsMean = try c.decodeIfPresent(forKey: .latentsMean, default: latentsMean)
        latentsStd = try c.decodeIfPresent(forKey: .latentsStd, default: latentsStd)
        isResidual = try c.decodeIfPresent(forKey: .isResidual, default: isResidual)
        inChannels = try c.decodeIfPresent(forKey: .inChannels, default: inChannels)
        outChannels = try c.decodeIfPresent(forKey: .outChannels, default: outChannels)
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize)
        scaleFactorTemporal = try c.decodeIfPresent(forKey: .scaleFactorTemporal, default: scaleFactorTemporal)
        scaleFactorSpatial = try c.decodeIfPresent(forKey: .scaleFactorSpatial, default: scaleFactorSpatial)
    }
}
