/// The element and block types of GGUF tensors (GGML's type ids), those this engine reads and, for
/// messages, the names of the others.
///
/// Block types store a run of `blockSize` values in `blockBytes` bytes: a scale (and minimum) in
/// IEEE half precision and packed small integers. Rows are whole blocks along a tensor's last
/// PyTorch axis (GGML's `ne[0]`).
public enum GGMLType: UInt32, Sendable, CaseIterable, Equatable {
    case f32 = 0, f16 = 1
    case q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14
    case bf16 = 30

    /// Values per block (1 for F32, F16 and BF16).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: return 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K: return 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 18
        case .q4_1: return 20
        case .q5_0: return 22
        case .q5_1: return 24
        case .q8_0: return 34
        case .q2_K: return 84
        case .q3_K: return 110
        case .q4_K: return 144
        case .q5_K: return 176
        case .q6_K: return 210
        }
    }

    /// Whether values are stored in blocks with scales (every type but F32, F16 and BF16).
    public var isBlockQuantized: Bool { blockSize > 1 }

    /// The name GGUF tools print: "Q4_K", "F16", ...
    public var name: String { GGMLType.names[rawValue] ?? "type \(rawValue)" }

    /// The ``DType`` that holds this type's values unchanged, if there is one.
    public var tensorDType: DType? {
        switch self {
        case .f32: return .float32
        case .f16: return .float16
        case .bf16: return .bfloat16
        default: return nil
        }
    }

    /// GGML's names of every type id it defines, to name an unsupported one in a message.
    static let names: [UInt32: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
        10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K",
        16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
        23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16",
        34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4", 40: "NVFP4",
    ]

    /// The name of any type id: GGML's name when it defines one, else "type N".
    static func name(ofID id: UInt32) -> String { names[id] ?? "type \(id)" }
}
