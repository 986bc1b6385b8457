import Tensor
import Testing

/// Element counts and allocations of shapes that come from outside (issue 20): an overflowing or
/// impossible size is a thrown ``TensorError``, never a trap.
@Suite struct CheckedSizeTests {
    @Test func elementCountsAreOverflowChecked() {
        #expect(Tensor.checkedElementCount([2, 3, 4]) == 24)
        #expect(Tensor.checkedElementCount([]) == 1)
        #expect(Tensor.checkedElementCount([0, 1 << 62, 1 << 62]) == 0)
        #expect(Tensor.checkedElementCount([1, 4_611_686_018_427_387_904, 2]) == nil)
        #expect(Tensor.checkedElementCount([3, -1]) == nil)
        #expect(Tensor.checkedByteCount([1 << 61], dtype: .float32) == nil)
        #expect(Tensor.checkedByteCount([1 << 61], dtype: .bfloat16) == 1 << 62)
    }

    // `zoetrope bench matmul --tokens 4611686018427387904` asked for [tokens, 1536] floats.
    @Test func anUncountableShapeThrowsWhenAllocated() {
        let error = #expect(throws: TensorError.self) { try Tensor(allocating: [4_611_686_018_427_387_904, 1536]) }
        #expect(error == .allocationFailed(
            op: "Tensor", detail: "shape [4611686018427387904, 1536] of f32 has a negative axis or more elements than can be counted"))
        #expect(throws: TensorError.self) { try Tensor([1, 2], shape: [1 << 62, 1 << 62]) }
        #expect(throws: TensorError.self) { try Tensor(zeros: [2]).reshaped([-1, 1 << 62, 1 << 62]) }
    }

    // posix_memalign refuses 2^62 bytes; Int.max cannot even be rounded to whole pages.
    @Test(arguments: [1 << 62, Int.max, -1])
    func anImpossibleAllocationThrows(_ bytes: Int) {
        #expect(throws: TensorError.self) { try Storage(allocatingHostBytes: bytes) }
    }

    @Test func aPossibleAllocationIsZeroed() throws {
        let tensor = try Tensor(allocating: [3, 5], dtype: .bfloat16)
        #expect(tensor.shape == [3, 5] && tensor.byteCount == 30 && tensor.floats() == [Float](repeating: 0, count: 15))
    }
}
