import NN
import Tensor

/// TAEHV's `MemBlock` with equal input and output widths (the only kind the base decoder has, so
/// its skip is the identity): `ReLU(conv(ReLU(conv(ReLU(conv(cat(x, past)))))) + x)`, where `past`
/// is this block's input at the previous time step (zeros at the first).
///
/// Checkpoint keys: `conv.0.*` (`[n, 2n, 3, 3]`), `conv.2.*`, `conv.4.*` (`[n, n, 3, 3]`), with biases.
struct MemoryBlock: Sendable {
    let conv0: Conv2d
    let conv2: Conv2d
    let conv4: Conv2d

    init(scope: WeightScope, width: Int, dtype: DType) throws {
        let conv = scope["conv"]
        conv0 = try Conv2d(scope: conv[0], inChannels: 2 * width, outChannels: width, kernel: [3, 3], padding: [1, 1], dtype: dtype)
        conv2 = try Conv2d(scope: conv[2], inChannels: width, outChannels: width, kernel: [3, 3], padding: [1, 1], dtype: dtype)
        conv4 = try Conv2d(scope: conv[4], inChannels: width, outChannels: width, kernel: [3, 3], padding: [1, 1], dtype: dtype)
    }

    /// `x [B, n, H, W]`, `past [B, n, H, W]` → `[B, n, H, W]`.
    func callAsFunction(_ x: Tensor, past: Tensor, on backend: any Backend) throws -> Tensor {
        var h = try backend.concat([x, past], axis: 1)  // [B, 2n, H, W]
        h = try relu(try conv0(h, on: backend), on: backend)  // [B, n, H, W]
        h = try relu(try conv2(h, on: backend), on: backend)  // [B, n, H, W]
        h = try conv4(h, on: backend)  // [B, n, H, W]
        return try relu(try backend.add(h, x), on: backend)  // [B, n, H, W]
    }
}

/// TAEHV's `TGrow`: a bias-free 1×1 convolution from `n` to `n·stride` channels whose output holds
/// `stride` consecutive time steps, channel block `j` being step `j`.
///
/// Checkpoint key: `conv.weight`, `[n·stride, n, 1, 1]`. A checkpoint trained with more time steps
/// here (more rows) is cut to its last `n·stride` rows, as the reference does when it loads.
struct TimeGrow: Sendable {
    let conv: Conv2d
    let width: Int
    let stride: Int

    init(scope: WeightScope, width: Int, stride: Int, dtype: DType) throws {
        self.width = width
        self.stride = stride
        let rows = width * stride
        let scope = scope["conv"]
        let weight: Tensor
        if let stored = scope.shape(of: "weight"), stored.count == 4, stored[0] > rows, stored[0] % width == 0,
           Array(stored[1...]) == [width, 1, 1] {
            // Read on the host, cut, then uploaded like any other weight.
            let file = scope.fileKey("weight")
            let full = try scope.source.tensor(named: file, as: .float32).floats()  // [m·n·n] (of [m·n, n, 1, 1])
            scope.usage.markUsed(file)
            let cut = try Tensor(Array(full.suffix(rows * width)), shape: [rows, width, 1, 1], dtype: dtype)  // [n·stride, n, 1, 1]
            weight = try scope.backend.map { try $0.upload(cut) } ?? cut
        } else {
            weight = try scope.tensor("weight", shape: [rows, width, 1, 1], dtype: dtype)  // [n·stride, n, 1, 1]
        }
        conv = Conv2d(weight: weight, bias: nil)
    }

    /// `x [B, n, H, W]` → `stride` tensors `[B, n, H, W]`, in time order.
    func callAsFunction(_ x: Tensor, on backend: any Backend) throws -> [Tensor] {
        let grown = try conv(x, on: backend)  // [B, n·stride, H, W]
        guard stride > 1 else { return [grown] }
        return try (0..<stride).map { try backend.slice(grown, axis: 1, start: $0 * width, end: ($0 + 1) * width) }  // [B, n, H, W] each
    }
}

/// `max(x, 0)` elementwise.
func relu(_ x: Tensor, on backend: any Backend) throws -> Tensor {
    try backend.binary(.maximum, x, try backend.upload(Tensor(zeros: [1], dtype: x.dtype)))
}
