import Pipelines
import Testing

/// The cache's bookkeeping on stand-in components of known sizes: least recently used out first,
/// room made before a load, components over the budget used and dropped.
@Suite struct ModelCacheTests {
    let cache = ModelCache(budgetBytes: 100)

    static func key(_ name: String) -> ModelCache.Key {
        ModelCache.Key(model: name, component: .transformer, precision: "f32")
    }

    /// Component `name` of `bytes` (estimated as `estimate`, else exactly); `whileLoading` runs inside the load.
    @discardableResult
    func get(_ name: String, _ bytes: Int, estimate: Int? = nil, whileLoading: () -> Void = {}) throws -> String {
        try cache.component(Self.key(name), estimatedBytes: { estimate ?? bytes }) {
            whileLoading()
            return (name, bytes)
        }
    }

    var held: [String] { cache.entries.map(\.key.model) }

    @Test func evictsTheLeastRecentlyUsedBeforeLoading() throws {
        try get("a", 40)
        try get("b", 40)
        #expect(held == ["a", "b"] && cache.loadedBytes == 80)
        #expect(try get("a", 40) == "a")
        #expect(held == ["b", "a"] && cache.loadCount(of: Self.key("a")) == 1)
        // c needs 40 more: b, now the least recently used, goes before c loads.
        try get("c", 40, whileLoading: { #expect(held == ["a"]) })
        #expect(held == ["a", "c"] && cache.loadedBytes == 80 && cache.loadCount == 3)
        #expect(cache.entries.map(\.bytes) == [40, 40])
    }

    @Test func aComponentOverTheBudgetEmptiesTheCacheAndIsNotKept() throws {
        try get("a", 40)
        try get("big", 150, whileLoading: { #expect(held.isEmpty && cache.loadedBytes == 0) })
        #expect(held.isEmpty && cache.loadedBytes == 0)
        try get("big", 150)
        #expect(cache.loadCount(of: Self.key("big")) == 2)
    }

    @Test func aLoadMakesRoomForTheSizeMeasuredLastTime() throws {
        try get("a", 60)
        try get("b", 30)
        // Estimated at 10, nothing need go before it loads; measured at 50, a goes after.
        try get("c", 50, estimate: 10, whileLoading: { #expect(held == ["a", "b"]) })
        #expect(held == ["b", "c"] && cache.loadedBytes == 80)
        cache.removeAll()
        #expect(held.isEmpty && cache.loadedBytes == 0)
        try get("b", 30)
        try get("d", 40)
        // Now c's 50 bytes are known: b goes before c loads again.
        try get("c", 50, estimate: 10, whileLoading: { #expect(held == ["d"]) })
        #expect(held == ["d", "c"])
    }

    @Test func aFailedLoadKeepsNothingAndCountsNoLoad() throws {
        struct Failure: Error {}
        try get("a", 40)
        #expect(throws: Failure.self) {
            try cache.component(Self.key("b"), estimatedBytes: { 40 }) { () throws -> (value: String, bytes: Int) in throw Failure() }
        }
        #expect(held == ["a"] && cache.loadCount == 1)
    }

    @Test func aBudgetOfZeroKeepsNothing() throws {
        let none = ModelCache(budgetBytes: 0)
        for _ in 0..<2 {
            _ = try none.component(Self.key("a"), estimatedBytes: { 1 }) { ("a", 1) }
        }
        #expect(none.entries.isEmpty && none.loadedBytes == 0 && none.loadCount(of: Self.key("a")) == 2)
    }

    @Test func describesItselfInOneLine() throws {
        let big = ModelCache(budgetBytes: 2 << 30)
        _ = try big.component(Self.key("m"), estimatedBytes: { 0 }) { ("m", 3 << 29) }
        #expect(big.description == "models: 1 loaded, 1.5 of 2.0 GiB")
        #expect(big.entries.map(\.description) == ["m transformer f32: 1536.0 MiB"])
    }
}
