import Tensor

// Data movement: every op here copies elements unchanged, so it works on the raw bits of any
// dtype (results keep the input's dtype; `pad`'s value is rounded to it).

extension CPUBackend {
    public func permute(_ x: Tensor, _ axes: [Int]) throws -> Tensor {
        try requireHost(x, op: "permute")
        guard axes.count == x.rank, axes.sorted() == Array(0..<x.rank) else {
            throw TensorError.invalidArgument(
                op: "permute", detail: "axes \(axes) are not a permutation of the \(x.rank) axes of \(x.shape)")
        }
        let shape = axes.map { x.shape[$0] }
        let out = try Tensor(allocating: shape, dtype: x.dtype, zeroed: false)
        // Source strides in output order, then neighbouring axes that stay neighbours merged.
        let sourceStrides = Tensor.strides(of: x.shape)
        var sizes: [Int] = [], strides: [Int] = []
        for (size, axis) in zip(shape, axes) where size != 1 {
            let step = sourceStrides[axis]
            if let last = sizes.indices.last, strides[last] == step * size {
                sizes[last] *= size
                strides[last] = step
            } else {
                sizes.append(size); strides.append(step)
            }
        }
        if sizes.isEmpty { sizes = [1]; strides = [1] }
        switch x.dtype.byteSize {
        case 4: gather(UInt32.self, from: x, into: out, sizes: sizes, strides: strides)
        default: gather(UInt16.self, from: x, into: out, sizes: sizes, strides: strides)
        }
        return out
    }

    public func concat(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument(op: "concat", detail: "needs at least one tensor")
        }
        let axis = try resolvedAxis(axis, rank: first.rank, op: "concat")
        for (i, t) in tensors.enumerated() {
            try requireHost(t, op: "concat")
            guard t.dtype == first.dtype else {
                throw TensorError.invalidArgument(
                    op: "concat", detail: "tensor \(i) is \(t.dtype.rawValue) but tensor 0 is \(first.dtype.rawValue)")
            }
            guard t.rank == first.rank,
                  t.shape.indices.allSatisfy({ $0 == axis || t.shape[$0] == first.shape[$0] }) else {
                throw TensorError.shapeMismatch(
                    op: "concat", detail: "tensor \(i) has shape \(t.shape), which does not match \(first.shape) outside axis \(axis)")
            }
        }
        var shape = first.shape
        shape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let out = try Tensor(allocating: shape, dtype: first.dtype, zeroed: false)
        let size = first.dtype.byteSize
        let outer = Tensor.elementCount(Array(shape[..<axis]))
        let inner = Tensor.elementCount(Array(shape[(axis + 1)...])) * size  // bytes per index of `axis`
        let outRow = shape[axis] * inner
        let destination = hostBytes(out)
        var column = 0
        for t in tensors {
            let row = t.shape[axis] * inner, source = hostBytes(t), start = column
            parallelFor(outer, grain: max(1, (1 << 16) / max(row, 1))) { range in
                for o in range {
                    (destination + o * outRow + start).copyMemory(from: source + o * row, byteCount: row)
                }
            }
            column += row
        }
        return out
    }

    public func slice(_ x: Tensor, axis: Int, start: Int, end: Int) throws -> Tensor {
        try requireHost(x, op: "slice")
        let axis = try resolvedAxis(axis, rank: x.rank, op: "slice")
        guard 0 <= start, start <= end, end <= x.shape[axis] else {
            throw TensorError.invalidArgument(
                op: "slice", detail: "range \(start)..<\(end) is outside 0..<\(x.shape[axis]) of axis \(axis) of \(x.shape)")
        }
        var shape = x.shape
        shape[axis] = end - start
        let out = try Tensor(allocating: shape, dtype: x.dtype, zeroed: false)
        let size = x.dtype.byteSize
        let outer = Tensor.elementCount(Array(x.shape[..<axis]))
        let inner = Tensor.elementCount(Array(x.shape[(axis + 1)...])) * size
        let sourceRow = x.shape[axis] * inner, row = shape[axis] * inner
        let source = hostBytes(x) + start * inner, destination = hostBytes(out)
        parallelFor(outer, grain: max(1, (1 << 16) / max(row, 1))) { range in
            for o in range {
                (destination + o * row).copyMemory(from: source + o * sourceRow, byteCount: row)
            }
        }
        return out
    }

    public func pad(_ x: Tensor, _ padding: [(before: Int, after: Int)], value: Float) throws -> Tensor {
        try requireHost(x, op: "pad")
        guard padding.count == x.rank else {
            throw TensorError.invalidArgument(
                op: "pad", detail: "needs one (before, after) pair per axis of \(x.shape), got \(padding.count)")
        }
        guard padding.allSatisfy({ $0.before >= 0 && $0.after >= 0 }) else {
            throw TensorError.invalidArgument(
                op: "pad", detail: "padding \(padding.map { [$0.before, $0.after] }) has a negative size")
        }
        let shape = zip(x.shape, padding).map { $0 + $1.before + $1.after }
        let out = Tensor(filling: value, shape: shape, dtype: x.dtype)
        guard x.count > 0, let width = x.shape.last else {
            if x.rank == 0 { return x }
            return out
        }
        // Each source row (last axis) lands at an offset in the output; the cursor tracks it.
        let size = x.dtype.byteSize
        let outStrides = Tensor.strides(of: shape)
        let origin = zip(padding, outStrides).reduce(0) { $0 + $1.0.before * $1.1 }
        let source = hostBytes(x), destination = hostBytes(out)
        let outer = Array(x.shape.dropLast()), rowStrides = Array(outStrides.dropLast())
        parallelFor(x.count / width, grain: max(1, (1 << 14) / width)) { range in
            var cursor = StridedCursor(shape: outer, stridesA: rowStrides, row: range.lowerBound)
            for row in range {
                (destination + (origin + cursor.offsetA) * size)
                    .copyMemory(from: source + row * width * size, byteCount: width * size)
                cursor.next()
            }
        }
        return out
    }

    public func upsampleNearest(_ x: Tensor, factors: [Int]) throws -> Tensor {
        try requireHost(x, op: "upsampleNearest")
        guard factors.count <= x.rank, factors.allSatisfy({ $0 >= 1 }) else {
            throw TensorError.invalidArgument(
                op: "upsampleNearest", detail: "factors \(factors) must be positive and at most one per axis of \(x.shape)")
        }
        let full = [Int](repeating: 1, count: x.rank - factors.count) + factors
        let shape = zip(x.shape, full).map { $0 * $1 }
        let out = try Tensor(allocating: shape, dtype: x.dtype, zeroed: false)
        guard out.count > 0, !factors.isEmpty else { return factors.isEmpty ? x : out }
        switch x.dtype.byteSize {
        case 4: repeatNearest(UInt32.self, from: x, into: out, factors: full)
        default: repeatNearest(UInt16.self, from: x, into: out, factors: full)
        }
        return out
    }
}

/// `axis` in `0..<rank`, with negative values counted from the end as in PyTorch.
private func resolvedAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < rank else {
        throw TensorError.invalidArgument(op: op, detail: "axis \(axis) is out of range for a tensor of rank \(rank)")
    }
    return resolved
}

@inline(__always)
private func hostBytes(_ x: Tensor) -> UnsafeMutableRawPointer {
    guard let base = x.storage.hostPointer else { preconditionFailure("host tensor expected, got \(x)") }
    return base
}

/// Copies `x` into `out` in output order, reading the source at `strides` (per simplified output
/// axis, `sizes`). The innermost axis is a plain copy when its stride is 1.
private func gather<T>(_: T.Type, from x: Tensor, into out: Tensor, sizes: [Int], strides: [Int]) {
    let source = hostBytes(x).assumingMemoryBound(to: T.self)
    let destination = hostBytes(out).assumingMemoryBound(to: T.self)
    let width = sizes[sizes.count - 1], step = strides[strides.count - 1]
    if step != 1, sizes.count >= 2, strides[strides.count - 2] == 1 {
        return transposeTiles(source, destination, sizes: sizes, strides: strides)
    }
    let outer = Array(sizes.dropLast()), outerStrides = Array(strides.dropLast())
    parallelFor(out.count / max(width, 1), grain: max(1, (1 << 14) / max(width, 1))) { range in
        var cursor = StridedCursor(shape: outer, stridesA: outerStrides, row: range.lowerBound)
        for row in range {
            let from = source + cursor.offsetA, to = destination + row * width
            if step == 1 {
                to.update(from: from, count: width)
            } else {
                for i in 0..<width { to[i] = from[i * step] }
            }
            cursor.next()
        }
    }
}

/// `gather` for a transpose of the last two axes (the source is contiguous along the output's row
/// axis). Each job fills up to 256 rows of a strip of 16 output columns: it reads 16 source rows front
/// to back (streams the prefetcher follows) and writes one 64-byte piece of each output row.
private func transposeTiles<T>(_ source: UnsafeMutablePointer<T>, _ destination: UnsafeMutablePointer<T>,
                               sizes: [Int], strides: [Int]) {
    let strip = 16, chunk = 256
    let rows = sizes[sizes.count - 2], width = sizes[sizes.count - 1], step = strides[strides.count - 1]
    let outer = Array(sizes.dropLast(2)), outerStrides = Array(strides.dropLast(2))
    let strips = (width + strip - 1) / strip, chunks = (rows + chunk - 1) / chunk
    let matrices = Tensor.elementCount(outer)
    parallelFor(matrices * strips * chunks) { range in
        for job in range {
            let matrix = job / (strips * chunks), firstColumn = job / chunks % strips * strip
            let firstRow = job % chunks * chunk
            let columns = firstColumn..<min(firstColumn + strip, width)
            let from = source + StridedCursor(shape: outer, stridesA: outerStrides, row: matrix).offsetA
            let to = destination + matrix * rows * width
            for row in firstRow..<min(firstRow + chunk, rows) {
                for column in columns { to[row * width + column] = from[row + column * step] }
            }
        }
    }
}

/// Nearest-neighbour repeat: `out[..., i, j] = x[..., i / f₀, j / f₁]` for the per-axis `factors`.
/// Output rows come in runs of identical rows (the factor of the second-to-last axis): the first of
/// each run is expanded from its source row, the others are copies of it.
private func repeatNearest<T>(_: T.Type, from x: Tensor, into out: Tensor, factors: [Int]) {
    let source = hostBytes(x).assumingMemoryBound(to: T.self)
    let destination = hostBytes(out).assumingMemoryBound(to: T.self)
    let rank = out.rank
    let width = out.shape[rank - 1], sourceWidth = x.shape[rank - 1], factor = factors[rank - 1]
    let run = rank >= 2 ? factors[rank - 2] : 1
    let sourceStrides = Tensor.strides(of: x.shape)
    parallelFor(out.count / width / run, grain: max(1, (1 << 14) / (width * run))) { range in
        for group in range {
            let row = group * run
            // The source row: each outer output index divided by its axis's factor.
            var rest = row, offset = 0
            for axis in stride(from: rank - 2, through: 0, by: -1) {
                let index = rest % out.shape[axis]
                rest /= out.shape[axis]
                offset += index / factors[axis] * sourceStrides[axis]
            }
            let from = source + offset, to = destination + row * width
            if factor == 1 {
                to.update(from: from, count: width)
            } else {
                for i in 0..<sourceWidth {
                    let v = from[i]
                    for k in 0..<factor { to[i * factor + k] = v }
                }
            }
            for copy in 1..<run { (to + copy * width).update(from: to, count: width) }
        }
    }
}
