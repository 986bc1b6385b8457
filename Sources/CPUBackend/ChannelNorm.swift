#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
        let count = Float(channels)
        parallelFor(batch * blocks) { range in
            var inverse = [Float](repeating: 0, count: block)
            inverse.withUnsafeMutableBufferPointer { inv in
                for index in range {
                    let item = index / blocks, start = (index % blocks) * block
                    let length = min(block, spatial - start)
                    let base = item * channels * spatial + start
                    for i in 0..<length { inv[i] = 0 }
                    for c in 0..<channels {
                        let row = source + base + c * spatial
                        for i in 0..<length { inv[i] += row[i] * row[i] }
                    }
                    for i in 0..<length { inv[i] = 1 / (inv[i] / count + eps).squareRoot() }
                    for c in 0..<channels {
                        let row = source + base + c * spatial, dst = target + base + c * spatial
                        let weight = g[c], offset = b?[c] ?? 0
                        if silu {
                            for i in 0..<length {
                                let v = row[i] * inv[i] * weight + offset
                                dst[i] = v / (1 + expf(-v))
                            }
                        } else {
                            for i in 0..<length { dst[i] = row[i] * inv[i] * weight + offset }
                        }
                    }
                }
            }
        }
        return try cast(out, to: x.dtype)
    }
}
