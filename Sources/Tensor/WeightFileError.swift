/// A weight file, index or model folder that cannot be read or is malformed. The description is one
/// plain line naming the file and, when one is concerned, the tensor:
///
///     model.safetensors: tensor "blocks.0.attn1.to_q.weight": data_offsets [10, 400] run past the end of the data section (300 bytes)
public struct WeightFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or folder) the problem is in, as the caller spelled it.
    public let path: String
    /// The tensor concerned, if any.
    public let tensor: String?
    /// What is wrong.
    public let reason: Reason

    public init(path: String, tensor: String? = nil, _ reason: Reason) {
        self.path = path
        self.tensor = tensor
        self.reason = reason
    }

    /// The error for a path that ``RegularFile`` refused.
    init(_ error: RegularFileError) { self.init(path: error.path, .notARegularFile(error.reason)) }

    /// What is wrong with a weight file.
    public enum Reason: Equatable, Sendable {
        /// The file is missing or cannot be opened, mapped or read (the system's message).
        case unreadable(String)
        /// The path is not a readable regular file: what it is instead ("is a FIFO (named pipe), ...").
        case notARegularFile(String)
        /// The file is shorter than the 8-byte header length field.
        case tooSmall(byteCount: Int)
        /// The header length field points past the end of the file.
        case headerPastEnd(headerLength: UInt64, fileSize: Int)
        /// The safetensors header is not valid JSON (the parser's message).
        case headerNotJSON(String)
        /// The header is valid JSON but not an object (what it is instead).
        case headerNotObject(String)
        /// A JSON file (index, config, model index) is not valid JSON (the parser's message).
        case invalidJSON(String)
        /// A header entry or `__metadata__` is malformed (what is wrong).
        case invalidEntry(String)
        /// A dtype string the safetensors format does not define.
        case unknownDType(String)
        /// A shape with a negative or non-integer size, or whose size overflows.
        case badShape(String)
        /// The shape and dtype need `expected` bytes but the data offsets hold `actual`.
        case sizeMismatch(shape: [Int], dtype: String, expected: Int, actual: Int)
        /// Data offsets that end before they begin or run past the data section.
        case offsetsOutOfRange(begin: Int, end: Int, dataSectionSize: Int)
        /// Two tensors share bytes.
        case overlap(other: String, range: Range<Int>, otherRange: Range<Int>)
        /// No tensor of that name.
        case tensorNotFound
        /// The tensor's dtype exists but cannot be loaded into a ``Tensor``.
        case unsupportedDType(String)
        /// A sharded set's `.index.json` is malformed or disagrees with its shards.
        case index(String)
        /// A diffusers model folder is missing a part or is malformed.
        case modelFolder(String)
        /// A path holds no weights, or more than one candidate set.
        case noWeights(String)
        /// Writing the file failed.
        case writeFailed(String)
        /// A PyTorch checkpoint (its zip archive or its pickle) is malformed or holds something the
        /// restricted reader refuses (what, as a phrase).
        case checkpoint(String)
    }

    public var description: String {
        var line = oneLine(path) + ": "
        if let tensor { line += "tensor \(quoted(tensor)): " }
        return line + reasonText
    }

    private var reasonText: String {
        switch reason {
        case .unreadable(let message):
            return "cannot be read: \(oneLine(message))"
        case .notARegularFile(let phrase):
            return oneLine(phrase)
        case .tooSmall(let byteCount):
            return "is \(byteCount) bytes long, too short for a safetensors file (the header length alone takes 8)"
        case .headerPastEnd(let length, let fileSize):
            return "header length \(length) runs past the end of the file (\(fileSize) bytes)"
        case .headerNotJSON(let message):
            return "the header is not valid JSON: \(oneLine(message))"
        case .headerNotObject(let found):
            return "the header is \(found), not a JSON object"
        case .invalidJSON(let message):
            return "is not valid JSON: \(oneLine(message))"
        case .invalidEntry(let message), .badShape(let message), .index(let message),
             .modelFolder(let message), .noWeights(let message), .writeFailed(let message):
            return oneLine(message)
        case .unknownDType(let dtype):
            return "unknown dtype \(quoted(dtype))"
        case .sizeMismatch(let shape, let dtype, let expected, let actual):
            return "shape \(shape) of \(dtype) needs \(expected) bytes but its data_offsets hold \(actual)"
        case .offsetsOutOfRange(let begin, let end, let size):
            if end < begin { return "data_offsets [\(begin), \(end)] end before they begin" }
            return "data_offsets [\(begin), \(end)] run past the end of the data section (\(size) bytes)"
        case .overlap(let other, let range, let otherRange):
            return "data_offsets [\(range.lowerBound), \(range.upperBound)] overlap those of tensor "
                + "\(quoted(other)) [\(otherRange.lowerBound), \(otherRange.upperBound)]"
        case .tensorNotFound:
            return "not found"
        case .unsupportedDType(let dtype):
            return "dtype \(dtype) cannot be loaded as a tensor "
                + "(loadable: F32, BF16, F16, F64, F8, integer and BOOL types)"
        case .checkpoint(let message):
            return oneLine(message)
        }
    }
}

/// `text` in double quotes, with control characters escaped so that a message stays on one line.
func quoted(_ text: String) -> String { "\"" + oneLine(text) + "\"" }

/// `text` with control characters (newlines included) escaped as `\n`, `\u{..}`.
func oneLine(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
