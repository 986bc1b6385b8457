import CKernels
import Tensor

extension CPUBackend {
    /// Flash-style attention: for a block of query rows of every head at once, key blocks are visited
    /// in turn; scores for one (query block × key block) tile are computed by a batched oneDNN GEMM,
    /// folded into a running max / running sum (online softmax), and the tile's probabilities are
    /// multiplied into the float32 accumulator by a second GEMM. Scratch memory is a few tiles,
    /// whatever the sequence length: O(N·d) overall, never O(N²).
    public func attention(query: Tensor, key: Tensor, value: Tensor, scale: Float) throws -> Tensor {
        try flashAttention(query: query, key: key, value: value, scale: scale, keyBias: nil, tokenMajor: false)
    }

    /// Token-major operands are read and written in place through strides: no head split or merge.
    public func attention(tokenMajorQuery query: Tensor, key: Tensor, value: Tensor, scale: Float) throws -> Tensor {
        try flashAttention(query: query, key: key, value: value, scale: scale, keyBias: nil, tokenMajor: true)
    }

    /// The key bias joins the scaled scores inside the online softmax, a key block at a time.
    public func attention(tokenMajorQuery query: Tensor, key: Tensor, value: Tensor, scale: Float,
                          keyBias: Tensor?) throws -> Tensor {
        try flashAttention(query: query, key: key, value: value, scale: scale, keyBias: keyBias, tokenMajor: true)
    }

    /// q, k, v and the result are `[B, H, N, D]`, or `[B, N, H, D]` when `tokenMajor`; `keyBias` is `[B, Nk]`.
    private func flashAttention(query: Tensor, key: Tensor, value: Tensor, scale: Float, keyBias: Tensor?,
                                tokenMajor: Bool) throws -> Tensor {
        for t in [query, key, value] { try requireHost(t, op: "attention") }
        // Logical [B, H, N, D] shapes whatever the storage order.
        func logical(_ t: Tensor) -> [Int] { tokenMajor && t.rank == 4 ? [t.shape[0], t.shape[2], t.shape[1], t.shape[3]] : t.shape }
        let (qs, ks, vs) = (logical(query), logical(key), logical(value))
        let order = tokenMajor ? "[B, N, H, D]" : "[B, H, N, D]"
        guard query.rank == 4, key.rank == 4, value.rank == 4,
              qs[0] == ks[0], qs[1] == ks[1], ks[0...2] == vs[0...2], qs[3] == ks[3] else {
            throw TensorError.shapeMismatch(op: "attention", detail: "query \(query.shape), key \(key.shape), value \(value.shape) must be \(order) with matching B, H, key/value N and query/key D")
        }
        guard query.dtype == key.dtype, key.dtype == value.dtype else {
            throw TensorError.invalidArgument(op: "attention", detail: "query, key and value must share a dtype")
        }
        if let keyBias { try requireHost(keyBias, op: "attention") }
        if let keyBias, keyBias.shape != [ks[0], ks[2]] {
            throw TensorError.shapeMismatch(op: "attention", detail: "key bias \(keyBias.shape) must be [B, Nk] = [\(ks[0]), \(ks[2])]")
        }
        let bias = try keyBias.map { try cast($0, to: .float32) }  // [B, Nk]
        let (batch, headCount) = (qs[0], qs[1])
        let heads = batch * headCount
        let nq = qs[2], nk = ks[2], d = qs[3], dv = vs[3]
        let outShape = tokenMajor ? [batch, nq, headCount, dv] : [batch, headCount, nq, dv]
        let out = try Tensor(allocating: outShape, dtype: query.dtype, zeroed: false)
        if out.count == 0 { return out }
        if nk == 0 {
            throw TensorError.shapeMismatch(op: "attention", detail: "key and value have no positions")
        }
        // GEMM operands in bf16 when the inputs are bf16 (fp32 scores and accumulation), else fp32.
        let gemmType: DType = query.dtype == .bfloat16 ? .bfloat16 : .float32
        let q = try cast(query, to: gemmType), k = try cast(key, to: gemmType), v = try cast(value, to: gemmType)
        // Element strides of (batch, head, token) in each operand.
        func strides(tokens n: Int, width: Int) -> (batch: Int, head: Int, token: Int) {
            tokenMajor ? (n * headCount * width, width, headCount * width) : (headCount * n * width, n * width, width)
        }
        let sq = strides(tokens: nq, width: d), sk = strides(tokens: nk, width: d), sv = strides(tokens: nk, width: dv)
        let so = strides(tokens: nq, width: dv)
        let tiling = AttentionTiling(heads: heads, nq: nq, nk: nk)
        let scores = try Tensor(allocating: [heads, tiling.queryBlock, tiling.keyBlock], dtype: .float32, zeroed: false)
        let probabilities = try Tensor(allocating: [heads, tiling.queryBlock, tiling.keyBlock], dtype: gemmType, zeroed: false)
        let accumulator = try Tensor(allocating: [heads, tiling.queryBlock, dv], dtype: .float32, zeroed: false)
        var state = OnlineSoftmaxState(rows: heads * tiling.queryBlock)
        let elementSize = gemmType.byteSize
        let qBase = q.storage.hostPointer!, kBase = k.storage.hostPointer!, vBase = v.storage.hostPointer!

        var q0 = 0
        while q0 < nq {
            let bq = min(tiling.queryBlock, nq - q0)
            var k0 = 0
            while k0 < nk {
                let bk = min(tiling.keyBlock, nk - k0)
                // scores[b, h, i, j] = q[b, h, q0+i, :] · k[b, h, k0+j, :]
                try gemm(src: MatrixLayout(dims: [batch, headCount, bq, d], strides: [sq.batch, sq.head, sq.token, 1], dtype: gemmType),
                         qBase + q0 * sq.token * elementSize,
                         weights: MatrixLayout(dims: [batch, headCount, d, bk], strides: [sk.batch, sk.head, 1, sk.token], dtype: gemmType),
                         kBase + k0 * sk.token * elementSize, bias: nil, nil,
                         dst: .contiguous([batch, headCount, bq, bk], .float32), scores.storage.hostPointer!, op: "attention")
                state.absorb(scores: scores.storage.hostPointer!.assumingMemoryBound(to: Float.self),
                             into: probabilities, accumulator: accumulator.storage.hostPointer!.assumingMemoryBound(to: Float.self),
                             rows: heads * bq, columns: bk, valueWidth: dv, scale: scale,
                             bias: bias.map { ($0.storage.hostPointer!.assumingMemoryBound(to: Float.self) + k0, nk, headCount * bq) },
                             firstBlock: k0 == 0)
                // accumulator[b, h, i, :] += p[b, h, i, :] · v[b, h, k0.., :]
                try gemm(src: .contiguous([batch, headCount, bq, bk], gemmType), probabilities.storage.hostPointer!,
                         weights: MatrixLayout(dims: [batch, headCount, bk, dv], strides: [sv.batch, sv.head, sv.token, 1], dtype: gemmType),
                         vBase + k0 * sv.token * elementSize, bias: nil, nil,
                         dst: .contiguous([batch, headCount, bq, dv], .float32), accumulator.storage.hostPointer!,
                         accumulate: true, op: "attention")
                k0 += bk
            }
            state.finish(accumulator: accumulator.storage.hostPointer!.assumingMemoryBound(to: Float.self),
                         rows: bq, batch: batch, heads: headCount, valueWidth: dv, into: out, queryOffset: q0,
                         strides: so)
            q0 += bq
        }
        return out
    }
}

/// Tile sizes: the score tile for all heads stays within ~8 MB.
private struct AttentionTiling {
    let queryBlock: Int
    let keyBlock: Int
    init(heads: Int, nq: Int, nk: Int) {
        // 256 keys a block: measured best of 128-2048 for 12 heads of 128 at 1,280 and 7,800 tokens
        // (docs/performance.md, issue 17); 384 was worse, so keep it a multiple of 128.
        keyBlock = min(nk, 256)
        let rows = max(16, min(256, (2 << 20) / max(1, heads * keyBlock)))
        queryBlock = min(nq, rows)
    }
}

/// Running row max and row sum of the online softmax for one query block.
private struct OnlineSoftmaxState {
    var maximum: [Float]
    var sum: [Float]

    init(rows: Int) {
        maximum = [Float](repeating: -.infinity, count: rows)
        sum = [Float](repeating: 0, count: rows)
    }

    /// The kernel starts the running max and sum afresh on a query block's first key block.
    /// Turns a score tile into probabilities relative to the updated running max, rescales the
    /// accumulator rows by exp(old max − new max), and updates the running sums (CKernels). `bias`,
    /// when given, is the key block's first bias of batch item 0, the bias row stride (Nk), and the
    /// rows of one batch item.
    mutating func absorb(scores: UnsafeMutablePointer<Float>, into probabilities: Tensor,
                         accumulator: UnsafeMutablePointer<Float>, rows: Int, columns: Int, valueWidth: Int,
                         scale: Float, bias: (base: UnsafeMutablePointer<Float>, stride: Int, rowsPerBatch: Int)?,
                         firstBlock: Bool) {
        let pBase = probabilities.storage.hostPointer!
        let bf16: Int32 = probabilities.dtype == .bfloat16 ? 1 : 0
        let elementSize = probabilities.dtype.byteSize
        maximum.withUnsafeMutableBufferPointer { maxima in
            sum.withUnsafeMutableBufferPointer { sums in
                parallelFor(rows, grain: 4) { range in
                    var scratch = [Float](repeating: 0, count: columns)
                    scratch.withUnsafeMutableBufferPointer { buffer in
                        // Split at batch items, whose key biases differ.
                        var lower = range.lowerBound
                        while lower < range.upperBound {
                            let item = bias.map { lower / $0.rowsPerBatch } ?? 0
                            let upper = bias.map { min(range.upperBound, (item + 1) * $0.rowsPerBatch) } ?? range.upperBound
                            zt_online_softmax_block(scores + lower * columns, upper - lower, columns, scale,
                                                    bias.map { UnsafePointer($0.base + item * $0.stride) },
                                                    maxima.baseAddress! + lower, sums.baseAddress! + lower,
                                                    accumulator + lower * valueWidth, valueWidth,
                                                    pBase + lower * columns * elementSize, bf16,
                                                    firstBlock ? 1 : 0, buffer.baseAddress!)
                            lower = upper
                        }
                    }
                }
            }
        }
    }

    /// Writes accumulator / sum for the block's rows into the output at query offset `queryOffset`.
    /// `heads` is the heads per batch item; `strides` are the output's (batch, head, token) strides.
    func finish(accumulator: UnsafeMutablePointer<Float>, rows: Int, batch: Int, heads: Int, valueWidth: Int,
                into out: Tensor, queryOffset: Int, strides: (batch: Int, head: Int, token: Int)) {
        let base = out.storage.hostPointer!
        let dtype = out.dtype
        sum.withUnsafeBufferPointer { sums in
            parallelFor(batch * heads * rows, grain: 8) { range in
                for index in range {
                    let flatHead = index / rows, i = index % rows
                    let (b, h) = (flatHead / heads, flatHead % heads)
                    let inverse = 1 / sums[index]
                    let source = accumulator + index * valueWidth
                    let targetIndex = b * strides.batch + h * strides.head + (queryOffset + i) * strides.token
                    switch dtype {
                    case .float32:
                        let target = base.assumingMemoryBound(to: Float.self) + targetIndex
                        for c in 0..<valueWidth { target[c] = source[c] * inverse }
                    case .bfloat16:
                        let target = base.assumingMemoryBound(to: UInt16.self) + targetIndex
                        for c in 0..<valueWidth { target[c] = bfloat16Bits(source[c] * inverse) }
                    case .float16:
                        let target = base.assumingMemoryBound(to: UInt16.self) + targetIndex
                        for c in 0..<valueWidth { target[c] = float16Bits(source[c] * inverse) }
                    }
                }
            }
        }
    }
}
