/// Text stored in an output file: the prompt, the seed, the settings, as ordered key/value pairs.
///
/// How each format keeps it: MP4 (with `-movflags use_metadata_tags`) and WebM as container tags,
/// one per key (Matroska shows non-standard keys upper-cased); GIF as one Comment Extension
/// holding `key=value` lines; PNG as one `tEXt` chunk per key in every frame (`iTXt`, UTF-8, when
/// the value has characters outside Latin-1).
public struct VideoMetadata: Sendable, Equatable {
    /// One key and its value.
    public struct Entry: Sendable, Equatable {
        public let key: String
        public let value: String
    }

    /// The entries in the order they were set; keys are unique.
    public private(set) var entries: [Entry] = []

    /// No entries.
    public init() {}

    /// `pairs` in order; a later pair with the same key replaces the earlier value. Keys must be 1
    /// to 79 ASCII letters, digits, `_`, `-` or `.` (what every format here stores unchanged).
    public init(_ pairs: [(key: String, value: String)]) throws(MediaError) {
        for pair in pairs { try set(pair.key, pair.value) }
    }

    /// The usual entries of a generation: `comment` holds the prompt (the standard key every
    /// format here keeps), then `seed`, then `settings` in the caller's words, each when given.
    public static func generation(prompt: String, seed: UInt64? = nil, settings: String? = nil) -> VideoMetadata {
        var metadata = VideoMetadata()
        metadata.entries.append(Entry(key: "comment", value: prompt))
        if let seed { metadata.entries.append(Entry(key: "seed", value: String(seed))) }
        if let settings { metadata.entries.append(Entry(key: "settings", value: settings)) }
        return metadata
    }

    /// Sets `key` to `value`, replacing an earlier value in place.
    public mutating func set(_ key: String, _ value: String) throws(MediaError) {
        guard VideoMetadata.isValidKey(key) else { throw .invalidMetadataKey(key) }
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index] = Entry(key: key, value: value)
        } else {
            entries.append(Entry(key: key, value: value))
        }
    }

    /// The value of `key`, if set.
    public subscript(key: String) -> String? {
        entries.first { $0.key == key }?.value
    }

    static func isValidKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard (1...79).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
                return true
            default:
                return false
            }
        }
    }

    /// The GIF comment: one `key=value` line per entry.
    var commentText: String {
        entries.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
    }
}
