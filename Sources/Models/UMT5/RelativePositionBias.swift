#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

extension UMT5Encoder {
    /// T5's bidirectional relative-position bucket of `relativePosition = key − query` (transformers'
    /// `_relative_position_bucket` for an encoder, docs/wan-reference.md §3.2). Half the buckets hold keys after the
    /// query, half the rest; within a half, distances below `numBuckets / 4` get a bucket each and
    /// larger ones share logarithmically wider buckets, the last reached at `maxDistance`.
    ///
    /// The logarithm is evaluated in float32 with the operand order of transformers' float32
    /// tensor code (`log(n / maxExact) / log(maxDistance / maxExact) · (half − maxExact)`, the
    /// divisor a double rounded to float32) and truncated, so that distances landing exactly on a
    /// bucket boundary fall on the same side. For umt5-xxl (32, 128) the offsets within a half are
    /// 0–7 for distances 0–7, then 8 (8–11), 9 (12–15), 10 (16–22), 11 (23–31), 12 (32–45),
    /// 13 (46–63), 14 (64–90) and 15 from 91 on.
    ///
    /// Requires `numBuckets ≥ 4` and `maxDistance > numBuckets / 4` (``Config/validate()``).
    public static func relativePositionBucket(_ relativePosition: Int, numBuckets: Int, maxDistance: Int) -> Int {
        let half = numBuckets / 2
        let maxExact = half / 2
        let base = relativePosition > 0 ? half : 0
        let distance = relativePosition.magnitude
        if distance < UInt(maxExact) { return base + Int(distance) }
        let divisor = Float(log(Double(maxDistance) / Double(maxExact)))
        let ratio = logf(Float(distance) / Float(maxExact)) / divisor
        // Clamped before the conversion so that no distance can overflow Int; the cap is below it.
        let steps = min(ratio * Float(half - maxExact), Float(half))
        return base + min(maxExact + Int(steps), half - 1)
    }

    /// The bucket of every (query, key) pair of a sequence of `length` tokens as a one-hot table
    /// `[numBuckets, length·length]` in `dtype`, column `i·length + j` holding a 1 in row
    /// `bucket(j − i)`. Each block turns it into its own bias with one matmul
    /// (``UMT5SelfAttention/positionBias(oneHot:length:on:)``); the table depends on the
    /// sequence length only, so one forward pass builds it once for all blocks.
    public static func relativePositionOneHot(length: Int, numBuckets: Int, maxDistance: Int,
                                              dtype: DType) throws -> Tensor {
        guard length > 0 else {
            throw TensorError.invalidArgument(op: "relativePositionOneHot", detail: "length \(length) must be positive")
        }
        // bucket(r) for r = j − i in −(length − 1)...(length − 1), at index r + length − 1.
        let buckets = (0..<(2 * length - 1)).map {
            relativePositionBucket($0 - (length - 1), numBuckets: numBuckets, maxDistance: maxDistance)
        }
        let pairs = length * length
        var values = [Float](repeating: 0, count: numBuckets * pairs)
        for i in 0..<length {
            for j in 0..<length {
                values[buckets[j - i + length - 1] * pairs + i * length + j] = 1
            }
        }
        return try Tensor(values, shape: [numBuckets, pairs], dtype: dtype)  // [buckets, L·L]
    }
}
