import Tensor

extension WanTransformer {
    /// The transformer's hyperparameters: the fields of diffusers' `transformer/config.json`
    /// (docs/wan-reference.md §1.1), under the same names in camel case. The defaults are those of the
    /// smallest real variant, Wan 2.1 T2V 1.3B; ``wan21T2V14B``, ``wan21I2V14B``, ``wan21FLF2V14B``,
    /// ``wan21VACE1_3B`` and ``wan21VACE14B`` hold the others.
    public struct Config: Sendable, Hashable {
        /// Patch size (time, height, width): `patch_size`. Every Wan variant uses (1, 2, 2).
        public var patchSize: [Int]
        /// Attention heads: `num_attention_heads`.
        public var numAttentionHeads: Int
        /// Features per head: `attention_head_dim` (128 in every real variant).
        public var attentionHeadDim: Int
        /// Latent channels in: `in_channels` (16 for T2V, 36 for I2V).
        public var inChannels: Int
        /// Velocity channels out: `out_channels`.
        public var outChannels: Int
        /// Width of the text encoder's states: `text_dim` (UMT5-XXL: 4096).
        public var textDim: Int
        /// Size of the sinusoidal timestep features: `freq_dim`.
        public var freqDim: Int
        /// Hidden width of each block's feed-forward network: `ffn_dim`.
        public var ffnDim: Int
        /// Transformer blocks: `num_layers`.
        public var numLayers: Int
        /// Whether the cross-attention input is layer-normed (affine `norm2`): `cross_attn_norm`.
        public var crossAttnNorm: Bool
        /// `qk_norm`, kept for reference only: diffusers always applies an RMS norm across heads to
        /// queries and keys, whatever this says.
        public var qkNorm: String?
        /// Epsilon of the block norms and the q/k RMS norms: `eps`.
        public var eps: Float
        /// Width of the CLIP image tokens (I2V and FLF2V: 1280): `image_dim`; nil for T2V.
        public var imageDim: Int?
        /// Input width of the image keys and values of the cross-attention: `added_kv_proj_dim`
        /// (equal to the model width when present); nil for T2V.
        public var addedKVProjDim: Int?
        /// Positions per axis of the rotary tables: `rope_max_seq_len`; longer grids are rejected.
        public var ropeMaxSeqLen: Int
        /// Image tokens with a learned position embedding (FLF2V: 514): `pos_embed_seq_len`.
        public var posEmbedSeqLen: Int?
        /// VACE: the main blocks after which a control hint is added, one VACE block each, ascending
        /// and starting at 0: `vace_layers` (VACE 1.3B: 0, 2, …, 28); nil for every other model.
        public var vaceLayers: [Int]?
        /// VACE: channels of the control context (96 in the published models): `vace_in_channels`;
        /// nil for every other model.
        public var vaceInChannels: Int?

        /// A configuration; every argument defaults to the Wan 2.1 T2V 1.3B value.
        public init(patchSize: [Int] = [1, 2, 2], numAttentionHeads: Int = 12, attentionHeadDim: Int = 128,
                    inChannels: Int = 16, outChannels: Int = 16, textDim: Int = 4096, freqDim: Int = 256,
                    ffnDim: Int = 8960, numLayers: Int = 30, crossAttnNorm: Bool = true,
                    qkNorm: String? = "rms_norm_across_heads", eps: Float = 1e-6, imageDim: Int? = nil,
                    addedKVProjDim: Int? = nil, ropeMaxSeqLen: Int = 1024, posEmbedSeqLen: Int? = nil,
                    vaceLayers: [Int]? = nil, vaceInChannels: Int? = nil) {
            self.patchSize = patchSize
            self.numAttentionHeads = numAttentionHeads
            self.attentionHeadDim = attentionHeadDim
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.textDim = textDim
            self.freqDim = freqDim
            self.ffnDim = ffnDim
            self.numLayers = numLayers
            self.crossAttnNorm = crossAttnNorm
            self.qkNorm = qkNorm
            self.eps = eps
            self.imageDim = imageDim
            self.addedKVProjDim = addedKVProjDim
            self.ropeMaxSeqLen = ropeMaxSeqLen
            self.posEmbedSeqLen = posEmbedSeqLen
            self.vaceLayers = vaceLayers
            self.vaceInChannels = vaceInChannels
        }

        /// Wan 2.1 T2V 1.3B (`Wan-AI/Wan2.1-T2V-1.3B-Diffusers`): D 1536, 30 layers.
        public static let wan21T2V1_3B = Config()
        /// Wan 2.1 T2V 14B (also each expert of Wan 2.2 T2V A14B): D 5120, 40 layers.
        public static let wan21T2V14B = Config(numAttentionHeads: 40, ffnDim: 13824, numLayers: 40)
        /// Wan 2.1 I2V 14B (480P and 720P): 36 input channels, CLIP image tokens, image keys/values.
        public static let wan21I2V14B = Config(numAttentionHeads: 40, inChannels: 36, ffnDim: 13824, numLayers: 40,
                                               imageDim: 1280, addedKVProjDim: 5120)
        /// Wan 2.1 FLF2V 14B: I2V with a position embedding over the two images' 2 × 257 tokens.
        public static let wan21FLF2V14B = Config(numAttentionHeads: 40, inChannels: 36, ffnDim: 13824, numLayers: 40,
                                                 imageDim: 1280, addedKVProjDim: 5120, posEmbedSeqLen: 514)

        /// Wan 2.1 VACE 1.3B: the T2V 1.3B model plus 15 VACE blocks, hints after blocks 0, 2, …, 28.
        public static let wan21VACE1_3B = Config(vaceLayers: Array(stride(from: 0, to: 30, by: 2)), vaceInChannels: 96)
        /// Wan 2.1 VACE 14B: the T2V 14B model plus 8 VACE blocks, hints after blocks 0, 5, …, 35.
        public static let wan21VACE14B = Config(numAttentionHeads: 40, ffnDim: 13824, numLayers: 40,
                                                vaceLayers: Array(stride(from: 0, to: 40, by: 5)), vaceInChannels: 96)

        /// The known variants by name, for messages and detection.
        public static let knownVariants: [(name: String, config: Config)] = [
            ("Wan2.1-T2V-1.3B", wan21T2V1_3B), ("Wan2.1-T2V-14B", wan21T2V14B),
            ("Wan2.1-I2V-14B", wan21I2V14B), ("Wan2.1-FLF2V-14B", wan21FLF2V14B),
            ("Wan2.1-VACE-1.3B", wan21VACE1_3B), ("Wan2.1-VACE-14B", wan21VACE14B),
        ]

        /// The model width D = heads × head_dim.
        public var innerDim: Int { numAttentionHeads * attentionHeadDim }
        /// Features per token of `proj_out`: out_channels × the patch volume.
        public var patchFeaturesOut: Int { outChannels * patchSize.reduce(1, *) }
        /// Whether the model takes CLIP image tokens (I2V, FLF2V).
        public var takesImage: Bool { imageDim != nil }
        /// Whether the model is a VACE model (a control branch of VACE blocks; see ``VACEControl``).
        public var isVACE: Bool { vaceLayers != nil }
        /// The name of the known variant this equals, or nil.
        public var variantName: String? { Config.knownVariants.first { $0.config == self }?.name }

        /// Throws ``WanTransformerError/invalidConfig(_:)`` for values the model cannot run with.
        public func validate() throws {
            func fail(_ message: String) -> WanTransformerError { .invalidConfig(message) }
            guard patchSize.count == 3, patchSize.allSatisfy({ $0 > 0 }) else {
                throw fail("patch_size \(patchSize) must be three positive sizes")
            }
            if let side = patchSize.first(where: { $0 > Config.largestPatchSide }) {
                throw fail("patch_size \(patchSize) has the side \(side), above the largest this port takes, \(Config.largestPatchSide)")
            }
            let sizes = [("num_attention_heads", numAttentionHeads), ("attention_head_dim", attentionHeadDim),
                         ("in_channels", inChannels), ("out_channels", outChannels), ("text_dim", textDim),
                         ("freq_dim", freqDim), ("ffn_dim", ffnDim), ("num_layers", numLayers),
                         ("rope_max_seq_len", ropeMaxSeqLen), ("image_dim", imageDim ?? 1),
                         ("added_kv_proj_dim", addedKVProjDim ?? 1), ("pos_embed_seq_len", posEmbedSeqLen ?? 1),
                         ("vace_in_channels", vaceInChannels ?? 1)]
            if let (name, value) = sizes.first(where: { $0.1 <= 0 }) {
                throw fail("\(name) is \(value), but must be positive")
            }
            if let (name, value) = sizes.first(where: { $0.1 > Config.largestSize($0.0) }) {
                throw fail("\(name) is \(value), above the largest this port takes, \(Config.largestSize(name))")
            }
            guard innerDim <= Config.largestModelWidth else {
                throw fail("num_attention_heads × attention_head_dim is \(numAttentionHeads) × \(attentionHeadDim) = \(innerDim), "
                    + "above the largest model width this port takes, \(Config.largestModelWidth)")
            }
            guard attentionHeadDim % 2 == 0 else {
                throw fail("attention_head_dim \(attentionHeadDim) must be even for the rotary embedding")
            }
            guard freqDim % 2 == 0 else { throw fail("freq_dim \(freqDim) must be even") }
            guard eps > 0 else { throw fail("eps \(eps) must be positive") }
            if imageDim != nil {
                guard addedKVProjDim == innerDim else {
                    throw fail("image_dim needs added_kv_proj_dim equal to the model width \(innerDim), "
                        + "got \(addedKVProjDim.map(String.init) ?? "null")")
                }
            } else {
                guard addedKVProjDim == nil else { throw fail("added_kv_proj_dim is set without image_dim") }
                guard posEmbedSeqLen == nil else { throw fail("pos_embed_seq_len is set without image_dim") }
            }
            try validateVACE()
        }

        /// The VACE fields: both or neither; the layers ascending, without repeats, from 0 and inside num_layers.
        private func validateVACE() throws {
            func fail(_ message: String) -> WanTransformerError { .invalidConfig(message) }
            switch (vaceLayers, vaceInChannels) {
            case (nil, nil): return
            case (nil, .some): throw fail("vace_in_channels is set without vace_layers")
            case (.some, nil): throw fail("vace_layers is set without vace_in_channels")
            case (.some(let layers), .some):
                guard let first = layers.first else { throw fail("vace_layers is empty") }
                guard first == 0 else { throw fail("vace_layers \(layers) must start at layer 0") }
                guard zip(layers, layers.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    throw fail("vace_layers \(layers) must be ascending without repeats")
                }
                if let last = layers.last, last >= numLayers {
                    throw fail("vace_layers \(layers) names layer \(last), but num_layers is \(numLayers)")
                }
            }
        }
    }
}

// MARK: - config.json

extension WanTransformer.Config: Decodable {
    enum CodingKeys: String, CodingKey {
        case className = "_class_name", patchSize = "patch_size", numAttentionHeads = "num_attention_heads"
        case attentionHeadDim = "attention_head_dim", inChannels = "in_channels", outChannels = "out_channels"
        case textDim = "text_dim", freqDim = "freq_dim", ffnDim = "ffn_dim", numLayers = "num_layers"
        case crossAttnNorm = "cross_attn_norm", qkNorm = "qk_norm", eps, imageDim = "image_dim"
        case addedKVProjDim = "added_kv_proj_dim", ropeMaxSeqLen = "rope_max_seq_len", posEmbedSeqLen = "pos_embed_seq_len"
        case vaceLayers = "vace_layers", vaceInChannels = "vace_in_channels"
    }

    /// Decodes a diffusers `transformer/config.json` without validating it. Absent fields take
    /// diffusers' class defaults (the 14B values, as `WanTransformer3DModel.__init__` would); `null`
    /// is refused except where diffusers allows it (`qk_norm`, the image fields, `out_channels`).
    /// A `WanVACETransformer3DModel` config is a VACE model (absent VACE fields take that class's
    /// defaults: layers 0, 5, …, 35 and 96 channels); VACE fields in any config are read.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var isVACEClass = false
        if c.contains(.className) {
            let name = try c.decode(JSONValue.self, forKey: .className)
            isVACEClass = name == .string("WanVACETransformer3DModel")
            guard isVACEClass || name == .string("WanTransformer3DModel") else {
                throw c.mismatch(forKey: .className, expected: "\"WanTransformer3DModel\" or \"WanVACETransformer3DModel\"")
            }
        }
        let defaults = WanTransformer.Config.wan21T2V14B
        let patch: [Int]
        do { patch = try c.decode(forKey: .patchSize, default: defaults.patchSize) } catch is DecodingError {
            throw c.mismatch(forKey: .patchSize, expected: "a list of 3 whole numbers")
        }
        guard patch.count == 3 else { throw c.mismatch(forKey: .patchSize, expected: "a list of 3 whole numbers") }
        let inChannels = try c.decode(forKey: .inChannels, default: defaults.inChannels)
        // diffusers: `out_channels = out_channels or in_channels` (null or 0 mean "as many as in").
        var outChannels = try c.contains(.outChannels) ? c.decodeIfPresent(forKey: .outChannels, default: 0) : defaults.outChannels
        if outChannels == 0 { outChannels = inChannels }
        let qkNorm = try c.contains(.qkNorm) ? c.decodeIfPresent(String.self, forKey: .qkNorm) : defaults.qkNorm
        self.init(patchSize: patch, numAttentionHeads: try c.decode(forKey: .numAttentionHeads, default: defaults.numAttentionHeads),
                  attentionHeadDim: try c.decode(forKey: .attentionHeadDim, default: defaults.attentionHeadDim),
                  inChannels: inChannels, outChannels: outChannels,
                  textDim: try c.decode(forKey: .textDim, default: defaults.textDim),
                  freqDim: try c.decode(forKey: .freqDim, default: defaults.freqDim),
                  ffnDim: try c.decode(forKey: .ffnDim, default: defaults.ffnDim),
                  numLayers: try c.decode(forKey: .numLayers, default: defaults.numLayers),
                  crossAttnNorm: try c.decode(forKey: .crossAttnNorm, default: defaults.crossAttnNorm),
                  qkNorm: qkNorm, eps: try c.decode(forKey: .eps, default: defaults.eps),
                  imageDim: try c.decodeIfPresent(Int.self, forKey: .imageDim),
                  addedKVProjDim: try c.decodeIfPresent(Int.self, forKey: .addedKVProjDim),
                  ropeMaxSeqLen: try c.decode(forKey: .ropeMaxSeqLen, default: defaults.ropeMaxSeqLen),
                  posEmbedSeqLen: try c.decodeIfPresent(Int.self, forKey: .posEmbedSeqLen))
        let vaceDefaults = isVACEClass ? WanTransformer.Config.wan21VACE14B : WanTransformer.Config()
        vaceLayers = try c.decodeIfPresent([Int].self, forKey: .vaceLayers) ?? vaceDefaults.vaceLayers
        vaceInChannels = try c.decodeIfPresent(Int.self, forKey: .vaceInChannels) ?? vaceDefaults.vaceInChannels
    }

    /// Reads a diffusers `transformer/config.json` (see ``init(from:)``) and validates it. Throws
    /// ``WanTransformerError/invalidConfig(_:)`` naming `file` (default `config.json`) and the field.
    public init(json: JSONValue, file: String? = nil) throws {
        do {
            self = try JSONValueDecoder().decode(WanTransformer.Config.self, from: json)
        } catch let error as DecodingError {
            throw WanTransformerError.invalidConfig(ConfigFieldError(error, file: file ?? "config.json").description)
        }
        do { try validate() } catch WanTransformerError.invalidConfig(let message) {
            throw WanTransformerError.invalidConfig("\(file ?? "config.json"): \(message)")
        }
    }

    /// Reads the text of a diffusers `transformer/config.json` (see ``init(json:file:)``).
    public init(parsing text: String) throws {
        let json: JSONValue
        do { json = try JSONValue(parsing: text) } catch {
            throw WanTransformerError.invalidConfig("config.json is not valid JSON: \(error)")
        }
        try self.init(json: json)
    }
}
