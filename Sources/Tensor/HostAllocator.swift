#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A caching allocator for large host buffers. Freshly mapped memory costs a page fault per 4 KiB on
/// first touch, which for the tens of megabytes a transformer layer allocates per op is a visible
/// share of a GEMM's time; blocks of 1 MiB and up are therefore kept on free and handed out again for
/// the same rounded size. The cache holds at most `capacity` bytes (ZOETROPE_HOST_CACHE_MB, default
/// 2048); the oldest blocks go first when it is full.
final class HostAllocator: Sendable {
    static let shared = HostAllocator()

    private static let cachedMinimum = 1 << 20
    let capacity: Int
    private let state = Mutex(CacheState())

    /// Blocks are kept as addresses (`Int`), which are Sendable, and turned back into pointers outside the lock.
    private struct CacheState {
        var blocks: [Int: [Int]] = [:]
        var order: [(size: Int, address: Int)] = []
        var cachedBytes = 0
    }

    private init() {
        if let text = getenv("ZOETROPE_HOST_CACHE_MB"), let megabytes = Int(String(cString: text)), megabytes >= 0 {
            capacity = megabytes << 20
        } else {
            capacity = 2048 << 20
        }
    }

    /// The size actually reserved for a request of `byteCount` bytes; nil when rounding it up to
    /// whole 64 KiB pages overflows.
    static func roundedSize(_ byteCount: Int) -> Int? {
        let size = max(byteCount, 64)
        if size < cachedMinimum { return size }
        let page = 1 << 16
        let (padded, overflow) = size.addingReportingOverflow(page - 1)
        return overflow ? nil : padded / page * page
    }

    /// A 64-byte aligned block of `roundedSize(byteCount)` bytes, contents unspecified; nil when
    /// the size cannot be rounded or the system has no such block to give.
    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer? {
        guard let size = HostAllocator.roundedSize(byteCount) else { return nil }
        if size >= HostAllocator.cachedMinimum {
            let reused = state.withLock { cache -> Int? in
                guard var list = cache.blocks[size], let address = list.popLast() else { return nil }
                cache.blocks[size] = list
                cache.cachedBytes -= size
                if let index = cache.order.firstIndex(where: { $0.address == address }) { cache.order.remove(at: index) }
                return address
            }
            if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused) { return pointer }
        }
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, size) == 0 else { return nil }
        return raw
    }

    /// Returns a block from `allocate`.
    func release(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        guard let size = HostAllocator.roundedSize(byteCount), size >= HostAllocator.cachedMinimum, size <= capacity else {
            free(pointer)
            return
        }
        let address = Int(bitPattern: pointer)
        let evicted = state.withLock { cache -> [Int] in
            var evicted = [Int]()
            while cache.cachedBytes + size > capacity, !cache.order.isEmpty {
                let oldest = cache.order.removeFirst()
                if var list = cache.blocks[oldest.size], let index = list.firstIndex(of: oldest.address) {
                    list.remove(at: index)
                    cache.blocks[oldest.size] = list
                }
                cache.cachedBytes -= oldest.size
                evicted.append(oldest.address)
            }
            cache.blocks[size, default: []].append(address)
            cache.order.append((size, address))
            cache.cachedBytes += size
            return evicted
        }
        evicted.forEach { free(UnsafeMutableRawPointer(bitPattern: $0)) }
    }

    /// Frees every cached block (for memory-tight phases, and for measurements of live memory).
    func trim() {
        let all = state.withLock { cache -> [Int] in
            let addresses = cache.order.map(\.address)
            cache = CacheState()
            return addresses
        }
        all.forEach { free(UnsafeMutableRawPointer(bitPattern: $0)) }
    }
}

/// The host allocator's settings, for estimates of a run's memory.
public enum HostMemory {
    /// The most bytes of freed blocks the host allocator keeps for reuse (ZOETROPE_HOST_CACHE_MB,
    /// default 2048 MiB): a process's resident memory can exceed what it uses by this much.
    public static var cacheCapacityBytes: Int { HostAllocator.shared.capacity }
}
