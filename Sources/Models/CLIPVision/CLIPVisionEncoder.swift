import NN
import Tensor

/// The CLIP vision encoder of the Wan 2.1 I2V and FLF2V pipelines (transformers' `CLIPVisionModel`
/// / `CLIPVisionModelWithProjection`, laion's ViT-H/14 in the released models; docs/clip-vision.md):
/// normalised pixels in, the hidden states after all but the last encoder layer out, which is
/// what the pipelines pass to the transformer as image tokens (`hidden_states[-2]`).
///
/// The vision tower: a patch embedding (a stride-p convolution without bias, run here as a linear
/// map of each flattened patch), a learned class token in front, learned position embeddings,
/// `pre_layrnorm`, then pre-norm encoder layers (attention with biases, scale 1/√d, no mask; an MLP
/// with `hidden_act`). The last layer, `post_layernorm` and the projection do not contribute to
/// `hidden_states[-2]`: they are neither loaded nor run, and may be present in the weights.
///
/// Load it from a diffusers folder's `image_encoder` component (``init(component:dtype:uploadingTo:)``),
/// from weights with a known configuration, or from weights alone (the original Wan file), the
/// configuration read off their shapes. The weights may use transformers' names or the original
/// Wan names (see ``WeightLayout``).
///
/// Precision: `dtype` `.float32` runs everything in float32, the reference pipelines' choice for
/// the image encoder. `.bfloat16` (or `.float16`) keeps the layer norms' parameters in float32 and
/// everything else in `dtype`, with float32 statistics and accumulation.
///
/// Named intermediates (``Taps``): `embeddings` (patches, class token and positions, before
/// `pre_layrnorm`), and `hidden_states.{k}` as transformers numbers them: `hidden_states.0` is
/// `pre_layrnorm`'s output, `hidden_states.{i+1}` the output of layer i, up to
/// `hidden_states.{num_hidden_layers - 1}`, the result.
public struct CLIPVisionEncoder: Sendable {
    /// The hyper-parameters.
    public let config: Config
    /// The dtype of the weights (layer norms aside) and of the activations.
    public let dtype: DType
    /// The checkpoint layout the weights were read in.
    public let layout: WeightLayout

    let patchEmbedding: Linear  // the Conv2d as a linear map of each patch: [D, C·p·p]
    let classEmbedding: Tensor  // [1, 1, D]
    let positionEmbedding: Tensor  // [1, T, D]
    let preNorm: LayerNorm
    let layers: [CLIPVisionEncoderLayer]  // the first num_hidden_layers − 1 layers

    // MARK: Loading

    /// Loads `weights` (either layout, detected from the names) for `config`, in `dtype`, uploading
    /// each tensor to `backend` when one is given. Throws `WeightLoadError` for a missing or
    /// misshapen tensor (naming it) and for tensors nothing used (listing them; what
    /// ``WeightLayout/mayLeaveUnused(_:numHiddenLayers:)`` allows aside), and ``CLIPVisionError`` for
    /// an invalid configuration or weights that are not a CLIP vision encoder.
    public init(config: Config, weights: any WeightSource, dtype: DType = .float32,
                uploadingTo backend: (any Backend)? = nil) throws {
        try config.validate()
        let layout = try WeightLayout(detecting: weights)
        let usage = WeightUsage()
        let rename: @Sendable (String) -> String = { layout.fileName(for: $0) }
        let root = WeightScope(weights, usage: usage, rename: rename, uploadingTo: backend)["vision_model"]
        // The stacked q, k, v of the original layout are split in host memory before any upload.
        let hostRoot = WeightScope(weights, usage: usage, rename: rename)["vision_model"]
        let (d, c, p, t) = (config.hiddenSize, config.numChannels, config.patchSize, config.tokens)
        let isWan = layout == .wan

        let patchWeight = try root.tensor("embeddings.patch_embedding.weight", shape: [d, c, p, p], dtype: dtype)
        patchEmbedding = Linear(weight: try patchWeight.reshaped([d, c * p * p]))
        classEmbedding = try root.tensor("embeddings.class_embedding", shape: isWan ? [1, 1, d] : [d], dtype: dtype)
            .reshaped([1, 1, d])
        positionEmbedding = try root.tensor("embeddings.position_embedding.weight", shape: isWan ? [1, t, d] : [t, d],
                                            dtype: dtype).reshaped([1, t, d])
        preNorm = try LayerNorm(scope: root["pre_layrnorm"], dimension: d, eps: config.layerNormEps, dtype: .float32)
        layers = try (0..<(config.numHiddenLayers - 1)).map { i in
            try CLIPVisionEncoder.loadLayer(root["encoder.layers"][i], host: hostRoot["encoder.layers"][i],
                                            config: config, layout: layout, dtype: dtype, backend: backend)
        }
        try usage.verifyAllUsed(weights, ignoring: { layout.mayLeaveUnused($0, numHiddenLayers: config.numHiddenLayers) })
        self.config = config
        self.dtype = dtype
        self.layout = layout
    }

    /// Loads `weights` with the configuration read off their shapes (see
    /// ``Config/init(detectingFrom:numAttentionHeads:)``): the original Wan file gives ViT-H/14.
    public init(weights: any WeightSource, dtype: DType = .float32, uploadingTo backend: (any Backend)? = nil) throws {
        try self.init(config: try Config(detectingFrom: weights), weights: weights, dtype: dtype, uploadingTo: backend)
    }

    /// Loads the `image_encoder` component of a diffusers model folder: its `config.json` and
    /// weights (single file or sharded). Without a `config.json`, the configuration is detected.
    public init(component: ModelComponent, dtype: DType = .float32, uploadingTo backend: (any Backend)? = nil) throws {
        guard let weights = try component.openWeights() else {
            throw CLIPVisionError.incompleteComponent(path: component.path ?? component.name,
                                                      detail: "holds no .safetensors weights for the CLIP image encoder")
        }
        if let json = component.config {
            try self.init(config: try Config(json: json, file: component.configPath), weights: weights, dtype: dtype,
                          uploadingTo: backend)
        } else {
            try self.init(weights: weights, dtype: dtype, uploadingTo: backend)
        }
    }

    /// One encoder layer from `scope` (`vision_model.encoder.layers.{i}`); `host` is the same scope
    /// without uploads, for the original layout's stacked q, k, v.
    private static func loadLayer(_ scope: WeightScope, host: WeightScope, config: Config, layout: WeightLayout,
                                  dtype: DType, backend: (any Backend)?) throws -> CLIPVisionEncoderLayer {
        let (d, i, eps) = (config.hiddenSize, config.intermediateSize, config.layerNormEps)
        let q: Linear, k: Linear, v: Linear
        switch layout {
        case .transformers:
            q = try Linear(scope: scope["self_attn.q_proj"], inFeatures: d, outFeatures: d, dtype: dtype)
            k = try Linear(scope: scope["self_attn.k_proj"], inFeatures: d, outFeatures: d, dtype: dtype)
            v = try Linear(scope: scope["self_attn.v_proj"], inFeatures: d, outFeatures: d, dtype: dtype)
        case .wan:
            let fused = host[WeightLayout.fusedQKV]
            let weights = try splitRows(try fused.tensor("weight", shape: [3 * d, d], dtype: dtype), into: 3)  // 3 × [D, D]
            let biases = try splitRows(try fused.tensor("bias", shape: [3 * d], dtype: dtype), into: 3)  // 3 × [D]
            let upload = { (x: Tensor) throws -> Tensor in try backend?.upload(x) ?? x }
            q = Linear(weight: try upload(weights[0]), bias: try upload(biases[0]))
            k = Linear(weight: try upload(weights[1]), bias: try upload(biases[1]))
            v = Linear(weight: try upload(weights[2]), bias: try upload(biases[2]))
        }
        let out = try Linear(scope: scope["self_attn.out_proj"], inFeatures: d, outFeatures: d, dtype: dtype)
        let mlp = CLIPVisionMLP(fc1: try Linear(scope: scope["mlp.fc1"], inFeatures: d, outFeatures: i, dtype: dtype),
                                fc2: try Linear(scope: scope["mlp.fc2"], inFeatures: i, outFeatures: d, dtype: dtype),
                                activation: config.hiddenAct)
        return CLIPVisionEncoderLayer(
            norm1: try LayerNorm(scope: scope["layer_norm1"], dimension: d, eps: eps, dtype: .float32),
            attention: CLIPVisionAttention(q: q, k: k, v: v, out: out, heads: config.numAttentionHeads),
            norm2: try LayerNorm(scope: scope["layer_norm2"], dimension: d, eps: eps, dtype: .float32),
            mlp: mlp)
    }

    // MARK: Forward

    /// transformers' `hidden_states[-2]`: the output after `num_hidden_layers − 1` layers
    /// (`pre_layrnorm` included), `[B, tokens, hidden]` in the encoder's dtype. `pixels` is
    /// `[B, num_channels, image_size, image_size]` (float32, or any float dtype), already normalised
    /// by the processor (``CLIPImageProcessor/pixels(rgb:width:height:)``). Throws
    /// ``CLIPVisionError/invalidInput(_:)`` for any other shape.
    public func penultimateHiddenStates(_ pixels: Tensor, taps: Taps? = nil, on backend: any Backend) throws -> Tensor {
        let (c, s, p) = (config.numChannels, config.imageSize, config.patchSize)
        guard pixels.rank == 4, pixels.shape[0] > 0, Array(pixels.shape[1...]) == [c, s, s] else {
            throw CLIPVisionError.invalidInput("pixels have shape \(pixels.shape), expected [B, \(c), \(s), \(s)] with B ≥ 1")
        }
        let (b, g) = (pixels.shape[0], config.gridSide)
        var image = try backend.cast(try backend.upload(pixels), to: dtype)  // [B, C, S, S]
        if g * p != s {
            // The stride-p convolution drops the pixels past the last whole patch.
            image = try backend.slice(try backend.slice(image, axis: 2, start: 0, end: g * p), axis: 3, start: 0, end: g * p)
        }
        let grid = try image.reshaped([b, c, g, p, g, p])  // [B, C, g, p, g, p]
        let patches = try backend.permute(grid, [0, 2, 4, 1, 3, 5]).reshaped([b, g * g, c * p * p])  // [B, N, C·p·p]
        let embedded = try patchEmbedding(patches, on: backend)  // [B, N, D]
        let classTokens = try backend.concat(Array(repeating: classEmbedding, count: b), axis: 0)  // [B, 1, D]
        var x = try backend.concat([classTokens, embedded], axis: 1)  // [B, T, D]
        x = try backend.add(x, positionEmbedding)  // [B, T, D]
        taps.record("embeddings", x)
        x = try preNorm(x, on: backend)  // [B, T, D]
        taps.record("hidden_states.0", x)
        for (i, layer) in layers.enumerated() {
            x = try layer(x, on: backend)  // [B, T, D]
            taps.record("hidden_states.\(i + 1)", x)
        }
        return x
    }
}

/// `x` `[R, ...]` (host) cut along its first axis into `parts` equal tensors `[R / parts, ...]` of
/// the same dtype, exactly.
func splitRows(_ x: Tensor, into parts: Int) throws -> [Tensor] {
    let values = x.floats(), rows = x.shape[0] / parts, per = values.count / parts
    let shape = [rows] + x.shape.dropFirst()
    return try (0..<parts).map { try Tensor(Array(values[($0 * per)..<(($0 + 1) * per)]), shape: shape, dtype: x.dtype) }
}
