/// A restricted unpickler: it runs the pickle opcodes that `torch.save` emits for state dicts
/// (protocol 2, and the protocol 3-5 forms of the same operations) over plain values, and refuses
/// everything that could run code.
///
/// Only the globals of ``PickleGlobal/allowed(module:name:)`` can be named (`collections.OrderedDict`,
/// torch's tensor and parameter rebuilders, the typed storage classes, `torch.Size`); naming any other
/// (`os.system`, `builtins.eval`, a model class) stops the read at that opcode. `REDUCE` calls only
/// those, with the arguments they take; `BUILD` only sets state on a dict (and the state is dropped);
/// opcodes that make objects (`NEWOBJ`, `INST`, `OBJ`, ...) are refused. The memo, the stack, the
/// number of values built and every length are bounded, so whatever a hostile pickle's size, the
/// memory it can make the machine take beyond copies of its own strings stays under a gigabyte.
struct PickleMachine {
    /// The most memo entries (a large state dict uses ten or so per tensor).
    static let maximumMemo = 1 << 20
    /// The most values on the stack at once, marks included.
    static let maximumStack = 1 << 20
    /// The most values pushed in all (a 14B model's state dict pushes a few tens of thousands): this
    /// bounds the memory that containers filled from the memo can take, whatever the pickle's size.
    static let maximumPushes = 1 << 24

    private let bytes: UnsafeRawBufferPointer
    private let path: String
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var pushes = 0
    /// Every container made, to be emptied when the load ends.
    private var dicts: [PickleDict] = []
    private var lists: [PickleList] = []

    /// Runs the pickle in `bytes` (the file's `data.pkl`) to its `STOP` and calls `body` with the
    /// value it built. The value lives only during the call: afterwards every list and dict is
    /// emptied, so that containers a pickle made hold each other (or themselves) are not leaked.
    static func load<R>(_ bytes: UnsafeRawBufferPointer, path: String, _ body: (PickleValue) throws -> R) throws -> R {
        var machine = PickleMachine(bytes: bytes, path: path)
        defer {
            machine.stack = []
            machine.memo = [:]
            for dict in machine.dicts { dict.removeAll() }
            for list in machine.lists { list.items = [] }
        }
        return try body(try machine.run())
    }

    private init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    func failure(_ message: String) -> WeightFileError {
        WeightFileError(path: path, .checkpoint(message))
    }

    // MARK: - Reading the opcode stream

    private mutating func take(_ count: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - position else {
            throw failure("the pickle's \(what) of \(count) bytes at byte \(position) runs past its end (\(bytes.count) bytes)")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    private mutating func integer<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        T(littleEndian: try take(MemoryLayout<T>.size, what).loadUnaligned(as: T.self))
    }

    /// A length field, refused when it cannot fit in what is left of the pickle.
    private mutating func length<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> Int {
        let value = try integer(T.self, what + " length")
        guard value >= 0, UInt64(value) <= UInt64(bytes.count - position) else {
            throw failure("the pickle's \(what) claims \(value) bytes at byte \(position), more than the \(bytes.count - position) left")
        }
        return Int(value)
    }

    private mutating func utf8(_ count: Int, _ what: String) throws -> String {
        String(decoding: try take(count, what), as: UTF8.self)
    }

    /// A newline-terminated text argument (GLOBAL's module and name).
    private mutating func line(_ what: String) throws -> String {
        let start = position
        guard let newline = bytes[start...].firstIndex(of: 0x0A), newline - start <= 1024 else {
            throw failure("the pickle's \(what) at byte \(start) has no end of line within 1024 bytes")
        }
        position = newline + 1
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<newline]), as: UTF8.self)
    }

    /// LONG1 / LONG4: a little-endian two's-complement integer of `count` bytes, up to 8.
    private mutating func long(_ count: Int) throws -> Int {
        guard count <= 8 else { throw failure("the pickle holds an integer of \(count) bytes, larger than 64 bits") }
        let raw = try take(count, "integer")
        guard count > 0 else { return 0 }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(raw[i]) << (8 * UInt64(i)) }
        let shift = UInt64(64 - 8 * count)
        return Int(Int64(bitPattern: value << shift) >> Int64(shift))  // sign-extends
    }

    // MARK: - The stack

    private mutating func push(_ value: PickleValue) throws {
        guard stack.count + marks.count < Self.maximumStack else {
            throw failure("the pickle's stack grows past \(Self.maximumStack) values")
        }
        guard pushes < Self.maximumPushes else {
            throw failure("the pickle builds more than \(Self.maximumPushes) values, far more than a checkpoint holds")
        }
        pushes += 1
        stack.append(value)
    }

    private mutating func pop(_ opcode: String) throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw failure("the pickle's \(opcode) at byte \(position - 1) finds the stack empty")
        }
        return value
    }

    /// The values above the topmost mark, which is removed.
    private mutating func popToMark(_ opcode: String) throws -> [PickleValue] {
        guard let mark = marks.popLast() else {
            throw failure("the pickle's \(opcode) at byte \(position - 1) finds no MARK")
        }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func remember(_ index: Int) throws {
        guard stack.count > (marks.last ?? 0), let top = stack.last else {
            throw failure("the pickle stores an empty stack in its memo at byte \(position)")
        }
        guard memo.count < Self.maximumMemo || memo[index] != nil else {
            throw failure("the pickle's memo grows past \(Self.maximumMemo) entries")
        }
        memo[index] = top
    }

    private mutating func recall(_ index: Int) throws {
        guard let value = memo[index] else {
            throw failure("the pickle reads memo entry \(index), which was never stored")
        }
        try push(value)
    }

    // MARK: - Running

    private mutating func run() throws -> PickleValue {
        while position < bytes.count {
            let opcodeStart = position
            let opcode = bytes[position]
            position += 1
            switch opcode {
            case 0x80: _ = try take(1, "protocol")  // PROTO
            case 0x95: _ = try take(8, "frame length")  // FRAME: a hint for buffered readers
            case 0x2E:  // STOP
                let result = try pop("STOP")
                return result
            case 0x28: // MARK
                guard stack.count + marks.count < Self.maximumStack else {
                    throw failure("the pickle's stack grows past \(Self.maximumStack) values")
                }
                marks.append(stack.count)
            case 0x7D: try push(.dict(newDict()))  // EMPTY_DICT
            case 0x5D: try push(.list(newList()))  // EMPTY_LIST
            case 0x29: try push(.tuple([]))  // EMPTY_TUPLE
            case 0x4E: try push(.none)  // NONE
            case 0x88: try push(.bool(true))  // NEWTRUE
            case 0x89: try push(.bool(false))  // NEWFALSE
            case 0x4B: try push(.int(Int(try integer(UInt8.self, "BININT1"))))
            case 0x4D: try push(.int(Int(try integer(UInt16.self, "BININT2"))))
            case 0x4A: try push(.int(Int(try integer(Int32.self, "BININT"))))
            case 0x8A: try push(.int(try long(Int(try integer(UInt8.self, "LONG1 length")))))
            case 0x8B: try push(.int(try long(try length(Int32.self, "LONG4"))))
            case 0x47:  // BINFLOAT: big-endian
                try push(.float(Double(bitPattern: UInt64(bigEndian: try take(8, "BINFLOAT").loadUnaligned(as: UInt64.self)))))
            case 0x58: try push(.string(try utf8(try length(UInt32.self, "BINUNICODE"), "BINUNICODE")))
            case 0x8C: try push(.string(try utf8(try length(UInt8.self, "SHORT_BINUNICODE"), "SHORT_BINUNICODE")))
            case 0x8D: try push(.string(try utf8(try length(UInt64.self, "BINUNICODE8"), "BINUNICODE8")))
            case 0x55: try push(.string(try utf8(try length(UInt8.self, "SHORT_BINSTRING"), "SHORT_BINSTRING")))
            case 0x54: try push(.string(try utf8(try length(Int32.self, "BINSTRING"), "BINSTRING")))
            case 0x43: try push(.bytes(try take(try length(UInt8.self, "SHORT_BINBYTES"), "SHORT_BINBYTES").count))
            case 0x42: try push(.bytes(try take(try length(UInt32.self, "BINBYTES"), "BINBYTES").count))
            case 0x8E: try push(.bytes(try take(try length(UInt64.self, "BINBYTES8"), "BINBYTES8").count))
            case 0x85: try push(.tuple([try pop("TUPLE1")]))
            case 0x86:
                let b = try pop("TUPLE2"), a = try pop("TUPLE2")
                try push(.tuple([a, b]))
            case 0x87:
                let c = try pop("TUPLE3"), b = try pop("TUPLE3"), a = try pop("TUPLE3")
                try push(.tuple([a, b, c]))
            case 0x74: try push(.tuple(try popToMark("TUPLE")))
            case 0x6C:  // LIST
                let list = newList()
                list.items = try popToMark("LIST")
                try push(.list(list))
            case 0x64:  // DICT
                let dict = newDict()
                try fill(dict, try popToMark("DICT"), "DICT")
                try push(.dict(dict))
            case 0x73:  // SETITEM
                let value = try pop("SETITEM"), key = try pop("SETITEM")
                try fill(try topDict("SETITEM"), [key, value], "SETITEM")
            case 0x75:  // SETITEMS
                let items = try popToMark("SETITEMS")
                try fill(try topDict("SETITEMS"), items, "SETITEMS")
            case 0x61:  // APPEND
                let value = try pop("APPEND")
                try topList("APPEND").items.append(value)
            case 0x65:  // APPENDS
                let items = try popToMark("APPENDS")
                try topList("APPENDS").items.append(contentsOf: items)
            case 0x30: _ = try pop("POP")
            case 0x31: _ = try popToMark("POP_MARK")
            case 0x32:  // DUP
                guard stack.count > (marks.last ?? 0), let top = stack.last else {
                    throw failure("the pickle's DUP finds the stack empty")
                }
                try push(top)
            case 0x71: try remember(Int(try integer(UInt8.self, "BINPUT")))
            case 0x72: try remember(Int(try integer(UInt32.self, "LONG_BINPUT")))
            case 0x94: try remember(memo.count)  // MEMOIZE
            case 0x68: try recall(Int(try integer(UInt8.self, "BINGET")))
            case 0x6A: try recall(Int(try integer(UInt32.self, "LONG_BINGET")))
            case 0x63:  // GLOBAL
                let module = try line("GLOBAL module"), name = try line("GLOBAL name")
                try push(.global(try allowedGlobal(module: module, name: name)))
            case 0x93:  // STACK_GLOBAL
                let name = try pop("STACK_GLOBAL"), module = try pop("STACK_GLOBAL")
                guard case .string(let moduleText) = module, case .string(let nameText) = name else {
                    throw failure("the pickle's STACK_GLOBAL at byte \(opcodeStart) takes \(module.kindDescription) and \(name.kindDescription), not two strings")
                }
                try push(.global(try allowedGlobal(module: moduleText, name: nameText)))
            case 0x52:  // REDUCE
                let arguments = try pop("REDUCE"), callable = try pop("REDUCE")
                try push(try call(callable, arguments))
            case 0x62:  // BUILD: the state of a dict (an OrderedDict's `_metadata`) is dropped
                let state = try pop("BUILD")
                guard let target = stack.last, stack.count > (marks.last ?? 0) else {
                    throw failure("the pickle's BUILD finds the stack empty")
                }
                switch target {
                case .dict, .tensor: break
                default: throw failure("refuses to set the state of \(target.kindDescription) to \(state.kindDescription) (only tensors and plain containers are read)")
                }
            case 0x51:  // BINPERSID
                try push(.storage(try storage(try pop("BINPERSID"))))
            default:
                let name = Self.opcodeNames[opcode].map { "\($0) (0x\(hex(opcode)))" } ?? "0x\(hex(opcode))"
                throw failure("refuses the pickle opcode \(name) at byte \(opcodeStart) (only tensors and plain containers are read)")
            }
        }
        throw failure("the pickle ends without STOP (the file is truncated)")
    }

    private func hex(_ byte: UInt8) -> String {
        let text = String(byte, radix: 16, uppercase: true)
        return byte < 16 ? "0" + text : text
    }

    private func allowedGlobal(module: String, name: String) throws -> PickleGlobal {
        guard let global = PickleGlobal.allowed(module: module, name: name) else {
            throw failure("refuses the global \(module).\(name) (only tensors and plain containers are read)")
        }
        return global
    }

    private mutating func newDict() -> PickleDict {
        let dict = PickleDict()
        dicts.append(dict)
        return dict
    }

    private mutating func newList() -> PickleList {
        let list = PickleList()
        lists.append(list)
        return list
    }

    private func topDict(_ opcode: String) throws -> PickleDict {
        guard stack.count > (marks.last ?? 0), case .dict(let dict)? = stack.last else {
            throw failure("the pickle's \(opcode) at byte \(position - 1) finds \(stack.last?.kindDescription ?? "nothing"), not a dict")
        }
        return dict
    }

    private func topList(_ opcode: String) throws -> PickleList {
        guard stack.count > (marks.last ?? 0), case .list(let list)? = stack.last else {
            throw failure("the pickle's \(opcode) at byte \(position - 1) finds \(stack.last?.kindDescription ?? "nothing"), not a list")
        }
        return list
    }

    private func fill(_ dict: PickleDict, _ items: [PickleValue], _ opcode: String) throws {
        guard items.count % 2 == 0 else {
            throw failure("the pickle's \(opcode) at byte \(position - 1) has an odd number of keys and values")
        }
        for i in stride(from: 0, to: items.count, by: 2) { dict.set(items[i], items[i + 1]) }
    }
}

// MARK: - Calls and persistent ids

extension PickleMachine {
    /// REDUCE: calls an allowed global with the arguments it takes.
    private mutating func call(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case .global(let global) = callable else {
            throw failure("refuses to call \(callable.kindDescription) (only tensors and plain containers are read)")
        }
        guard case .tuple(let args) = arguments else {
            throw failure("calls \(global.qualifiedName) with \(arguments.kindDescription), not an argument tuple")
        }
        func wrongArguments() -> WeightFileError {
            failure("calls \(global.qualifiedName) with arguments (\(args.map(\.kindDescription).joined(separator: ", "))) it does not take")
        }
        switch global {
        case .orderedDict:
            let dict = newDict()
            if args.isEmpty { return .dict(dict) }
            guard args.count == 1 else { throw wrongArguments() }
            let pairs: [PickleValue]
            switch args[0] {
            case .list(let list): pairs = list.items
            case .tuple(let items): pairs = items
            default: throw wrongArguments()
            }
            for pair in pairs {
                guard case .tuple(let kv) = pair, kv.count == 2 else { throw wrongArguments() }
                dict.set(kv[0], kv[1])
            }
            return .dict(dict)
        case .size:
            guard args.count == 1, case .tuple = args[0] else { throw wrongArguments() }
            return args[0]
        case .rebuildParameter(let withState):
            guard args.count == (withState ? 4 : 3), case .tensor = args[0] else { throw wrongArguments() }
            return args[0]
        case .rebuildTensor(let version):
            // v2: (storage, offset, size, stride, requires_grad, backward_hooks[, metadata]); v1: the
            // first four; v3: v2's six, then the dtype[, metadata].
            let counts = version == 1 ? [4] : version == 2 ? [6, 7] : [7, 8]
            guard counts.contains(args.count), case .storage(let storage) = args[0], case .int(let offset) = args[1],
                  let shape = integers(args[2]), let stride = integers(args[3]) else { throw wrongArguments() }
            var dtype = storage.dtype
            if version == 3 {
                guard case .global(.dtype(_, let named)) = args[6] else { throw wrongArguments() }
                dtype = named
            }
            guard offset >= 0, shape.count == stride.count, shape.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }) else {
                throw failure("a tensor of storage \(quoted(storage.key)) has offset \(offset), shape \(shape) and stride \(stride), which do not describe a view")
            }
            return .tensor(PickleTensor(storage: storage, dtype: dtype, storageOffset: offset, shape: shape, stride: stride))
        case .storageType, .dtype:
            throw failure("refuses to call \(global.qualifiedName) (only tensors and plain containers are read)")
        }
    }

    /// The integers of a tuple (a shape or a stride), or nil.
    private func integers(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let items) = value else { return nil }
        var result: [Int] = []
        for item in items {
            guard case .int(let number) = item else { return nil }
            result.append(number)
        }
        return result
    }

    /// BINPERSID: `('storage', storage_type, key, location, numel)`.
    private func storage(_ id: PickleValue) throws -> PickleStorage {
        guard case .tuple(let items) = id, items.count == 5, case .string("storage") = items[0],
              case .global(.storageType(_, let dtype)) = items[1], case .string(let key) = items[2],
              case .string = items[3], case .int(let count) = items[4], count >= 0 else {
            throw failure("refuses a persistent id that is not ('storage', type, key, location, numel): \(describe(id))")
        }
        return PickleStorage(dtype: dtype, key: key, elementCount: count)
    }

    /// A persistent id, shortly: "(a string, the global torch.FloatStorage, ...)".
    private func describe(_ value: PickleValue) -> String {
        guard case .tuple(let items) = value else { return value.kindDescription }
        return "(" + items.prefix(6).map(\.kindDescription).joined(separator: ", ") + ")"
    }

    /// Names of the opcodes refused, for the error line.
    static let opcodeNames: [UInt8: String] = [
        0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", 0x69: "INST", 0x6F: "OBJ", 0x50: "PERSID", 0x82: "EXT1", 0x83: "EXT2",
        0x84: "EXT4", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x96: "BYTEARRAY8",
        0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER", 0x49: "INT", 0x4C: "LONG", 0x46: "FLOAT", 0x53: "STRING",
        0x56: "UNICODE", 0x67: "GET", 0x70: "PUT",
    ]
}
