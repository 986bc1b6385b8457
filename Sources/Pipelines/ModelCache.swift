import Synchronization

/// Loaded model components kept between generations, within a memory budget: a long-lived process
/// (the server's worker) pays each load once instead of once a job. ``Generator`` asks it for every
/// component a stage needs; without one, each component is loaded when its stage starts and
/// released when it ends, as the CLI runs.
///
/// A component's size is the sum of its weight tensors' bytes, as loaded (in the precision it runs
/// at). Components stay while their total fits in ``budgetBytes``; the least recently used go first.
/// Room is made *before* a load, from the size the component had last time or an estimate from its
/// weight files' headers, so the models in memory never exceed the budget plus the one loading. A
/// component larger than the budget empties the cache, is used, and is dropped, so the models in
/// memory never exceed the larger of the budget and the largest component. A budget of 0 keeps
/// nothing: every stage loads its model as it would without a cache.
///
/// Thread safety: the components are immutable once loaded and `Sendable` (their only shared mutable
/// state, the transformer's rotary-table cache, is behind a lock), so generations running at once
/// share them. Loads happen one at a time (a generation waiting for another's load finds its
/// component loaded when that is the one it needs), and a cache hit never waits for a load.
/// Eviction drops the cache's reference only: a generation still using an evicted component keeps
/// it until its stage ends, so concurrent generations can hold more than the budget between them.
///
/// ```swift
/// let generator = Generator(store: store, backend: CPUBackend(), cache: ModelCache(budgetBytes: 24 << 30))
/// print(generator.cache?.description ?? "")  // "models: 4 loaded, 21.3 of 24.0 GiB"
/// ```
public final class ModelCache: Sendable {
    /// The most bytes of components kept between uses.
    public let budgetBytes: Int

    private let state = Mutex(State())
    /// Held while a component loads, so loads happen one at a time and the room made for one is not
    /// taken by another.
    private let loading = Mutex(())

    /// A cache that keeps up to `budgetBytes` of components (a negative budget counts as 0).
    public init(budgetBytes: Int) {
        self.budgetBytes = max(budgetBytes, 0)
    }

    /// The bytes of the components held now.
    public var loadedBytes: Int { state.withLock { $0.loadedBytes } }

    /// The components held now, least recently used first.
    public var entries: [Entry] {
        state.withLock { state in state.order.compactMap { key in state.resident[key].map { Entry(key: key, bytes: $0.bytes) } } }
    }

    /// How many loads the cache has run (each miss; hits are not loads).
    public var loadCount: Int { state.withLock { $0.loads.values.reduce(0, +) } }

    /// How many times the cache has loaded `key`.
    public func loadCount(of key: Key) -> Int { state.withLock { $0.loads[key] ?? 0 } }

    /// Drops every component the cache holds (the load counts and remembered sizes stay).
    public func removeAll() {
        state.withLock { $0.evict(toFit: Int.max, budget: budgetBytes) }
    }

    /// The component `key` names: the one held, or `load()`'s result, which is kept when its bytes
    /// fit the budget. `estimatedBytes` is asked, before the first load of `key` only, how large the
    /// component will be, so that room is made before loading; `load` returns the component and its
    /// measured bytes. Errors from either are rethrown and leave the cache as it was, less what was
    /// evicted to make room. `load` must not call back into the cache.
    public func component<Value: Sendable>(_ key: Key, estimatedBytes: () throws -> Int,
                                           load: () throws -> (value: Value, bytes: Int)) throws -> Value {
        if let held: Value = hit(key) { return held }
        return try loading.withLock { _ throws -> Value in
            // Another generation may have loaded it while this one waited.
            if let held: Value = hit(key) { return held }
            let expected = try state.withLock { $0.measured[key] } ?? estimatedBytes()
            state.withLock { $0.evict(toFit: expected, budget: budgetBytes) }
            let (value, bytes) = try load()
            state.withLock { state in
                state.loads[key, default: 0] += 1
                state.measured[key] = bytes
                guard bytes <= budgetBytes, budgetBytes > 0 else { return }
                state.evict(toFit: bytes, budget: budgetBytes)
                state.insert(key, Resident(value: value, bytes: bytes))
            }
            return value
        }
    }

    /// The held component `key`, marked as just used; nil when it is not held (or is another type).
    private func hit<Value: Sendable>(_ key: Key) -> Value? {
        state.withLock { state in
            guard let value = state.resident[key]?.value as? Value else { return nil }
            state.touch(key)
            return value
        }
    }
}

extension ModelCache: CustomStringConvertible {
    /// One line for a status display: `models: 3 loaded, 1.2 of 4.0 GiB`.
    public var description: String {
        let (count, bytes) = state.withLock { ($0.resident.count, $0.loadedBytes) }
        let unit: (divisor: Double, name: String) = budgetBytes >= 1 << 30 ? (Double(1 << 30), "GiB") : (Double(1 << 20), "MiB")
        return "models: \(count) loaded, \(byteText(bytes, unit)) of \(byteText(budgetBytes, unit)) \(unit.name)"
    }
}

extension ModelCache {
    /// Which component of which model, at which precision: what the cache holds things by.
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        /// The parts of a model a generation loads on their own.
        public enum Component: String, Hashable, Sendable, CaseIterable {
            case tokenizer
            case textEncoder = "text encoder"
            case transformer
            /// The VAE's encoder half (for the inputs of image, remix and edit modes).
            case vaeEncoder = "VAE encoder"
            /// The VAE's decoder half.
            case vaeDecoder = "VAE decoder"
            /// A TAEHV tiny decoder, used in place of the VAE's decoder.
            case tinyDecoder = "tiny decoder"
            /// The CLIP image encoder of an image-to-video model.
            case imageEncoder = "image encoder"
        }

        /// The model's folder.
        public var model: String
        /// The single weight file that replaces the folder's weights for this component, if any.
        public var file: String?
        /// Which part.
        public var component: Component
        /// The precision it is held in (`"bf16"`, `"f32"`), empty for the tokenizer.
        public var precision: String
        /// The LoRA files merged into it, in order (the transformer's; empty for the others).
        public var loras: [LoRA]

        public init(model: String, file: String? = nil, component: Component, precision: String, loras: [LoRA] = []) {
            self.model = model
            self.file = file
            self.component = component
            self.precision = precision
            self.loras = loras
        }

        /// `models/zoetrope-tiny transformer bf16`, with the replacing file in brackets when there is
        /// one and the LoRAs after a plus: `+ style.safetensors:0.8`.
        public var description: String {
            let source = file.map { "\(model) [\($0)]" } ?? model
            let loraText = loras.isEmpty ? "" : " + " + loras.map(\.description).joined(separator: ", ")
            return "\(source) \(component.rawValue)" + (precision.isEmpty ? "" : " \(precision)") + loraText
        }
    }

    /// A component the cache holds.
    public struct Entry: Sendable, Equatable, CustomStringConvertible {
        /// What it is.
        public let key: Key
        /// Its weight tensors' bytes.
        public let bytes: Int

        /// `models/zoetrope-tiny transformer bf16: 13.6 MiB`.
        public var description: String { "\(key): \(byteText(bytes, (Double(1 << 20), "MiB"))) MiB" }
    }
}

/// The cache's bookkeeping, guarded by its mutex.
private struct State {
    var resident: [ModelCache.Key: Resident] = [:]
    /// The held keys, least recently used first.
    var order: [ModelCache.Key] = []
    var loadedBytes = 0
    /// Each key's bytes when it last loaded, to make room before it loads again.
    var measured: [ModelCache.Key: Int] = [:]
    var loads: [ModelCache.Key: Int] = [:]

    mutating func touch(_ key: ModelCache.Key) {
        order.removeAll { $0 == key }
        order.append(key)
    }

    mutating func insert(_ key: ModelCache.Key, _ resident: Resident) {
        if let old = self.resident.updateValue(resident, forKey: key) { loadedBytes -= old.bytes }
        loadedBytes += resident.bytes
        touch(key)
    }

    /// Drops the least recently used components until `bytes` more fit in `budget`; everything when
    /// `bytes` alone exceeds it.
    mutating func evict(toFit bytes: Int, budget: Int) {
        while let oldest = order.first, bytes > budget - loadedBytes {
            order.removeFirst()
            loadedBytes -= resident.removeValue(forKey: oldest)?.bytes ?? 0
        }
    }
}

private struct Resident: Sendable {
    let value: any Sendable
    let bytes: Int
}

/// `bytes` in `unit`, one decimal: `13.6`.
private func byteText(_ bytes: Int, _ unit: (divisor: Double, name: String)) -> String {
    let tenths = (Double(bytes) / unit.divisor * 10).rounded()
    return "\(Int(tenths) / 10).\(Int(tenths) % 10)"
}
