import NN
import Tensor

extension UMT5Encoder {
    /// The encoder's hyper-parameters: the fields of transformers' `UMT5Config` that the encoder
    /// uses, under their `config.json` names in the comments. The defaults are google/umt5-xxl's,
    /// the text encoder of every Wan 2.1 / 2.2 pipeline (docs/wan-reference.md §3.1).
    ///
    /// A field missing from a `config.json` takes the umt5-xxl value here, not the (smaller)
    /// default of transformers' `UMT5Config` class; `save_pretrained` writes every field, so this
    /// only matters for hand-written files.
    public struct Config: Sendable, Equatable {
        /// `vocab_size`: rows of the token embedding.
        public var vocabSize: Int
        /// `d_model`: width of the residual stream.
        public var dModel: Int
        /// `d_kv`: features per attention head.
        public var dKV: Int
        /// `num_heads`.
        public var numHeads: Int
        /// `d_ff`: hidden width of the feed-forward layers.
        public var dFF: Int
        /// `num_layers`: encoder blocks.
        public var numLayers: Int
        /// `relative_attention_num_buckets`: rows of each block's relative-position bias table.
        public var relativeAttentionNumBuckets: Int
        /// `relative_attention_max_distance`: distances from here on share the last bucket.
        public var relativeAttentionMaxDistance: Int
        /// `layer_norm_epsilon`, added to the mean square in every T5 RMS norm.
        public var layerNormEpsilon: Float
        /// `feed_forward_proj`: `"gated-gelu"` (GELU, tanh approximation, times a linear gate).
        public var feedForwardProj: String

        /// A configuration; every argument defaults to google/umt5-xxl's value.
        public init(vocabSize: Int = 256_384, dModel: Int = 4096, dKV: Int = 64, numHeads: Int = 64, dFF: Int = 10_240,
                    numLayers: Int = 24, relativeAttentionNumBuckets: Int = 32, relativeAttentionMaxDistance: Int = 128,
                    layerNormEpsilon: Float = 1e-6, feedForwardProj: String = "gated-gelu") {
            self.vocabSize = vocabSize
            self.dModel = dModel
            self.dKV = dKV
            self.numHeads = numHeads
            self.dFF = dFF
            self.numLayers = numLayers
            self.relativeAttentionNumBuckets = relativeAttentionNumBuckets
            self.relativeAttentionMaxDistance = relativeAttentionMaxDistance
            self.layerNormEpsilon = layerNormEpsilon
            self.feedForwardProj = feedForwardProj
        }

        /// Reads a text encoder's `config.json` (see ``init(from:)``) and validates it. Throws
        /// ``UMT5Error`` for a field of the wrong kind or range, a `model_type` other than `"umt5"` or
        /// an unsupported `feed_forward_proj`; `file` names the file in the message.
        public init(json: JSONValue, file: String? = nil) throws {
            do {
                self = try JSONValueDecoder().decode(Config.self, from: json)
            } catch let error as DecodingError {
                let problem = ConfigFieldError(error)
                throw UMT5Error.invalidConfig(file: file, field: problem.field, detail: problem.detail)
            }
            do { try validate() } catch UMT5Error.invalidConfig(_, let field, let detail) {
                throw UMT5Error.invalidConfig(file: file, field: field, detail: detail)
            }
        }

        /// Features of all heads together, `numHeads · dKV` (4096 for umt5-xxl; need not equal `dModel`).
        public var innerDim: Int { numHeads * dKV }

        /// The activation of the gated feed-forward layer. transformers turns `"gated-gelu"` into
        /// `gelu_new`, the tanh approximation, as is `gelu_pytorch_tanh` (ComfyUI's spelling).
        /// Throws ``UMT5Error/unsupportedFeedForward(_:)`` for anything else but gated SiLU; the
        /// ungated kinds (`"relu"`, `"gelu"`) have one `wi` matrix instead of `wi_0`/`wi_1`.
        public func activation() throws -> UnaryOp {
            switch feedForwardProj {
            case "gated-gelu", "gated-gelu_new", "gated-gelu_pytorch_tanh": return .geluTanh
            case "gated-silu", "gated-swish": return .silu
            default: throw UMT5Error.unsupportedFeedForward(feedForwardProj)
            }
        }

        /// Throws ``UMT5Error`` unless every size is positive, the buckets allow the logarithmic
        /// range (`relativeAttentionNumBuckets ≥ 4`, `relativeAttentionMaxDistance` above the
        /// exact range `relativeAttentionNumBuckets / 4`) and the feed-forward kind is supported.
        public func validate() throws {
            func fail(_ field: String, _ detail: String) -> UMT5Error { .invalidConfig(file: nil, field: field, detail: detail) }
            let sizes = [("vocab_size", vocabSize), ("d_model", dModel), ("d_kv", dKV), ("num_heads", numHeads),
                         ("d_ff", dFF), ("num_layers", numLayers)]
            for (field, value) in sizes where value <= 0 {
                throw fail(field, "is \(value), expected a positive integer")
            }
            let bounded = sizes + [("relative_attention_num_buckets", relativeAttentionNumBuckets),
                                   ("relative_attention_max_distance", relativeAttentionMaxDistance)]
            for (field, value) in bounded where value > Config.largestSize(field) {
                throw fail(field, "is \(value), above the largest this port takes, \(Config.largestSize(field))")
            }
            guard innerDim <= Config.largestInnerDim else {
                throw fail("num_heads", "× d_kv is \(numHeads) × \(dKV) = \(innerDim), above the largest attention width "
                    + "this port takes, \(Config.largestInnerDim)")
            }
            guard relativeAttentionNumBuckets >= 4 else {
                throw fail("relative_attention_num_buckets", "is \(relativeAttentionNumBuckets), expected at least 4")
            }
            guard relativeAttentionMaxDistance > relativeAttentionNumBuckets / 4 else {
                throw fail("relative_attention_max_distance",
                           "is \(relativeAttentionMaxDistance), expected more than num_buckets / 4 = \(relativeAttentionNumBuckets / 4)")
            }
            guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else {
                throw fail("layer_norm_epsilon", "is \(layerNormEpsilon), expected a positive number")
            }
            _ = try activation()
        }
    }
}

extension UMT5Encoder.Config: Decodable {
    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size", dModel = "d_model", dKV = "d_kv", numHeads = "num_heads"
        case dFF = "d_ff", numLayers = "num_layers", relativeAttentionNumBuckets = "relative_attention_num_buckets"
        case relativeAttentionMaxDistance = "relative_attention_max_distance", layerNormEpsilon = "layer_norm_epsilon"
        case feedForwardProj = "feed_forward_proj"
    }

    /// Decodes a text encoder's `config.json` (as transformers' `save_pretrained` writes it) without
    /// validating it. Fields the encoder does not use are ignored; absent ones keep the umt5-xxl
    /// default; `null` is refused. A `model_type` other than `"umt5"` is refused, since T5 and mT5
    /// share one position bias across layers where UMT5 has one per layer.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.modelType), try c.decode(JSONValue.self, forKey: .modelType) != .string("umt5") {
            throw c.mismatch(forKey: .modelType, expected: "\"umt5\" (T5 and mT5 share one position bias)")
        }
        let xxl = UMT5Encoder.Config()
        self.init(vocabSize: try c.decode(forKey: .vocabSize, default: xxl.vocabSize),
                  dModel: try c.decode(forKey: .dModel, default: xxl.dModel),
                  dKV: try c.decode(forKey: .dKV, default: xxl.dKV),
                  numHeads: try c.decode(forKey: .numHeads, default: xxl.numHeads),
                  dFF: try c.decode(forKey: .dFF, default: xxl.dFF),
                  numLayers: try c.decode(forKey: .numLayers, default: xxl.numLayers),
                  relativeAttentionNumBuckets: try c.decode(forKey: .relativeAttentionNumBuckets,
                                                            default: xxl.relativeAttentionNumBuckets),
                  relativeAttentionMaxDistance: try c.decode(forKey: .relativeAttentionMaxDistance,
                                                             default: xxl.relativeAttentionMaxDistance),
                  layerNormEpsilon: try c.decode(forKey: .layerNormEpsilon, default: xxl.layerNormEpsilon),
                  feedForwardProj: try c.decode(forKey: .feedForwardProj, default: xxl.feedForwardProj))
    }
}

extension UMT5Encoder.Config {
    /// Detects the sizes from the weights' shapes, for checkpoints shipped without a `config.json`
    /// (ComfyUI's `umt5_xxl_*.safetensors`, converted original Wan files): vocabulary and width
    /// from the embedding, layers by counting blocks, heads and buckets from block 0's
    /// relative-position table, `d_kv` and `d_ff` from its q and wi_0. What the weights cannot
    /// tell (`relative_attention_max_distance`, `layer_norm_epsilon`, `feed_forward_proj`) keeps
    /// the umt5-xxl value. Throws `WeightLoadError` when one of those tensors is missing.
    public init(detectingFrom weights: any WeightSource) throws {
        let layout = UMT5Encoder.WeightLayout(detectingFrom: weights)
        let scope = WeightScope(weights, rename: { layout.fileName(for: $0) })
        func shape(_ name: String, rank: Int) throws -> [Int] {
            guard let shape = scope.shape(of: name) else {
                _ = try scope.tensor(name, shape: [])  // throws the usual missing-tensor error
                return []
            }
            guard shape.count == rank, shape.allSatisfy({ $0 > 0 }) else {
                throw WeightLoadError(source: weights.description, .shapeMismatch(
                    key: name, fileKey: scope.fileKey(name), expected: Array(repeating: -1, count: rank), found: shape))
            }
            return shape
        }
        let embeddingName = !scope.contains("shared.weight") && scope.contains("encoder.embed_tokens.weight")
            ? "encoder.embed_tokens.weight" : "shared.weight"
        let embedding = try shape(embeddingName, rank: 2)  // [V, D]
        let block = "encoder.block.0.layer."
        let bias = try shape(block + "0.SelfAttention.relative_attention_bias.weight", rank: 2)  // [buckets, H]
        let query = try shape(block + "0.SelfAttention.q.weight", rank: 2)  // [H·d_kv, D]
        let gate = try shape(block + "1.DenseReluDense.wi_0.weight", rank: 2)  // [d_ff, D]
        var layers = 1
        while scope.contains("encoder.block.\(layers).layer.0.SelfAttention.q.weight") { layers += 1 }
        self.init(vocabSize: embedding[0], dModel: embedding[1], dKV: query[0] / bias[1], numHeads: bias[1], dFF: gate[0],
                  numLayers: layers, relativeAttentionNumBuckets: bias[0])
        try validate()
    }
}
