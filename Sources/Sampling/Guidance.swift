import Tensor

/// Classifier-free guidance as WanPipeline combines its two transformer passes:
/// `v = v_u + scale·(v_c − v_u)`, in the outputs' dtype (bf16 in the reference pipeline), each
/// operation rounded once: the difference, the product with the float32 scale, the sum.
///
/// Throws ``SamplingError`` when the two outputs differ in shape or dtype.
public func guidance(conditional: Tensor, unconditional: Tensor, scale: Float, on backend: any Backend) throws -> Tensor {
    guard conditional.shape == unconditional.shape, conditional.dtype == unconditional.dtype else {
        throw SamplingError.invalidInput(
            "guidance needs two model outputs of one shape and dtype, not \(conditional) and \(unconditional)")
    }
    let difference = try backend.sub(conditional, unconditional)  // [B, C, F, H, W]
    return try backend.add(unconditional, try backend.affine(difference, scale: scale, offset: 0))
}
