import Tensor

/// A fully connected layer, `y = x·Wᵀ + b` (PyTorch's `nn.Linear`), weight in `[out, in]` layout.
/// The weight is dense or, from a GGUF file, kept in GGML blocks and decoded for each call.
///
/// Checkpoint keys: `weight` `[out, in]`, `bias` `[out]` (when `bias` is true).
public struct Linear: Sendable {
    /// `[out, in]`.
    public let weight: Weight
    /// `[out]`, or nil for a bias-free layer.
    public let bias: Tensor?

    /// A layer from its tensors.
    public init(weight: Tensor, bias: Tensor? = nil) {
        self.init(weight: .dense(weight), bias: bias)
    }

    /// A layer from a dense or quantised weight.
    public init(weight: Weight, bias: Tensor? = nil) {
        self.weight = weight
        self.bias = bias
    }

    /// Loads `weight` (and `bias` when `bias` is true) from `scope`, converted to `dtype` when one is
    /// given. A weight the source keeps quantised stays so and is decoded to `dtype` (float32 when
    /// nil) for each call. A dense weight loaded for a backend is kept in the form that backend's
    /// `linear` reads fastest (``Backend/prepareLinearWeight(_:)``).
    public init(scope: WeightScope, inFeatures: Int, outFeatures: Int, bias: Bool = true, dtype: DType? = nil) throws {
        let loaded = try scope.weight("weight", shape: [outFeatures, inFeatures], dtype: dtype)
        if case .dense(let tensor) = loaded, let backend = scope.backend {
            weight = .dense(try backend.prepareLinearWeight(tensor))
        } else {
            weight = loaded
        }
        self.bias = try scope.tensor("bias", shape: [outFeatures], dtype: dtype, if: bias)
    }

    /// Input features.
    public var inFeatures: Int { weight.shape[1] }
    /// Output features.
    public var outFeatures: Int { weight.shape[0] }

    /// `x [..., in] → [..., out]`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        try backend.linear(x, weight: try weight.materialized(on: backend), bias: bias)  // [..., out]
    }

    /// `activation(x·Wᵀ + b)` `[..., out]`, the activation fused into the product where the backend can.
    public func callAsFunction(_ x: Tensor, activation: UnaryOp, on backend: any Backend) throws -> Tensor {
        try backend.linear(x, weight: try weight.materialized(on: backend), bias: bias, activation: activation)
    }
}

/// diffusers' `FeedForward`: Linear → activation → Linear, with the activation's projection under
/// `net.0.proj` and the output layer under `net.2` (`net.1` is the dropout, which has no weights).
/// Wan's transformer blocks use the tanh GELU (`"gelu-approximate"`), its I2V image embedder the
/// exact one (`"gelu"`).
///
/// Checkpoint keys: `net.0.proj.{weight,bias}` `[hidden, dim]`/`[hidden]`,
/// `net.2.{weight,bias}` `[out, hidden]`/`[out]`.
public struct FeedForward: Sendable {
    /// `net.0.proj`: dim → hidden.
    public let projection: Linear
    /// `net.2`: hidden → out.
    public let output: Linear
    /// The activation between the two layers.
    public let activation: UnaryOp

    /// A feed-forward block from its layers.
    public init(projection: Linear, output: Linear, activation: UnaryOp = .geluTanh) {
        self.projection = projection
        self.output = output
        self.activation = activation
    }

    /// Loads both layers from `scope`; `outDimension` defaults to `dimension`.
    public init(scope: WeightScope, dimension: Int, hiddenDimension: Int, outDimension: Int? = nil,
                activation: UnaryOp = .geluTanh, bias: Bool = true, dtype: DType? = nil) throws {
        projection = try Linear(scope: scope["net.0.proj"], inFeatures: dimension, outFeatures: hiddenDimension,
                                bias: bias, dtype: dtype)
        output = try Linear(scope: scope["net.2"], inFeatures: hiddenDimension, outFeatures: outDimension ?? dimension,
                            bias: bias, dtype: dtype)
        self.activation = activation
    }

    /// `x [..., dim] → [..., out]`.
    public func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> Tensor {
        let hidden = try projection(x, activation: activation, on: backend)  // [..., hidden]
        return try output(hidden, on: backend)  // [..., out]
    }
}
