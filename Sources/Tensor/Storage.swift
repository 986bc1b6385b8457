#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory that backs one or more tensors. Host memory is 64-byte aligned so SIMD loads and the GEMM
/// library see aligned rows; it is either owned (and freed here) or borrowed from an `owner` that
/// keeps it alive (a memory-mapped weight file, say).
public final class Storage: @unchecked Sendable {
    /// Size in bytes.
    public let byteCount: Int
    /// Where the bytes live.
    public let location: Location
    private let owned: Bool
    private let owner: AnyObject?

    /// Where a storage's bytes live.
    public enum Location: @unchecked Sendable {
        /// Host memory the CPU reads directly.
        case host(UnsafeMutableRawPointer)
        /// Memory a non-host backend owns; the handle is that backend's.
        case device(any DeviceMemory)
    }

    /// Allocates `byteCount` bytes of 64-byte aligned host memory, zero-filled unless `zeroed` is false
    /// (for outputs an op overwrites entirely).
    public init(hostByteCount byteCount: Int, zeroed: Bool = true) {
        precondition(byteCount >= 0, "negative byte count")
        let pointer = HostAllocator.shared.allocate(byteCount)
        if zeroed { memset(pointer, 0, max(byteCount, 1)) }
        self.byteCount = byteCount
        self.location = .host(pointer)
        self.owned = true
        self.owner = nil
    }

    /// Wraps host memory that `owner` keeps alive; nothing is copied or freed here.
    public init(borrowing pointer: UnsafeMutableRawPointer, byteCount: Int, owner: AnyObject) {
        self.byteCount = byteCount
        self.location = .host(pointer)
        self.owned = false
        self.owner = owner
    }

    /// Wraps memory a device backend allocated.
    public init(device memory: any DeviceMemory) {
        self.byteCount = memory.byteCount
        self.location = .device(memory)
        self.owned = false
        self.owner = nil
    }

    deinit {
        if owned, case .host(let pointer) = location { HostAllocator.shared.release(pointer, byteCount: byteCount) }
    }

    /// Frees the host blocks kept for reuse by the caching allocator.
    public static func trimHostCache() { HostAllocator.shared.trim() }

    /// The host pointer, or nil when the bytes live on a device.
    public var hostPointer: UnsafeMutableRawPointer? {
        if case .host(let pointer) = location { return pointer }
        return nil
    }
}

/// A device allocation (CUDA memory, say). Backends other than the CPU implement this.
public protocol DeviceMemory: AnyObject, Sendable {
    /// Size in bytes.
    var byteCount: Int { get }
    /// The backend's name, for error messages ("cuda:0").
    var deviceName: String { get }
}
