#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// A prompt's zero padding, folded into one row. WanPipeline pads the text encoder's states with zero
/// rows to 512 and attends over all of them; every zero row projects to the same text row, and so to
/// the same key and value in each cross-attention. The transformer keeps the real rows and one
/// padding row (per batch item, the rows up to the longest item's last real row, then one), and a
/// key bias of `log(copies)` gives each kept padding row the weight of the rows it stands for:
/// `softmax` over the 512 keys is the same sum, computed over L + 1 keys.
struct FoldedTextPadding {
    /// The context's rows (512 in Wan).
    let length: Int
    /// Rows kept: the longest batch item's real rows, plus one.
    let keptRows: Int
    /// Per batch item, its real rows (those before its trailing zero rows).
    let realRows: [Int]
    /// `[B, keptRows]` float32: 0 on real rows, `log(copies)` on the kept padding rows.
    let keyBias: Tensor

    /// The fold of `context [B, L, C]`, or nil when it saves nothing (a batch item with fewer than two
    /// trailing zero rows) or the context is not in host memory. A row counts as padding only when
    /// every byte is zero (+0.0), as WanPipeline writes it.
    init?(context: Tensor) throws {
        guard context.rank == 3, let base = context.storage.hostPointer else { return nil }
        let (batch, length) = (context.shape[0], context.shape[1])
        let rowBytes = context.shape[2] * context.dtype.byteSize
        guard batch > 0, length > 1, rowBytes > 0 else { return nil }
        let bytes = UnsafeRawPointer(base)
        func isZero(_ row: Int) -> Bool {
            let start = bytes + row * rowBytes
            var offset = 0
            while offset + 8 <= rowBytes {
                if start.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != 0 { return false }
                offset += 8
            }
            while offset < rowBytes {
                if start.load(fromByteOffset: offset, as: UInt8.self) != 0 { return false }
                offset += 1
            }
            return true
        }
        let realRows = (0..<batch).map { b in
            var rows = length
            while rows > 0 && isZero(b * length + rows - 1) { rows -= 1 }
            return rows
        }
        let keptRows = realRows.max()! + 1
        guard keptRows <= length - 1 else { return nil }
        var bias = [Float](repeating: 0, count: batch * keptRows)
        for (b, real) in realRows.enumerated() {
            // Rows real..<keptRows of this item are zero rows; together they stand for length - real.
            let copies = Double(length - real) / Double(keptRows - real)
            for row in real..<keptRows { bias[b * keptRows + row] = Float(log(copies)) }
        }
        self.length = length
        self.keptRows = keptRows
        self.realRows = realRows
        self.keyBias = try Tensor(bias, shape: [batch, keptRows])
    }

    /// The projected text `[B, keptRows, D]` with each item's padding row repeated back to the full
    /// length: `[B, L, D]`, what the unfolded projection gives (for taps).
    func unfolded(_ text: Tensor, on backend: any Backend) throws -> Tensor {
        let items = try realRows.enumerated().map { b, real in
            let item = try backend.slice(text, axis: 0, start: b, end: b + 1)  // [1, keptRows, D]
            let padRow = try backend.slice(item, axis: 1, start: real, end: real + 1)  // [1, 1, D]
            let zeros = try backend.upload(Tensor(zeros: [1, length - real, text.shape[2]], dtype: text.dtype))
            let padding = try backend.add(zeros, padRow)  // [1, L - real, D]
            return real == 0 ? padding : try backend.concat([try backend.slice(item, axis: 1, start: 0, end: real), padding], axis: 1)
        }
        return try backend.concat(items, axis: 0)  // [B, L, D]
    }
}
