/// The frames of a folder of numbered PNG images: its regular files ending in `.png` (any letter
/// case), ordered by the last run of digits in each name read as a number, so `frame_2.png` comes
/// before `frame_10.png` and `7.png` before `0008.png`. Other files are ignored.
enum PNGFrameFolder {
    /// The frames' paths in order. Throws for a folder without PNG frames, a PNG name without digits,
    /// and two names with the same number.
    static func framePaths(in folder: String) throws(MediaError) -> [String] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        var numbered: [(number: Substring, name: String)] = []
        for name in try POSIXFiles.folderEntries(folder).sorted() {
            guard name.lowercased().hasSuffix(".png"), MediaInput.isRegularFile(prefix + name) else { continue }
            guard let number = frameNumber(name) else { throw .unnumberedFrame(path: prefix + name) }
            numbered.append((number, name))
        }
        guard !numbered.isEmpty else { throw .noPNGFrames(folder: folder) }
        numbered.sort { a, b in
            a.number.count != b.number.count ? a.number.count < b.number.count : a.number < b.number
        }
        for (a, b) in zip(numbered, numbered.dropFirst()) where a.number == b.number {
            throw .duplicateFrameNumber(path: prefix + a.name, other: prefix + b.name)
        }
        return numbered.map { prefix + $0.name }
    }

    /// The last run of ASCII digits in `name`, without leading zeros ("0" for all zeros), so that
    /// numbers of any length compare by digit count and then as text; nil when there is none.
    static func frameNumber(_ name: String) -> Substring? {
        let utf8 = Substring(name).utf8
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard let last = utf8.lastIndex(where: isDigit) else { return nil }
        var first = last
        while first > utf8.startIndex, isDigit(utf8[utf8.index(before: first)]) { first = utf8.index(before: first) }
        let end = utf8.index(after: last)
        let significant = utf8[first..<end].drop(while: { $0 == UInt8(ascii: "0") })
        return significant.isEmpty ? Substring(utf8[utf8.index(before: end)..<end])
                                   : Substring(significant)
    }
}
