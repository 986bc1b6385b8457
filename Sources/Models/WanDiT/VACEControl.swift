import Tensor

/// The VACE control of one transformer call: the control context and the conditioning scale of each
/// VACE layer.
///
/// `context` is `[B, vace_in_channels, T, H, W]`: the 96-channel control latents (the inactive and
/// reactive video latents, then the 64 channels of the space-to-depth mask), with the latents' batch,
/// height and width and the same number of frames or fewer; a shorter control's tokens are followed
/// by zero tokens, as diffusers pads them. Each hint k is multiplied by its scale before it is added
/// after main block `vace_layers[k]`; like diffusers, the scales are rounded to the model's dtype.
public struct VACEControl: Sendable {
    /// The control context `[B, vace_in_channels, T, H, W]`.
    public let context: Tensor
    /// One scale per VACE layer, or nil when ``scale`` applies to all.
    public let scales: [Float]?
    /// The scale of every VACE layer when ``scales`` is nil.
    public let scale: Float

    /// A control with one scale per VACE layer (as many as the model's `vace_layers`, checked at the
    /// call). Throws ``WanTransformerError/invalidInput(_:)`` for an empty list or a non-finite scale.
    public init(context: Tensor, scales: [Float]) throws {
        guard !scales.isEmpty else { throw WanTransformerError.invalidInput("the VACE control has no scales") }
        if let bad = scales.first(where: { !$0.isFinite }) {
            throw WanTransformerError.invalidInput("the VACE control scale \(bad) is not a finite number")
        }
        self.context = context
        self.scales = scales
        self.scale = 1
    }

    /// A control with the same scale for every VACE layer (diffusers' `conditioning_scale` as one number).
    public init(context: Tensor, scale: Float = 1) {
        self.context = context
        self.scales = nil
        self.scale = scale
    }

    /// The scale of each of `layers` VACE layers, rounded to `dtype` (diffusers casts them to the
    /// transformer's dtype). Throws when a per-layer list has another length or a scale is not finite.
    func layerScales(_ layers: Int, dtype: DType) throws -> [Float] {
        let values = scales ?? Array(repeating: scale, count: layers)
        guard values.count == layers else {
            throw WanTransformerError.invalidInput(
                "the VACE control has \(values.count) scales, but this model has \(layers) VACE layers")
        }
        if let bad = values.first(where: { !$0.isFinite }) {
            throw WanTransformerError.invalidInput("the VACE control scale \(bad) is not a finite number")
        }
        return try Tensor(values, shape: [layers], dtype: dtype).floats()
    }
}
