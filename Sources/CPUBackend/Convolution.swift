import Tensor

extension CPUBackend {
    public func conv3d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: Padding3D) throws -> Tensor {
        try requireHost(x, op: "conv3d")
        try requireHost(weight, op: "conv3d")
        guard x.rank == 5, weight.rank == 5, x.shape[1] == weight.shape[1] else {
            throw TensorError.shapeMismatch(op: "conv3d", detail: "input \(x.shape) ([B, C, T, H, W]) does not fit weight \(weight.shape) ([Cout, Cin, kt, kh, kw])")
        }
        guard stride.count == 3, stride.allSatisfy({ $0 >= 1 }) else {
            throw TensorError.invalidArgument(op: "conv3d", detail: "stride must be 3 positive integers, got \(stride)")
        }
        let pads = [padding.time, padding.height, padding.width]
        guard pads.allSatisfy({ $0.before >= 0 && $0.after >= 0 }) else {
            throw TensorError.invalidArgument(op: "conv3d", detail: "padding must not be negative")
        }
        let cout = weight.shape[0]
        if let bias, bias.shape != [cout] {
            throw TensorError.shapeMismatch(op: "conv3d", detail: "bias \(bias.shape) does not fit \(cout) output channels")
        }
        let kernel = Array(weight.shape[2...])
        let spatial = Array(x.shape[2...])
        var outSize = [Int]()
        for axis in 0..<3 {
            let padded = spatial[axis] + pads[axis].before + pads[axis].after
            guard padded >= kernel[axis] else {
                throw TensorError.shapeMismatch(op: "conv3d", detail: "padded input \(x.shape) is smaller than kernel \(kernel)")
            }
            outSize.append((padded - kernel[axis]) / stride[axis] + 1)
        }
        // Computed in the weight's type: float32 as the reference, or bf16 source and weights with
        // float32 accumulation for bf16 weights; the output keeps x's dtype.
        let key = ConvolutionKey(batch: x.shape[0], cin: x.shape[1], cout: cout, input: spatial, kernel: kernel, stride: stride,
                                 padBefore: pads.map(\.before), padAfter: pads.map(\.after), activation: x.dtype,
                                 weightType: weight.dtype, compute: weight.dtype == .bfloat16 ? .bfloat16 : .float32,
                                 hasBias: bias != nil)
        if outSize.allSatisfy({ $0 > 0 }), x.count > 0 {
            do {
                return try DNNLConvolutions.shared.convolve(x, weight: weight, bias: bias, key: key)
            } catch .unimplemented, .layoutMismatch {
                // No oneDNN kernel for these types here: the float32 GEMM path below.
            } catch .failed(let message) {
                throw TensorError.backendFailure(op: "conv3d", detail: message)
            }
        }
        let input = try cast(x, to: .float32), filter = try cast(weight, to: .float32)
        let biasF32 = try bias.map { try cast($0, to: .float32) }
        let geometry = ConvGeometry(batch: x.shape[0], cin: x.shape[1], cout: cout, input: spatial,
                                    kernel: kernel, stride: stride, padding: pads, output: outSize)
        let out = try Tensor(allocating: [geometry.batch, cout] + outSize, dtype: .float32, zeroed: false)
        if out.count > 0 {
            if stride == [1, 1, 1] {
                try convolveByShiftedGEMMs(input, filter, biasF32, geometry, into: out)
            } else {
                try convolveByColumns(input, filter, biasF32, geometry, into: out)
            }
        }
        return try cast(out, to: x.dtype)
    }

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int]) throws -> Tensor {
        guard x.rank == 4, weight.rank == 4 else {
            throw TensorError.shapeMismatch(op: "conv2d", detail: "input \(x.shape) ([B, C, H, W]) or weight \(weight.shape) ([Cout, Cin, kh, kw]) has the wrong rank")
        }
        guard stride.count == 2, padding.count == 2 else {
            throw TensorError.invalidArgument(op: "conv2d", detail: "stride and padding take 2 values each")
        }
        let x5 = try x.reshaped([x.shape[0], x.shape[1], 1, x.shape[2], x.shape[3]])
        let w5 = try weight.reshaped([weight.shape[0], weight.shape[1], 1, weight.shape[2], weight.shape[3]])
        let y = try conv3d(x5, weight: w5, bias: bias, stride: [1] + stride,
                           padding: .symmetric(0, padding[0], padding[1]))
        return try y.reshaped([y.shape[0], y.shape[1], y.shape[3], y.shape[4]])
    }
}

private struct ConvGeometry {
    let batch, cin, cout: Int
    let input, kernel, stride: [Int]
    let padding: [(before: Int, after: Int)]
    let output: [Int]
    var paddedInput: [Int] { (0..<3).map { input[$0] + padding[$0].before + padding[$0].after } }
    var taps: Int { kernel.reduce(1, *) }
}

/// Stride-1 convolution as one GEMM per kernel tap, with no im2col buffer. The input is zero-padded
/// into `[Cin, Tp, Hp, Wp]`; the output is computed in the padded grid (`[Cout, To, Hp, Wp]`, extra
/// rows/columns discarded), where tap (dt, dh, dw) reads the input shifted by one constant offset:
/// `out[:, p] += W_tap[Cout, Cin] · in[:, p + offset]`, starting from the bias. (oneDNN's fast GEMM takes
/// a bias along columns only; a per-row bias would send it to its reference kernel.)
private func convolveByShiftedGEMMs(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: ConvGeometry,
                                    into out: Tensor) throws {
    let padded = g.paddedInput
    let plane = padded[1] * padded[2], volume = padded[0] * plane
    let positions = g.output[0] * plane  // output grid in padded coordinates
    let slack = (g.kernel[1] - 1) * padded[2] + g.kernel[2]
    let backend = CPUBackend()
    // Per-tap weights [taps, Cout, Cin], contiguous per tap.
    let tapWeights = try backend.permute(try weight.reshaped([g.cout, g.cin, g.taps]), [2, 0, 1])
    let paddedInput = Tensor(zeros: [g.cin * volume + slack], dtype: .float32)
    let grid = Tensor(uninitialized: [g.cout, positions], dtype: .float32)
    let wBase = tapWeights.storage.hostPointer!.assumingMemoryBound(to: Float.self)
    let gridBase = grid.storage.hostPointer!.assumingMemoryBound(to: Float.self)
    let padBase = paddedInput.storage.hostPointer!.assumingMemoryBound(to: Float.self)
    let dst = MatrixLayout.contiguous([g.cout, positions], .float32)
    let filterLayout = MatrixLayout.contiguous([g.cout, g.cin], .float32)
    for b in 0..<g.batch {
        copyPadded(x, batch: b, g, into: padBase)
        fillRows(gridBase, rows: g.cout, length: positions, stride: positions, with: bias)
        for tap in 0..<g.taps {
            let dt = tap / (g.kernel[1] * g.kernel[2]), dh = (tap / g.kernel[2]) % g.kernel[1], dw = tap % g.kernel[2]
            let offset = dt * plane + dh * padded[2] + dw
            let src = MatrixLayout(dims: [g.cin, positions], strides: [volume, 1], dtype: .float32)
            try gemm(src: filterLayout, wBase + tap * g.cout * g.cin, weights: src, padBase + offset,
                     bias: nil, nil, dst: dst, gridBase, accumulate: true, op: "conv3d")
        }
        cropGrid(gridBase, g, batch: b, into: out)
    }
}

/// Any-stride convolution through im2col, in chunks of output frames so the column buffer stays small.
private func convolveByColumns(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: ConvGeometry,
                               into out: Tensor) throws {
    let padded = g.paddedInput
    let plane = padded[1] * padded[2], volume = padded[0] * plane
    let outPlane = g.output[1] * g.output[2]
    let rows = g.cin * g.taps
    let framesPerChunk = max(1, min(g.output[0], (8 << 20) / max(1, rows * outPlane)))
    let paddedInput = Tensor(zeros: [g.cin * volume], dtype: .float32)
    let columns = Tensor(uninitialized: [rows, framesPerChunk * outPlane], dtype: .float32)
    let padBase = paddedInput.storage.hostPointer!.assumingMemoryBound(to: Float.self)
    let colBase = columns.storage.hostPointer!.assumingMemoryBound(to: Float.self)
    let outBase = out.storage.hostPointer!.assumingMemoryBound(to: Float.self)
    let outVolume = g.output[0] * outPlane
    let filterLayout = MatrixLayout.contiguous([g.cout, rows], .float32)
    for b in 0..<g.batch {
        copyPadded(x, batch: b, g, into: padBase)
        var t0 = 0
        while t0 < g.output[0] {
            let frames = min(framesPerChunk, g.output[0] - t0)
            let width = frames * outPlane
            parallelFor(rows) { range in
                for row in range {
                    let c = row / g.taps, tap = row % g.taps
                    let dt = tap / (g.kernel[1] * g.kernel[2]), dh = (tap / g.kernel[2]) % g.kernel[1], dw = tap % g.kernel[2]
                    let dstRow = colBase + row * width
                    for f in 0..<frames {
                        let ti = (t0 + f) * g.stride[0] + dt
                        for ho in 0..<g.output[1] {
                            let source = padBase + c * volume + ti * plane + (ho * g.stride[1] + dh) * padded[2] + dw
                            let target = dstRow + f * outPlane + ho * g.output[2]
                            for wo in 0..<g.output[2] { target[wo] = source[wo * g.stride[2]] }
                        }
                    }
                }
            }
            let target = outBase + b * g.cout * outVolume + t0 * outPlane
            fillRows(target, rows: g.cout, length: width, stride: outVolume, with: bias)
            try gemm(src: filterLayout, weight.storage.hostPointer!,
                     weights: MatrixLayout(dims: [rows, width], strides: [width, 1], dtype: .float32), colBase,
                     bias: nil, nil, dst: MatrixLayout(dims: [g.cout, width], strides: [outVolume, 1], dtype: .float32),
                     target, accumulate: true, op: "conv3d")
            t0 += frames
        }
    }
}

/// Sets row r of a strided matrix to bias[r] (or zero).
private func fillRows(_ base: UnsafeMutablePointer<Float>, rows: Int, length: Int, stride: Int, with bias: Tensor?) {
    let values = bias?.storage.hostPointer?.assumingMemoryBound(to: Float.self)
    parallelFor(rows) { range in
        for r in range { (base + r * stride).update(repeating: values?[r] ?? 0, count: length) }
    }
}

/// Copies batch item `b` of `x` into the zero-padded `[Cin, Tp, Hp, Wp]` buffer (its padding stays zero).
private func copyPadded(_ x: Tensor, batch b: Int, _ g: ConvGeometry, into target: UnsafeMutablePointer<Float>) {
    let padded = g.paddedInput
    let plane = padded[1] * padded[2], volume = padded[0] * plane
    let inPlane = g.input[1] * g.input[2], inVolume = g.input[0] * inPlane
    let source = x.storage.hostPointer!.assumingMemoryBound(to: Float.self) + b * g.cin * inVolume
    parallelFor(g.cin * g.input[0]) { range in
        for index in range {
            let c = index / g.input[0], t = index % g.input[0]
            for h in 0..<g.input[1] {
                let from = source + c * inVolume + t * inPlane + h * g.input[2]
                let to = target + c * volume + (t + g.padding[0].before) * plane
                    + (h + g.padding[1].before) * padded[2] + g.padding[2].before
                to.update(from: from, count: g.input[2])
            }
        }
    }
}

/// Copies the valid part of the padded-grid result into the output tensor.
private func cropGrid(_ grid: UnsafeMutablePointer<Float>, _ g: ConvGeometry, batch b: Int, into out: Tensor) {
    let padded = g.paddedInput
    let plane = padded[1] * padded[2]
    let outPlane = g.output[1] * g.output[2], outVolume = g.output[0] * outPlane
    let target = out.storage.hostPointer!.assumingMemoryBound(to: Float.self) + b * g.cout * outVolume
    let positions = g.output[0] * plane
    parallelFor(g.cout * g.output[0]) { range in
        for index in range {
            let c = index / g.output[0], t = index % g.output[0]
            for h in 0..<g.output[1] {
                (target + c * outVolume + t * outPlane + h * g.output[2])
                    .update(from: grid + c * positions + t * plane + h * padded[2], count: g.output[2])
            }
        }
    }
}
