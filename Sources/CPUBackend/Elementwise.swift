#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CKernels
import Tensor

// Elementwise ops. Inputs of any dtype are widened to float32, computed, and rounded back once.

extension CPUBackend {
    public func unary(_ op: UnaryOp, _ x: Tensor) throws -> Tensor {
        try requireHost(x, op: "unary")
        if let kernel = vectorKernel(op), x.dtype != .float16 {
            // Straight from the input's dtype to the result's, in one pass (CKernels).
            let out = try Tensor(allocating: x.shape, dtype: x.dtype, zeroed: false)
            let source = x.storage.hostPointer!, destination = out.storage.hostPointer!
            let size = x.dtype.byteSize, bf16 = isBF16(x)
            parallelFor(x.count, grain: 1 << 14) { range in
                zt_unary(kernel, source + range.lowerBound * size, bf16, range.count,
                         destination + range.lowerBound * size, bf16)
            }
            return out
        }
        let input = try cast(x, to: .float32)
        let out = try Tensor(allocating: x.shape, dtype: .float32, zeroed: false)
        let source = floatPointer(input), destination = floatPointer(out)
        parallelFor(x.count, grain: 1 << 14) { range in
            applyUnary(op, source + range.lowerBound, destination + range.lowerBound, range.count)
        }
        return try cast(out, to: x.dtype)
    }

    public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try requireHost(a, op: "binary")
        try requireHost(b, op: "binary")
        let shape = try broadcastShape(a.shape, b.shape, op: "binary(\(op.rawValue))")
        let resultType = a.dtype == b.dtype ? a.dtype : DType.float32
        if a.shape == b.shape, a.dtype != .float16, b.dtype != .float16, let kernel = sameShapeKernel(op) {
            // Same-shape add/sub/mul straight from the operands' dtypes, in one pass (CKernels).
            let out = try Tensor(allocating: shape, dtype: resultType, zeroed: false)
            let (pa, pb, po) = (a.storage.hostPointer!, b.storage.hostPointer!, out.storage.hostPointer!)
            let (sa, sb, so) = (a.dtype.byteSize, b.dtype.byteSize, resultType.byteSize)
            parallelFor(a.count, grain: 1 << 14) { range in
                let i = range.lowerBound
                zt_binary_same_shape(kernel, pa + i * sa, isBF16(a), pb + i * sb, isBF16(b), range.count,
                                     po + i * so, isBF16(out))
            }
            return out
        }
        let left = try cast(a, to: .float32), right = try cast(b, to: .float32)
        let out = try Tensor(allocating: shape, dtype: .float32, zeroed: false)
        let layout = BroadcastLayout(output: shape, a: a.shape, b: b.shape)
        layout.run(op, floatPointer(left), floatPointer(right), floatPointer(out))
        return try cast(out, to: resultType)
    }

    public func affine(_ x: Tensor, scale: Float, offset: Float) throws -> Tensor {
        try requireHost(x, op: "affine")
        let input = try cast(x, to: .float32)
        let out = try Tensor(allocating: x.shape, dtype: .float32, zeroed: false)
        let source = floatPointer(input), destination = floatPointer(out)
        parallelFor(x.count, grain: 1 << 15) { range in
            for i in range { destination[i] = source[i] * scale + offset }
        }
        return try cast(out, to: x.dtype)
    }
}

/// The CKernels op of a unary op it has a vector kernel for.
private func vectorKernel(_ op: UnaryOp) -> Int32? {
    switch op {
    case .silu: Int32(ZT_UNARY_SILU)
    case .sigmoid: Int32(ZT_UNARY_SIGMOID)
    case .exp: Int32(ZT_UNARY_EXP)
    case .tanh: Int32(ZT_UNARY_TANH)
    case .geluTanh: Int32(ZT_UNARY_GELU_TANH)
    default: nil
    }
}

/// The CKernels op of a binary op it has a same-shape kernel for.
private func sameShapeKernel(_ op: BinaryOp) -> Int32? {
    switch op {
    case .add: Int32(ZT_BINARY_ADD)
    case .sub: Int32(ZT_BINARY_SUB)
    case .mul: Int32(ZT_BINARY_MUL)
    default: nil
    }
}

/// The float32 elements of a host tensor.
@inline(__always)
func floatPointer(_ x: Tensor) -> UnsafeMutablePointer<Float> {
    guard let base = x.storage.hostPointer, x.dtype == .float32 else {
        preconditionFailure("floatPointer needs a host float32 tensor, got \(x)")
    }
    return base.assumingMemoryBound(to: Float.self)
}

/// The shape two shapes broadcast to (NumPy rules: align trailing axes; sizes equal or one is 1).
func broadcastShape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
    let rank = max(a.count, b.count)
    var shape = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
        let sa = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
        let sb = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
        guard sa == sb || sa == 1 || sb == 1 else {
            throw TensorError.shapeMismatch(op: op, detail: "shapes \(a) and \(b) do not broadcast")
        }
        shape[axis] = sa == 1 ? sb : sa
    }
    return shape
}

private func applyUnary(_ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    @inline(__always) func map(_ f: (Float) -> Float) {
        for i in 0..<n { y[i] = f(x[i]) }
    }
    let sqrtHalf: Float = 0.707106781186547524
    let sqrtTwoOverPi: Float = 0.797884560802865356
    switch op {
    case .neg: map { -$0 }
    case .abs: map { Swift.abs($0) }
    case .exp: map { expf($0) }
    case .log: map { logf($0) }
    case .sqrt: map { $0.squareRoot() }
    case .rsqrt: map { 1 / $0.squareRoot() }
    case .tanh: map { tanhf($0) }
    case .sigmoid: map { 1 / (1 + expf(-$0)) }
    case .square: map { $0 * $0 }
    case .silu: map { $0 / (1 + expf(-$0)) }
    case .gelu: map { 0.5 * $0 * (1 + erff($0 * sqrtHalf)) }
    case .geluTanh: map { 0.5 * $0 * (1 + tanhf(sqrtTwoOverPi * ($0 + 0.044715 * $0 * $0 * $0))) }
    }
}

/// `y[i] = op(a[i·sa], b[i·sb])` for `i < n`; the op and stride pattern are chosen outside the loop
/// so each loop is a plain (vectorisable) one.
private func applyBinary(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                         _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    @inline(__always) func map(_ f: (Float, Float) -> Float) {
        switch (sa, sb) {
        case (1, 1): for i in 0..<n { y[i] = f(a[i], b[i]) }
        case (1, 0): let s = b[0]; for i in 0..<n { y[i] = f(a[i], s) }
        case (0, 1): let s = a[0]; for i in 0..<n { y[i] = f(s, b[i]) }
        default: for i in 0..<n { y[i] = f(a[i * sa], b[i * sb]) }
        }
    }
    switch op {
    case .add: map { $0 + $1 }
    case .sub: map { $0 - $1 }
    case .mul: map { $0 * $1 }
    case .div: map { $0 / $1 }
    // NaN propagates, as in torch.maximum / torch.minimum.
    case .maximum: map { ($0 > $1 || $0.isNaN) ? $0 : $1 }
    case .minimum: map { ($0 < $1 || $0.isNaN) ? $0 : $1 }
    }
}

/// Two operands broadcast to one output, with the axes simplified: size-1 output axes dropped and
/// neighbouring axes merged wherever both operands step through them as one. The innermost axis
/// then has stride 1 or 0 (broadcast) in each operand, so the inner loop is contiguous.
struct BroadcastLayout {
    /// Output sizes after simplification (at least one axis).
    let shape: [Int]
    let stridesA: [Int]
    let stridesB: [Int]

    init(output: [Int], a: [Int], b: [Int]) {
        func broadcastStrides(_ s: [Int]) -> [Int] {
            let aligned = [Int](repeating: 1, count: output.count - s.count) + s
            let contiguous = Tensor.strides(of: aligned)
            return aligned.indices.map { aligned[$0] == 1 ? 0 : contiguous[$0] }
        }
        let fullA = broadcastStrides(a), fullB = broadcastStrides(b)
        var shape: [Int] = [], sa: [Int] = [], sb: [Int] = []
        for axis in output.indices where output[axis] != 1 {
            let size = output[axis]
            if let last = shape.indices.last, sa[last] == fullA[axis] * size, sb[last] == fullB[axis] * size {
                shape[last] *= size
                sa[last] = fullA[axis]
                sb[last] = fullB[axis]
            } else {
                shape.append(size); sa.append(fullA[axis]); sb.append(fullB[axis])
            }
        }
        if shape.isEmpty { shape = [1]; sa = [0]; sb = [0] }
        self.shape = shape
        self.stridesA = sa
        self.stridesB = sb
    }

    /// `y = op(a, b)` over the whole output, in parallel over flat output ranges.
    func run(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let width = shape[shape.count - 1]
        let innerA = stridesA[stridesA.count - 1], innerB = stridesB[stridesB.count - 1]
        let count = Tensor.elementCount(shape)
        let outer = Array(shape.dropLast())
        parallelFor(count, grain: 1 << 14) { range in
            var cursor = StridedCursor(shape: outer, stridesA: Array(stridesA.dropLast()),
                                       stridesB: Array(stridesB.dropLast()), row: range.lowerBound / width)
            var position = range.lowerBound
            while position < range.upperBound {
                let column = position % width
                let n = min(width - column, range.upperBound - position)
                applyBinary(op, a + cursor.offsetA + column * innerA, innerA,
                            b + cursor.offsetB + column * innerB, innerB, y + position, n)
                position += n
                cursor.next()
            }
        }
    }
}

/// Walks the rows of a row-major index space (`shape` holds the outer axes, without the row axis)
/// and keeps the element offsets of up to two strided operands in step.
struct StridedCursor {
    let shape: [Int]
    let stridesA: [Int]
    let stridesB: [Int]
    private var index: [Int]
    /// Offset of the current row in operand A.
    private(set) var offsetA = 0
    /// Offset of the current row in operand B.
    private(set) var offsetB = 0

    /// A cursor at flat row `row`.
    init(shape: [Int], stridesA: [Int], stridesB: [Int] = [], row: Int) {
        self.shape = shape
        self.stridesA = stridesA
        self.stridesB = stridesB.isEmpty ? [Int](repeating: 0, count: shape.count) : stridesB
        index = [Int](repeating: 0, count: shape.count)
        var rest = row
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
            offsetA += index[axis] * self.stridesA[axis]
            offsetB += index[axis] * self.stridesB[axis]
        }
    }

    /// Moves to the next row.
    @inline(__always)
    mutating func next() {
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            offsetA += stridesA[axis]
            offsetB += stridesB[axis]
            if index[axis] < shape[axis] { return }
            offsetA -= stridesA[axis] * shape[axis]
            offsetB -= stridesB[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
}
