/// A piece of the input being normalized and split: tokenizers' `NormalizedString`, reduced to what
/// ids depend on. It keeps, for every byte of the normalized UTF-8, the offset in the raw input of
/// the character it came from (the start of tokenizers' alignment), and the raw offset the piece
/// starts at, because Metaspace's `prepend_scheme: "first"` asks whether a piece starts the input.
/// Every edit updates those offsets with tokenizers' own rules, quirks included.
struct NormalizedText {
    /// The normalized text, always valid UTF-8.
    private(set) var bytes: [UInt8]
    /// For each byte of `bytes`: the raw-input offset of the character it was made from.
    private(set) var origins: [Int]
    /// The raw-input offset this piece starts at (tokenizers' `offsets_original().0`).
    let originalShift: Int

    /// The raw text `bytes` found at `offset` in the input, not yet normalized.
    init(original bytes: ArraySlice<UInt8>, at offset: Int) {
        self.bytes = Array(bytes)
        var origins = [Int](repeating: offset, count: bytes.count)
        var start = 0
        for i in 0..<self.bytes.count {
            if !isContinuationByte(self.bytes[i]) { start = i }
            origins[i] = offset + start
        }
        self.origins = origins
        self.originalShift = offset
    }

    private init(bytes: [UInt8], origins: [Int], originalShift: Int) {
        self.bytes = bytes
        self.origins = origins
        self.originalShift = originalShift
    }

    /// The most bytes a normalizer may make a piece grow to: 4 MiB, thousands of times any prompt
    /// (the pipeline keeps 512 tokens). A tokenizer.json rule that would make more (a long
    /// replacement for every character, chained) is refused rather than allowed to ask for gigabytes.
    static let maximumBytes = 4 << 20

    /// Throws ``NormalizationTooLong`` when an edit would make `newCount` bytes, above both
    /// ``maximumBytes`` and the current length (a longer input is never refused for its own length).
    /// The normalizers whose growth a file controls (`Replace`, `Precompiled`) call it before editing.
    func checkGrowth(to newCount: Int) throws {
        guard newCount <= max(Self.maximumBytes, bytes.count) else { throw NormalizationTooLong(bytes: newCount) }
    }

    /// The length ``replace(_:with:)`` would give (Int.max when it cannot be counted).
    func byteCount(replacing matches: [Range<Int>], withBytes count: Int) -> Int {
        let (inserted, overflow) = matches.count.multipliedReportingOverflow(by: count)
        return overflow ? .max : bytes.count - matches.reduce(0) { $0 + $1.count } + inserted
    }

    var isEmpty: Bool { bytes.isEmpty }
    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// The bytes `range` as a piece of their own (tokenizers' `slice` of a normalized range).
    func slice(_ range: Range<Int>) -> NormalizedText {
        let shift = range.isEmpty ? originalShift : origins[range.lowerBound]
        return NormalizedText(bytes: Array(bytes[range]), origins: Array(origins[range]), originalShift: shift)
    }

    /// tokenizers' `transform_range`: replaces the bytes `range` with `dest`, where each scalar comes
    /// with a change: 0 replaces the next old character, 1 is inserted, -n replaces the next old
    /// character and removes the n after it. `initialOffset` old characters are dropped first.
    mutating func transform(_ range: Range<Int>, _ dest: [(Unicode.Scalar, Int)], initialOffset: Int) {
        var old = scalarWidths(range)[...]
        var offset = range.lowerBound
        for _ in 0..<initialOffset {
            guard let width = old.popFirst() else { break }
            offset += width
        }
        var newBytes: [UInt8] = []
        var newOrigins: [Int] = []
        for (scalar, change) in dest {
            let origin: Int
            if change > 0 {
                origin = offset < 1 ? originalShift : origins[min(offset, origins.count) - 1]
            } else {
                origin = offset < origins.count ? origins[offset] : (origins.last ?? originalShift)
            }
            if change <= 0, let width = old.popFirst() { offset += width }
            if change < 0 {
                for _ in 0..<(-change) {
                    guard let width = old.popFirst() else { break }
                    offset += width
                }
            }
            let encoded = utf8Bytes(scalar)
            newBytes += encoded
            newOrigins += repeatElement(origin, count: encoded.count)
        }
        bytes.replaceSubrange(range, with: newBytes)
        origins.replaceSubrange(range, with: newOrigins)
    }

    /// tokenizers' `NormalizedString::replace`: every byte range of `matches` (in order, not
    /// overlapping) becomes `content`; inserted characters take the origin of the match's last byte.
    mutating func replace(_ matches: [Range<Int>], with content: [Unicode.Scalar]) {
        guard !matches.isEmpty else { return }
        let encoded = content.flatMap(utf8Bytes)
        var newBytes: [UInt8] = []
        var newOrigins: [Int] = []
        newBytes.reserveCapacity(bytes.count)
        newOrigins.reserveCapacity(bytes.count)
        var last = 0
        for match in matches {
            newBytes += bytes[last..<match.lowerBound]
            newOrigins += origins[last..<match.lowerBound]
            let origin = match.upperBound < 1 ? originalShift : origins[match.upperBound - 1]
            newBytes += encoded
            newOrigins += repeatElement(origin, count: encoded.count)
            last = match.upperBound
        }
        newBytes += bytes[last...]
        newOrigins += origins[last...]
        bytes = newBytes
        origins = newOrigins
    }

    /// tokenizers' `prepend`: `prefix` goes before the first character (nothing if empty).
    mutating func prepend(_ prefix: [Unicode.Scalar]) {
        guard let first = scalars().first else { return }
        var dest = prefix.enumerated().map { ($1, $0 == 0 ? 0 : 1) }
        dest.append((first.scalar, 1))
        transform(first.range, dest, initialOffset: 0)
    }

    /// tokenizers' `lowercase`: each character becomes its full lowercase mapping (one or more
    /// characters, the extra ones inserted).
    mutating func lowercase() {
        var dest: [(Unicode.Scalar, Int)] = []
        for (scalar, _) in scalars() {
            for (index, lower) in scalar.properties.lowercaseMapping.unicodeScalars.enumerated() {
                dest.append((lower, index > 0 ? 1 : 0))
            }
        }
        transform(0..<bytes.count, dest, initialOffset: 0)
    }

    /// tokenizers' `lrstrip`: removes leading and/or trailing Unicode whitespace.
    mutating func strip(left: Bool, right: Bool) {
        let all = scalars()
        let leading = left ? all.prefix(while: { isUnicodeWhitespace($0.scalar) }).count : 0
        let trailing = right ? all.reversed().prefix(while: { isUnicodeWhitespace($0.scalar) }).count : 0
        guard leading > 0 || trailing > 0 else { return }
        var dest: [(Unicode.Scalar, Int)] = []
        for (i, item) in all.enumerated() where i >= leading && i < all.count - trailing {
            // tokenizers compares a character index with a byte length here; kept for equal offsets.
            dest.append((item.scalar, i == bytes.count - trailing - 1 ? -trailing : 0))
        }
        transform(0..<bytes.count, dest, initialOffset: leading)
    }

    /// The scalars with their byte ranges.
    func scalars() -> [(scalar: Unicode.Scalar, range: Range<Int>)] {
        var out: [(Unicode.Scalar, Range<Int>)] = []
        var offset = 0
        for scalar in string.unicodeScalars {
            let width = UTF8.width(scalar)
            out.append((scalar, offset..<offset + width))
            offset += width
        }
        return out
    }

    private func scalarWidths(_ range: Range<Int>) -> [Int] {
        var widths: [Int] = []
        var i = range.lowerBound
        while i < range.upperBound {
            let width = utf8Width(leadByte: bytes[i])
            widths.append(width)
            i += width
        }
        return widths
    }
}

/// A normalizer edit that would make a piece longer than ``NormalizedText/maximumBytes``: the bytes
/// it would have made (at least). ``Normalizer`` turns it into a ``TokenizerError`` naming the rule.
struct NormalizationTooLong: Error {
    let bytes: Int
}

func isContinuationByte(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }

/// The length of the UTF-8 sequence a lead byte starts (1 for anything unexpected).
func utf8Width(leadByte byte: UInt8) -> Int {
    switch byte {
    case 0xF0...: return 4
    case 0xE0...: return 3
    case 0xC0...: return 2
    default: return 1
    }
}

func utf8Bytes(_ scalar: Unicode.Scalar) -> [UInt8] {
    let v = scalar.value
    switch v {
    case ..<0x80: return [UInt8(v)]
    case ..<0x800: return [0xC0 | UInt8(v >> 6), 0x80 | UInt8(v & 0x3F)]
    case ..<0x10000: return [0xE0 | UInt8(v >> 12), 0x80 | UInt8((v >> 6) & 0x3F), 0x80 | UInt8(v & 0x3F)]
    default:
        return [0xF0 | UInt8(v >> 18), 0x80 | UInt8((v >> 12) & 0x3F), 0x80 | UInt8((v >> 6) & 0x3F),
                0x80 | UInt8(v & 0x3F)]
    }
}

/// Unicode White_Space, the set of Rust's `char::is_whitespace` and of `\s` in the regex engines
/// tokenizers and diffusers use.
func isUnicodeWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}
