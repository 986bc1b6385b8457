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
    /// Traps when the memory cannot be had; ``init(allocatingHostBytes:zeroed:)`` throws instead.
    public convenience init(hostByteCount byteCount: Int, zeroed: Bool = true) {
        precondition(byteCount >= 0, "negative byte count")
        guard let pointer = HostAllocator.shared.allocate(byteCount) else {
            fatalError("out of memory allocating \(byteCount) bytes")
        }
        self.init(owning: pointer, byteCount: byteCount, zeroed: zeroed)
    }

    /// Allocates as ``init(hostByteCount:zeroed:)`` does, but throws
    /// ``TensorError/allocationFailed(op:detail:)`` for a negative size or when the memory cannot be had.
    public convenience init(allocatingHostBytes byteCount: Int, zeroed: Bool = true) throws {
        guard byteCount >= 0 else {
            throw TensorError.allocationFailed(op: "Storage", detail: "cannot allocate a negative size, \(byteCount) bytes")
        }
        guard let pointer = HostAllocator.shared.allocate(byteCount) else {
            throw TensorError.allocationFailed(op: "Storage", detail: "out of memory allocating \(byteCount) bytes")
        }
        self.init(owning: pointer, byteCount: byteCount, zeroed: zeroed)
    }

    private init(owning pointer: UnsafeMutableRawPointer, byteCount: Int, zeroed: Bool) {
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
