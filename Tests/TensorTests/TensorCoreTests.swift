import Testing
import Tensor

@Suite struct TensorCoreTests {
    @Test func emptyTensorsConstructAndRead() throws {
        let empty = try Tensor([], shape: [0, 3])
        #expect(empty.count == 0)
        #expect(empty.floats().isEmpty)
        let filled = Tensor(filling: 2, shape: [2, 0])
        #expect(filled.floats().isEmpty)
    }

    @Test func valuesRoundToTheStorageType() throws {
        // torch.tensor([1.0, 1.00390625, 1.01171875, -3.3]).bfloat16().float() -> [1.0, 1.0, 1.015625, -3.296875]
        let t = try Tensor([1.0, 1.00390625, 1.01171875, -3.3], shape: [4], dtype: .bfloat16)
        #expect(t.floats() == [1.0, 1.0, 1.015625, -3.296875])
        let h = try Tensor([65504, 1e-8, 0.1], shape: [3], dtype: .float16)
        #expect(h.floats() == [65504, 0, Float(Float16(0.1))])
    }

    @Test func reshapeInfersOneAxisAndRejectsBadCounts() throws {
        let t = Tensor(zeros: [2, 3, 4])
        #expect(try t.reshaped([6, -1]).shape == [6, 4])
        #expect(throws: TensorError.self) { try t.reshaped([5, -1]) }
        #expect(throws: TensorError.self) { try t.reshaped([2, 2]) }
        #expect(throws: TensorError.self) { try Tensor([1, 2, 3], shape: [2, 2]) }
    }

    @Test func largeBuffersAreReusedZeroed() throws {
        // Blocks of 1 MiB and up come back from the caching allocator; a zeroed tensor must still be zero.
        do {
            let dirty = Tensor(filling: 7, shape: [1 << 19])
            #expect(dirty.floats()[12345] == 7)
        }
        let clean = Tensor(zeros: [1 << 19])
        #expect(clean.floats().allSatisfy { $0 == 0 })
    }
}
