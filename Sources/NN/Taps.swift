import Synchronization
import Tensor

/// Named intermediates (llama.cpp's `cb(cur, "attn_norm", il)`): a model records tensors under
/// stable names (`blocks.3.attn1.out`) while it runs, and the fixture scripts save the reference's
/// tensors under the same names, so a divergence is found by comparing name by name.
///
/// Recording is off unless a model is handed a `Taps`; `filter` keeps only the names wanted, so a
/// long run can keep just a few tensors alive.
public final class Taps: Sendable {
    private let recorded = Mutex([String: Tensor]())
    private let order = Mutex([String]())
    private let filter: @Sendable (String) -> Bool

    /// Records every tensor whose name `filter` accepts (all of them by default).
    public init(filter: @escaping @Sendable (String) -> Bool = { _ in true }) {
        self.filter = filter
    }

    /// Whether `name` would be kept; lets a model skip a download or copy nobody asked for.
    public func wants(_ name: String) -> Bool { filter(name) }

    /// Records `tensor` under `name`, replacing an earlier tensor of that name.
    public func record(_ name: String, _ tensor: Tensor) {
        guard filter(name) else { return }
        let isNew = recorded.withLock { table in
            defer { table[name] = tensor }
            return table[name] == nil
        }
        if isNew { order.withLock { $0.append(name) } }
    }

    /// The tensor recorded under `name`, or nil.
    public subscript(_ name: String) -> Tensor? { recorded.withLock { $0[name] } }

    /// The recorded names in the order they were first recorded.
    public var names: [String] { order.withLock { $0 } }
}

extension Optional where Wrapped == Taps {
    /// Records `tensor` under `name` when there are taps (`taps.record(...)` without unwrapping).
    public func record(_ name: @autoclosure () -> String, _ tensor: Tensor) {
        guard case .some(let taps) = self else { return }
        taps.record(name(), tensor)
    }
}
