import CPUBackend
import Tensor
import TestSupport
import Testing
import UMT5

/// The bidirectional bucket function against transformers' `UMT5Attention._relative_position_bucket`
/// (Tests/Fixtures/umt5/buckets.safetensors: `buckets_<num>_<max>.relative` and `.bucket`, every
/// relative position out to several times the max distance).
@Suite struct RelativePositionBucketTests {
    static let tables = [(32, 128), (12, 20), (16, 32), (10, 50), (64, 512)]

    @Test(arguments: tables)
    func bucketsMatchTransformers(numBuckets: Int, maxDistance: Int) throws {
        let file = try SafeTensorsFile(path: umt5FixturePath("buckets.safetensors"))
        let prefix = "buckets_\(numBuckets)_\(maxDistance)"
        let relative = try file.tensor(named: "\(prefix).relative").floats().map { Int($0) }
        let expected = try file.tensor(named: "\(prefix).bucket").floats().map { Int($0) }
        let actual = relative.map {
            UMT5Encoder.relativePositionBucket($0, numBuckets: numBuckets, maxDistance: maxDistance)
        }
        let wrong = zip(relative, zip(actual, expected)).filter { $1.0 != $1.1 }
        #expect(wrong.isEmpty, "\(prefix): \(wrong.prefix(5).map { "r \($0.0): \($0.1.0) != \($0.1.1)" })")
        // Every bucket but `numBuckets / 2`: distance 0 falls in the lower half, so the upper half's
        // first bucket stays unused (as in transformers).
        #expect(Set(expected) == Set(0..<numBuckets).subtracting([numBuckets / 2]), "\(prefix): buckets used")
    }

    // Spec 3.2's table for umt5-xxl: offsets 8 (8–11), 9 (12–15), 10 (16–22), 11 (23–31),
    // 12 (32–45), 13 (46–63), 14 (64–90), 15 from 91; keys after the query add 16.
    @Test func umt5XXLOffsets() {
        func bucket(_ r: Int) -> Int { UMT5Encoder.relativePositionBucket(r, numBuckets: 32, maxDistance: 128) }
        let starts = [(8, 8), (12, 9), (16, 10), (23, 11), (32, 12), (46, 13), (64, 14), (91, 15)]
        for (distance, offset) in starts {
            #expect(bucket(-distance) == offset && bucket(distance) == 16 + offset)
            #expect(bucket(-(distance - 1)) == offset - 1, "distance \(distance - 1) starts no new bucket")
        }
        #expect(bucket(-100_000) == 15 && bucket(100_000) == 31)
        #expect(bucket(0) == 0 && bucket(1) == 17 && bucket(-1) == 1)
    }

    // The one-hot table puts exactly one 1 in each (query, key) column, in row bucket(j − i).
    @Test func oneHotTable() throws {
        let length = 5
        let table = try UMT5Encoder.relativePositionOneHot(length: length, numBuckets: 8, maxDistance: 3, dtype: .bfloat16)
        #expect(table.shape == [8, 25] && table.dtype == .bfloat16)
        let values = table.floats()
        for i in 0..<length {
            for j in 0..<length {
                let column = (0..<8).map { values[$0 * 25 + i * length + j] }
                let bucket = UMT5Encoder.relativePositionBucket(j - i, numBuckets: 8, maxDistance: 3)
                #expect(column == (0..<8).map { $0 == bucket ? 1 : 0 })
            }
        }
    }
}
