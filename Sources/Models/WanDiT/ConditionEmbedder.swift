import NN
import Tensor

/// A layer loaded in the dtype the precision policy gives its weight (float32 for the kept modules).
func loadLinear(_ scope: WeightScope, in inFeatures: Int, out outFeatures: Int, modelType: DType) throws -> Linear {
    try Linear(scope: scope, inFeatures: inFeatures, outFeatures: outFeatures,
               dtype: parameterType(scope.key("weight"), modelType: modelType))
}

/// A layer norm loaded in the dtype the precision policy gives it.
func loadLayerNorm(_ scope: WeightScope, dimension: Int, eps: Float, modelType: DType) throws -> LayerNorm {
    try LayerNorm(scope: scope, dimension: dimension, eps: eps, dtype: parameterType(scope.key("weight"), modelType: modelType))
}

/// diffusers' `WanTimeTextImageEmbedding` (`condition_embedder`, docs/wan-reference.md §1.4): timestep
/// features, the text projection, and for I2V the image embedder.
///
/// Checkpoint keys: `time_embedder.linear_{1,2}` (float32-kept), `time_proj`,
/// `text_embedder.linear_{1,2}`, and `image_embedder.*` (see ``ImageEmbedder``).
struct ConditionEmbedder: Sendable {
    let timeLinear1: Linear  // [D, freq_dim]
    let timeLinear2: Linear  // [D, D]
    let timeProjection: Linear  // [6D, D]
    let textLinear1: Linear  // [D, text_dim]
    let textLinear2: Linear  // [D, D]
    let image: ImageEmbedder?
    let freqDim: Int
    let dtype: DType

    init(scope: WeightScope, config: WanTransformer.Config, dtype: DType) throws {
        let d = config.innerDim
        timeLinear1 = try loadLinear(scope["time_embedder.linear_1"], in: config.freqDim, out: d, modelType: dtype)
        timeLinear2 = try loadLinear(scope["time_embedder.linear_2"], in: d, out: d, modelType: dtype)
        timeProjection = try loadLinear(scope["time_proj"], in: d, out: 6 * d, modelType: dtype)
        textLinear1 = try loadLinear(scope["text_embedder.linear_1"], in: config.textDim, out: d, modelType: dtype)
        textLinear2 = try loadLinear(scope["text_embedder.linear_2"], in: d, out: d, modelType: dtype)
        image = try config.imageDim.map { imageDim in
            try ImageEmbedder(scope: scope["image_embedder"], imageDim: imageDim, width: d,
                              positions: config.posEmbedSeqLen, dtype: dtype)
        }
        freqDim = config.freqDim
        self.dtype = dtype
    }

    /// `temb` `[B, D]` (the time embedder's output, in the model dtype) and `timestep_proj`
    /// `[B, 6, D]` for timesteps `[B]`.
    func time(_ timesteps: [Float], on backend: any Backend) throws -> (temb: Tensor, projection: Tensor) {
        let features = try backend.upload(try timestepSinusoid(timesteps: timesteps, dim: freqDim))  // [B, freq] f32
        let hidden = try backend.silu(try timeLinear1(features, on: backend))  // [B, D] f32
        // The time embedder runs in float32; its output takes the text's dtype (the model's).
        let temb = try backend.cast(try timeLinear2(hidden, on: backend), to: dtype)  // [B, D]
        let projection = try timeProjection(try backend.silu(temb), on: backend)  // [B, 6D]
        let b = timesteps.count, d = temb.shape[1]
        return (temb, try projection.reshaped([b, 6, d]))  // [B, 6, D]
    }

    /// The text projection, `linear_2(GELU_tanh(linear_1(context)))`: `[B, L, text_dim] → [B, L, D]`.
    func text(_ context: Tensor, on backend: any Backend) throws -> Tensor {
        let input = try backend.cast(context, to: dtype)  // [B, L, text_dim]
        let hidden = try backend.gelu(try textLinear1(input, on: backend), approximateTanh: true)  // [B, L, D]
        return try textLinear2(hidden, on: backend)  // [B, L, D]
    }
}

/// diffusers' `WanImageEmbedding` (docs/wan-reference.md §1.4): CLIP image tokens `[B, M, image_dim]` →
/// (+ `pos_embed` for FLF2V) → LayerNorm (eps 1e-5, float32) → Linear → exact GELU → Linear →
/// LayerNorm (eps 1e-5, float32) → `[B, M, D]`.
///
/// Checkpoint keys: `norm1.{weight,bias}` `[image_dim]`, `ff.net.0.proj` `[image_dim, image_dim]`,
/// `ff.net.2` `[D, image_dim]`, `norm2.{weight,bias}` `[D]`, `pos_embed` `[1, M, image_dim]` (FLF2V).
struct ImageEmbedder: Sendable {
    let norm1: LayerNorm
    let feedForward: FeedForward
    let norm2: LayerNorm
    let positionEmbedding: Tensor?  // [1, M, image_dim]
    let imageDim: Int
    let dtype: DType

    init(scope: WeightScope, imageDim: Int, width: Int, positions: Int?, dtype: DType) throws {
        norm1 = try loadLayerNorm(scope["norm1"], dimension: imageDim, eps: 1e-5, modelType: dtype)
        let ff = scope["ff"]
        feedForward = FeedForward(
            projection: try loadLinear(ff["net.0.proj"], in: imageDim, out: imageDim, modelType: dtype),
            output: try loadLinear(ff["net.2"], in: imageDim, out: width, modelType: dtype), activation: .gelu)
        norm2 = try loadLayerNorm(scope["norm2"], dimension: width, eps: 1e-5, modelType: dtype)
        positionEmbedding = try positions.map { m in
            try scope.tensor("pos_embed", shape: [1, m, imageDim], dtype: parameterType(scope.key("pos_embed"), modelType: dtype))
        }
        self.imageDim = imageDim
        self.dtype = dtype
    }

    /// `[B, M, image_dim] → [B, M, D]`; with a position embedding M must be its length.
    func callAsFunction(_ image: Tensor, on backend: any Backend) throws -> Tensor {
        var x = try backend.cast(image, to: dtype)  // [B, M, image_dim]
        if let positionEmbedding {
            guard image.shape[1] == positionEmbedding.shape[1] else {
                throw WanTransformerError.invalidInput("the image context has \(image.shape[1]) tokens, but this "
                    + "model's position embedding (pos_embed_seq_len) needs \(positionEmbedding.shape[1])")
            }
            x = try backend.add(x, positionEmbedding)  // [B, M, image_dim]
        }
        // FP32LayerNorm: normalised in float32 with float32 parameters, rounded back to the input's dtype.
        let normed = try norm1(x, on: backend)  // [B, M, image_dim]
        return try norm2(try feedForward(normed, on: backend), on: backend)  // [B, M, D]
    }
}
