import CDNNL
import Synchronization

// The pieces every oneDNN primitive here is built from: attributes with a user scratchpad, the
// primitive descriptor, a stream per call, and a created primitive run on host pointers.

/// Primitive attributes in user-scratchpad mode (the caller destroys them). oneDNN's default
/// scratchpad is one buffer shared by every primitive: two threads running primitives at once
/// (parallel tests, a server running two jobs) would write into each other's scratch. With a user
/// scratchpad each call brings its own.
func userScratchpadAttributes() throws(DNNLError) -> dnnl_primitive_attr_t {
    var attr: dnnl_primitive_attr_t? = nil
    guard dnnl_primitive_attr_create(&attr) == dnnl_success, let attr else { throw .failed("dnnl_primitive_attr_create failed") }
    guard dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) == dnnl_success else {
        dnnl_primitive_attr_destroy(attr)
        throw .failed("oneDNN user scratchpad could not be set up")
    }
    return attr
}

/// The primitive descriptor of an op descriptor `desc` with `attr` (the caller destroys it);
/// `unimplemented` when oneDNN has no kernel for it on this CPU.
func primitiveDescriptor(_ desc: UnsafeRawPointer, _ attr: dnnl_primitive_attr_t,
                         _ engine: dnnl_engine_t) throws(DNNLError) -> dnnl_primitive_desc_t {
    var pd: dnnl_primitive_desc_t? = nil
    let status = dnnl_primitive_desc_create(&pd, desc, attr, engine, nil)
    if status == dnnl_unimplemented { throw .unimplemented }
    guard status == dnnl_success, let pd else { throw .failed("dnnl_primitive_desc_create returned \(status.rawValue)") }
    return pd
}

/// A stream for one call (the caller destroys it): oneDNN streams are not meant to be shared by
/// threads running at once, and on the CPU engine one costs a small allocation.
func callStream(_ engine: dnnl_engine_t) throws(DNNLError) -> dnnl_stream_t {
    var stream: dnnl_stream_t? = nil
    guard dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success,
          let stream else { throw .failed("dnnl_stream_create failed") }
    return stream
}

/// A primitive with a user scratchpad, run with one set of memory arguments at a time per stream.
/// Safe to run from several threads at once (each on its own stream): scratch memory is per call.
final class DNNLExecutable: @unchecked Sendable {
    private let primitive: dnnl_primitive_t
    private var scratchpad: dnnl_memory_desc_t
    private let scratchpadBytes: Int

    init(_ pd: dnnl_primitive_desc_t) throws(DNNLError) {
        var primitive: dnnl_primitive_t? = nil
        guard dnnl_primitive_create(&primitive, pd) == dnnl_success, let primitive else {
            throw .failed("dnnl_primitive_create failed")
        }
        self.primitive = primitive
        if let scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) {
            scratchpad = scratch.pointee
            scratchpadBytes = dnnl_memory_desc_get_size(scratch)
        } else {
            scratchpad = dnnl_memory_desc_t()
            scratchpadBytes = 0
        }
    }

    deinit { dnnl_primitive_destroy(primitive) }

    func run(engine: dnnl_engine_t, stream: dnnl_stream_t,
             _ arguments: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)]) throws(DNNLError) {
        var memories: [dnnl_memory_t?] = []
        defer { for memory in memories { if let memory { dnnl_memory_destroy(memory) } } }
        var args: [dnnl_exec_arg_t] = []
        let scratch = scratchpadBytes > 0 ? UnsafeMutableRawPointer.allocate(byteCount: scratchpadBytes, alignment: 64) : nil
        defer { scratch?.deallocate() }
        var all = arguments
        if let scratch { all.append((Int32(DNNL_ARG_SCRATCHPAD), scratchpad, scratch)) }
        for (id, layout, data) in all {
            var layout = layout
            var memory: dnnl_memory_t? = nil
            guard dnnl_memory_create(&memory, &layout, engine, data) == dnnl_success else {
                throw .failed("dnnl_memory_create failed")
            }
            memories.append(memory)
            args.append(dnnl_exec_arg_t(arg: id, memory: memory))
        }
        guard dnnl_primitive_execute(primitive, stream, Int32(args.count), &args) == dnnl_success,
              dnnl_stream_wait(stream) == dnnl_success else {
            throw .failed("dnnl_primitive_execute failed")
        }
    }
}

/// A reorder from `from` to `to`, or nil when the two layouts are the same.
func reorderExecutable(_ from: dnnl_memory_desc_t, _ to: dnnl_memory_desc_t, _ engine: dnnl_engine_t) throws(DNNLError) -> DNNLExecutable? {
    var (from, to) = (from, to)
    if dnnl_memory_desc_equal(&from, &to) != 0 { return nil }
    let attr = try userScratchpadAttributes()
    defer { dnnl_primitive_attr_destroy(attr) }
    var pd: dnnl_primitive_desc_t? = nil
    let status = dnnl_reorder_primitive_desc_create(&pd, &from, engine, &to, engine, attr)
    if status == dnnl_unimplemented { throw .unimplemented }
    guard status == dnnl_success, let pd else { throw .failed("dnnl_reorder_primitive_desc_create returned \(status.rawValue)") }
    defer { dnnl_primitive_desc_destroy(pd) }
    return try DNNLExecutable(pd)
}

/// Created primitives by their exact key, at most `limit` of them (the whole cache is dropped when a
/// pathological stream of shapes fills it): creation happens once per shape.
final class PrimitiveCache<Key: Hashable & Sendable, Primitive>: @unchecked Sendable {
    private let entries = Mutex<[Key: Primitive]>([:])
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// The cached primitive for `key`, or the one `create` makes, then kept.
    func primitive(for key: Key, create: (Key) throws(DNNLError) -> Primitive) throws(DNNLError) -> Primitive {
        try entries.withLock { cache throws(DNNLError) -> Primitive in
            if let cached = cache[key] { return cached }
            let created = try create(key)
            if cache.count >= limit { cache.removeAll() }
            cache[key] = created
            return created
        }
    }
}
