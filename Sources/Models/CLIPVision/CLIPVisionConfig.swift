import Tensor

extension CLIPVisionEncoder {
    /// The encoder's hyper-parameters: the fields of transformers' `CLIPVisionConfig` that the vision
    /// tower uses, under their `config.json` names in the comments. A field missing from a
    /// `config.json` takes the default of transformers' `CLIPVisionConfig` class (ViT-B/32's), as
    /// transformers would; ``vitHuge14`` holds the encoder of the Wan 2.1 I2V and FLF2V models.
    public struct Config: Sendable, Equatable {
        /// The MLP activation, `hidden_act`.
        public enum Activation: String, Sendable, CaseIterable {
            /// The exact GELU, `0.5·x·(1 + erf(x/√2))`: laion's ViT-H/14 (Wan's encoder).
            case gelu
            /// `x·sigmoid(1.702·x)`: OpenAI's CLIP models.
            case quickGELU = "quick_gelu"
            /// GELU's tanh approximation, transformers' `gelu_new`.
            case geluNew = "gelu_new"
            /// The same tanh approximation under PyTorch's name.
            case geluPyTorchTanh = "gelu_pytorch_tanh"
        }

        /// `hidden_size`: width of the residual stream, D.
        public var hiddenSize: Int
        /// `intermediate_size`: hidden width of each layer's MLP.
        public var intermediateSize: Int
        /// `num_hidden_layers`: encoder layers (the penultimate output uses all but the last).
        public var numHiddenLayers: Int
        /// `num_attention_heads`.
        public var numAttentionHeads: Int
        /// `image_size`: the side of the square input in pixels.
        public var imageSize: Int
        /// `patch_size`: the side of each square patch.
        public var patchSize: Int
        /// `num_channels`: input channels (3 for RGB).
        public var numChannels: Int
        /// `hidden_act`.
        public var hiddenAct: Activation
        /// `layer_norm_eps`, added to the variance in every layer norm.
        public var layerNormEps: Float

        /// A configuration; every argument defaults to transformers' `CLIPVisionConfig` class default.
        public init(hiddenSize: Int = 768, intermediateSize: Int = 3072, numHiddenLayers: Int = 12,
                    numAttentionHeads: Int = 12, imageSize: Int = 224, patchSize: Int = 32, numChannels: Int = 3,
                    hiddenAct: Activation = .quickGELU, layerNormEps: Float = 1e-5) {
            self.hiddenSize = hiddenSize
            self.intermediateSize = intermediateSize
            self.numHiddenLayers = numHiddenLayers
            self.numAttentionHeads = numAttentionHeads
            self.imageSize = imageSize
            self.patchSize = patchSize
            self.numChannels = numChannels
            self.hiddenAct = hiddenAct
            self.layerNormEps = layerNormEps
        }

        /// The image encoder of Wan 2.1 I2V / FLF2V: laion's CLIP ViT-H/14 (open-clip
        /// `xlm-roberta-large-vit-huge-14`): D 1280, MLP 5120, 32 layers of 16 heads, 224-pixel
        /// images in 14-pixel patches (257 tokens), exact GELU, eps 1e-5.
        public static let vitHuge14 = Config(hiddenSize: 1280, intermediateSize: 5120, numHiddenLayers: 32,
                                             numAttentionHeads: 16, imageSize: 224, patchSize: 14, numChannels: 3,
                                             hiddenAct: .gelu, layerNormEps: 1e-5)

        /// Patches per side, `image_size / patch_size` (rounded down, as the patch convolution does).
        public var gridSide: Int { imageSize / patchSize }
        /// Tokens per image: the class token and one per patch, `1 + (image_size / patch_size)²`.
        public var tokens: Int { 1 + gridSide * gridSide }
        /// Features per head.
        public var headDim: Int { hiddenSize / numAttentionHeads }

        /// Reads a `config.json` (a `CLIPVisionConfig`, or a `CLIPConfig` whose `vision_config` holds
        /// one; see ``init(from:)``) and validates it. Throws ``CLIPVisionError/invalidConfig(file:field:detail:)``
        /// naming `file` and the field.
        public init(json: JSONValue, file: String?) throws {
            var vision = json
            if json["model_type"]?.stringValue == "clip" || (json["model_type"] == nil && json["vision_config"] != nil) {
                guard let nested = json["vision_config"], nested.objectValue != nil else {
                    throw CLIPVisionError.invalidConfig(file: file, field: "vision_config",
                                                        detail: "is missing or not an object in a CLIPConfig")
                }
                vision = nested
            }
            let path = { (field: String) in vision == json ? field : "vision_config.\(field)" }
            do {
                self = try JSONValueDecoder().decode(Config.self, from: vision)
            } catch let error as DecodingError {
                let problem = ConfigFieldError(error)
                throw CLIPVisionError.invalidConfig(file: file, field: path(problem.field), detail: problem.detail)
            }
            do { try validate() } catch CLIPVisionError.invalidConfig(_, let field, let detail) {
                throw CLIPVisionError.invalidConfig(file: file, field: path(field), detail: detail)
            }
        }

        /// Throws ``CLIPVisionError/invalidConfig(file:field:detail:)`` unless every size is positive
        /// and within ``largestSize(_:)``, the heads divide the width, the patch fits the image, the
        /// token count stays within ``largestTokenCount`` and eps is a positive number below 1.
        public func validate() throws {
            func fail(_ field: String, _ detail: String) -> CLIPVisionError { .invalidConfig(file: nil, field: field, detail: detail) }
            let sizes = [("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
                         ("num_hidden_layers", numHiddenLayers), ("num_attention_heads", numAttentionHeads),
                         ("image_size", imageSize), ("patch_size", patchSize), ("num_channels", numChannels)]
            for (field, value) in sizes where value <= 0 {
                throw fail(field, "is \(value), expected a positive integer")
            }
            for (field, value) in sizes where value > Config.largestSize(field) {
                throw fail(field, "is \(value), above the largest this port takes, \(Config.largestSize(field))")
            }
            guard hiddenSize % numAttentionHeads == 0 else {
                throw fail("num_attention_heads", "is \(numAttentionHeads), which does not divide hidden_size \(hiddenSize)")
            }
            guard patchSize <= imageSize else {
                throw fail("patch_size", "is \(patchSize), larger than image_size \(imageSize)")
            }
            guard tokens <= Config.largestTokenCount else {
                throw fail("image_size", "gives \(tokens) tokens with patch_size \(patchSize), above the largest this port "
                    + "takes, \(Config.largestTokenCount)")
            }
            guard layerNormEps > 0, layerNormEps < 1, layerNormEps.isFinite else {
                throw fail("layer_norm_eps", "is \(layerNormEps), expected a positive number below 1")
            }
        }
    }
}

extension CLIPVisionEncoder.Config: Decodable {
    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads", imageSize = "image_size"
        case patchSize = "patch_size", numChannels = "num_channels", hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps"
    }

    /// Decodes a `CLIPVisionConfig` as transformers' `save_pretrained` writes it, without validating
    /// it. Fields the encoder does not use (`projection_dim`, dropouts, initialisers) are ignored;
    /// absent ones keep the class default; `null` is refused. A `model_type` other than
    /// `"clip_vision_model"` is refused, so that another model's `config.json` is not read as CLIP's.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.modelType), try c.decode(JSONValue.self, forKey: .modelType) != .string("clip_vision_model") {
            throw c.mismatch(forKey: .modelType, expected: "\"clip_vision_model\" (or a \"clip\" config with a vision_config)")
        }
        let activation = try c.decode(String.self, forKey: .hiddenAct, default: "quick_gelu")
        guard let hiddenAct = Activation(rawValue: activation) else {
            let known = Activation.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw c.invalidValue(forKey: .hiddenAct, "is \"\(activation)\"; this port takes \(known)")
        }
        let defaults = Self()
        self.init(hiddenSize: try c.decode(forKey: .hiddenSize, default: defaults.hiddenSize),
                  intermediateSize: try c.decode(forKey: .intermediateSize, default: defaults.intermediateSize),
                  numHiddenLayers: try c.decode(forKey: .numHiddenLayers, default: defaults.numHiddenLayers),
                  numAttentionHeads: try c.decode(forKey: .numAttentionHeads, default: defaults.numAttentionHeads),
                  imageSize: try c.decode(forKey: .imageSize, default: defaults.imageSize),
                  patchSize: try c.decode(forKey: .patchSize, default: defaults.patchSize),
                  numChannels: try c.decode(forKey: .numChannels, default: defaults.numChannels),
                  hiddenAct: hiddenAct,
                  layerNormEps: try c.decode(forKey: .layerNormEps, default: defaults.layerNormEps))
    }
}
