import Tensor

// Head bookkeeping around the backend's `attention` op, which works on `[B, H, N, D]`.

/// Splits the features of `x [B, N, H·D]` into `heads` heads: `[B, H, N, D]`
/// (PyTorch: `x.unflatten(2, (heads, -1)).transpose(1, 2)`).
public func splitHeads(_ x: Tensor, heads: Int, on backend: any Backend) throws -> Tensor {
    guard x.rank == 3, heads > 0, x.shape[2] % heads == 0 else {
        throw TensorError.shapeMismatch(op: "splitHeads", detail: "input \(x.shape) is not [B, N, \(heads)·D]")
    }
    let (b, n, width) = (x.shape[0], x.shape[1], x.shape[2])
    let perToken = try x.reshaped([b, n, heads, width / heads])  // [B, N, H, D]
    return try backend.permute(perToken, [0, 2, 1, 3])  // [B, H, N, D]
}

/// Joins the heads of `x [B, H, N, D]` back into features: `[B, N, H·D]`
/// (PyTorch: `x.transpose(1, 2).flatten(2, 3)`).
public func mergeHeads(_ x: Tensor, on backend: any Backend) throws -> Tensor {
    guard x.rank == 4 else {
        throw TensorError.shapeMismatch(op: "mergeHeads", detail: "input \(x.shape) is not [B, H, N, D]")
    }
    let (b, h, n, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let perToken = try backend.permute(x, [0, 2, 1, 3])  // [B, N, H, D]
    return try perToken.reshaped([b, n, h * d])  // [B, N, H·D]
}

/// Multi-head scaled-dot-product attention on unsplit projections: query `[B, Nq, H·D]`, key
/// `[B, Nk, H·D]`, value `[B, Nk, H·Dv]` → `[B, Nq, H·Dv]`, `softmax(q·kᵀ·scale)·v` per head, no
/// mask. `scale` defaults to `1/√D` (the Wan transformer's); UMT5 passes 1.
public func multiHeadAttention(query: Tensor, key: Tensor, value: Tensor, heads: Int, scale: Float? = nil,
                               on backend: any Backend) throws -> Tensor {
    let q = try splitHeads(query, heads: heads, on: backend)  // [B, H, Nq, D]
    let k = try splitHeads(key, heads: heads, on: backend)  // [B, H, Nk, D]
    let v = try splitHeads(value, heads: heads, on: backend)  // [B, H, Nk, Dv]
    let headDim = q.shape[3]
    let o = try backend.attention(query: q, key: k, value: v,
                                  scale: scale ?? 1 / Float(headDim).squareRoot())  // [B, H, Nq, Dv]
    return try mergeHeads(o, on: backend)  // [B, Nq, H·Dv]
}
