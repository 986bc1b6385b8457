/// SentencePiece's normalization rules in their `precompiled_charsmap` form, read and applied the way
/// tokenizers' `spm_precompiled` crate does.
///
/// The blob is a little-endian `u32` byte size of a Darts double-array trie, the trie's `u32` units,
/// then the replacement strings, each ended by a NUL. A trie key is the UTF-8 of a string to replace;
/// its value is the offset of the replacement in the string blob. The trie comes from a file, so
/// loading walks every reachable node once and checks each index it could ever read: lookups can
/// then never leave the arrays, whatever the file holds.
struct PrecompiledCharsMap: Sendable {
    private let units: [UInt32]
    private let replacements: [UInt8]

    /// Parses and validates a charsmap; the error message says what is wrong.
    init(_ blob: [UInt8]) throws(CharsMapError) {
        guard blob.count >= 4 else { throw CharsMapError("it is \(blob.count) bytes long, too short for the trie size field") }
        let trieBytes = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        // spm_precompiled reads floor(size / 4) units; any remainder belongs to the string blob.
        let unitCount = trieBytes / 4
        guard 4 + unitCount * 4 <= blob.count else {
            throw CharsMapError("the trie is \(trieBytes) bytes long but only \(blob.count - 4) bytes follow its size")
        }
        guard unitCount > 0 else { throw CharsMapError("the trie is empty") }
        var units = [UInt32](repeating: 0, count: unitCount)
        for i in 0..<unitCount {
            let at = 4 + 4 * i
            units[i] = UInt32(blob[at]) | UInt32(blob[at + 1]) << 8 | UInt32(blob[at + 2]) << 16 | UInt32(blob[at + 3]) << 24
        }
        let replacements = Array(blob[(4 + unitCount * 4)...])
        guard String(validating: replacements, as: UTF8.self) != nil else {
            throw CharsMapError("the replacement strings are not valid UTF-8")
        }
        self.units = units
        self.replacements = replacements
        try validateTrie()
    }

    // Darts unit layout: bits 0-7 label, bit 8 has-leaf, bit 9 offset scale, bits 10-30 offset;
    // a leaf unit's low 31 bits are its value.
    private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    private static func value(_ unit: UInt32) -> Int { Int(unit & 0x7FFF_FFFF) }
    private static func label(_ unit: UInt32) -> UInt32 { unit & 0x8000_00FF }
    private static func offset(_ unit: UInt32) -> Int { Int(unit >> 10) << Int((unit & (1 << 9)) >> 6) }

    /// Visits every node reachable from the root and checks every leaf's value.
    private func validateTrie() throws(CharsMapError) {
        var visited = [Bool](repeating: false, count: units.count)
        var stack = [Self.offset(units[0])]
        while let base = stack.popLast() {
            for label in 1...255 {
                let child = base ^ label
                guard child < units.count, Self.label(units[child]) == UInt32(label), !visited[child] else { continue }
                visited[child] = true
                let next = child ^ Self.offset(units[child])
                if Self.hasLeaf(units[child]) {
                    guard next < units.count else {
                        throw CharsMapError("trie unit \(child) has a leaf at \(next), past the end of the trie (\(units.count) units)")
                    }
                    let value = Self.value(units[next])
                    guard value <= replacements.count else {
                        throw CharsMapError("trie unit \(next) points at byte \(value), past the end of the replacement strings (\(replacements.count) bytes)")
                    }
                    guard value == replacements.count || !isContinuationByte(replacements[value]) else {
                        throw CharsMapError("trie unit \(next) points into the middle of a UTF-8 character (byte \(value))")
                    }
                }
                stack.append(next)
            }
        }
    }

    /// The replacement of the shortest key that is a prefix of `key` (spm_precompiled's `transform`
    /// takes the first result of a common-prefix search), as a range of the string blob.
    func replacement<C: Collection<UInt8>>(for key: C) -> Range<Int>? {
        var position = Self.offset(units[0])
        for byte in key {
            if byte == 0 { return nil }
            position ^= Int(byte)
            guard position < units.count, Self.label(units[position]) == UInt32(byte) else { return nil }
            let unit = units[position]
            position ^= Self.offset(unit)
            if Self.hasLeaf(unit) {
                guard position < units.count else { return nil }
                let start = Self.value(units[position])
                guard start <= replacements.count else { return nil }
                var end = start
                while end < replacements.count, replacements[end] != 0 { end += 1 }
                return start..<end
            }
        }
        return nil
    }

    /// tokenizers' `Precompiled` normalizer: each grapheme cluster shorter than 6 bytes is looked up
    /// whole; otherwise (or when it has no entry) each of its scalars is looked up on its own.
    func normalize(_ text: inout NormalizedText) throws {
        var dest: [(Unicode.Scalar, Int)] = []
        dest.reserveCapacity(text.bytes.count)
        var modified = false
        for cluster in text.string {
            let clusterBytes = Array(cluster.utf8)
            if clusterBytes.count < 6, let range = replacement(for: clusterBytes) {
                modified = true
                appendReplacement(&dest, replacing: cluster.unicodeScalars.count, with: range)
                try checkGrowth(dest, of: text)
                continue
            }
            for scalar in cluster.unicodeScalars {
                if let range = replacement(for: utf8Bytes(scalar)) {
                    modified = true
                    appendReplacement(&dest, replacing: 1, with: range)
                    try checkGrowth(dest, of: text)
                } else {
                    dest.append((scalar, 0))
                }
            }
        }
        if modified { text.transform(0..<text.bytes.count, dest, initialOffset: 0) }
    }

    /// Stops a charsmap whose replacements are long from growing `dest` past what the text may
    /// become (each scalar is at least one byte).
    private func checkGrowth(_ dest: [(Unicode.Scalar, Int)], of text: NormalizedText) throws {
        try text.checkGrowth(to: dest.count)
    }

    /// The `replace` helper of tokenizers' precompiled.rs: new characters replace old ones; extra new
    /// ones are marked inserted, and fewer new ones fold the removal into the last change so far.
    private func appendReplacement(_ dest: inout [(Unicode.Scalar, Int)], replacing oldCount: Int, with range: Range<Int>) {
        let new = Array(String(decoding: replacements[range], as: UTF8.self).unicodeScalars)
        dest += new.map { ($0, 0) }
        let diff = new.count - oldCount
        if diff > 0 {
            for i in (dest.count - diff)..<dest.count { dest[i].1 = 1 }
        } else if diff < 0, !dest.isEmpty {
            dest[dest.count - 1].1 += diff
        }
    }
}

/// Why a charsmap is invalid, in a few words.
struct CharsMapError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
