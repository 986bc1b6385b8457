import CKernels
import Tensor

extension CPUBackend {
    /// One pass over `x [B, C, S...]` in place of a permute, a norm, a permute and a SiLU: for a block
    /// of spatial positions, Σ_c x² is summed down the channels, then each channel row is scaled,
    /// shifted and activated. Computed in float32; the result has x's dtype.
    public func channelRMSNorm(_ x: Tensor, gamma: Tensor, bias: Tensor?, eps: Float, silu: Bool) throws -> Tensor {
        try requireHost(x, op: "channelRMSNorm")
        let channels = x.rank >= 2 ? x.shape[1] : 0
        guard x.rank >= 2, gamma.count == channels, bias.map({ $0.count == channels }) ?? true else {
            throw TensorError.shapeMismatch(op: "channelRMSNorm", detail: "input \(x.shape) ([B, C, ...]) does not fit gamma \(gamma.shape) or bias \(bias?.shape ?? [])")
        }
        let input = try cast(x, to: .float32)
        let scale = try cast(gamma, to: .float32), shift = try bias.map { try cast($0, to: .float32) }
        let out = try Tensor(allocating: x.shape, dtype: .float32, zeroed: false)
        let spatial = x.shape[2...].reduce(1, *), batch = x.shape[0]
        let block = 256
        let blocks = (spatial + block - 1) / block
        let source = input.storage.hostPointer!.assumingMemoryBound(to: Float.self)
        let target = out.storage.hostPointer!.assumingMemoryBound(to: Float.self)
        let g = scale.storage.hostPointer!.assumingMemoryBound(to: Float.self)
        let b = shift?.storage.hostPointer?.assumingMemoryBound(to: Float.self)
        parallelFor(batch * blocks) { range in
            var inverse = [Float](repeating: 0, count: block)
            inverse.withUnsafeMutableBufferPointer { inv in
                for index in range {
                    let item = index / blocks, start = (index % blocks) * block
                    let base = item * channels * spatial + start
                    zt_channel_rms_norm_block(source + base, target + base, channels, spatial, min(block, spatial - start),
                                              g, b, eps, silu ? 1 : 0, inv.baseAddress!)
                }
            }
        }
        return try cast(out, to: x.dtype)
    }
}
