#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Metadata for the formats whose ffmpeg muxers drop it (GIF, PNG), written into the finished files.
enum MetadataEmbedding {
    // MARK: GIF

    /// A GIF89a Comment Extension: introducer 0x21, label 0xFE, the text in sub-blocks of at most
    /// 255 bytes, each preceded by its length, then a zero-length block.
    static func gifCommentExtension(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = [0x21, 0xFE]
        var start = 0
        while start < bytes.count {
            let end = min(start + 255, bytes.count)
            out.append(UInt8(end - start))
            out += bytes[start..<end]
            start = end
        }
        out.append(0)
        return out
    }

    /// Writes a comment extension just before the trailer (0x3B, the file's last byte), where the
    /// GIF89a grammar allows extensions between the images and the trailer.
    static func appendGIFComment(_ text: String, toFile path: String) throws(MediaError) {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXFiles.failure("opening", path, errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw POSIXFiles.failure("reading", path, errno) }
        var last: UInt8 = 0
        guard info.st_size >= 14, pread(fd, &last, 1, info.st_size - 1) == 1, last == 0x3B else {
            throw .io(operation: "adding the comment to", path: path, reason: "ffmpeg's GIF does not end in a trailer")
        }
        let tail = gifCommentExtension(text) + [0x3B]
        guard lseek(fd, info.st_size - 1, SEEK_SET) >= 0 else { throw POSIXFiles.failure("writing", path, errno) }
        if let code = tail.withUnsafeBytes({ POSIXFiles.writeAll(fd, $0) }) {
            throw POSIXFiles.failure("writing", path, code)
        }
    }

    // MARK: PNG

    /// One text chunk per entry: `tEXt` (keyword, NUL, Latin-1 text) when every character of the
    /// value is in Latin-1, otherwise `iTXt` (keyword, NUL, uncompressed flag and method 0, empty
    /// language tag and translated keyword, UTF-8 text), as the PNG specification defines them.
    static func pngTextChunks(_ metadata: VideoMetadata) -> [UInt8] {
        var out: [UInt8] = []
        for entry in metadata.entries {
            let keyword = Array(entry.key.utf8)  // validated ASCII, 1–79 bytes
            let scalars = entry.value.unicodeScalars
            if scalars.allSatisfy({ $0.value <= 0xFF }) {
                out += pngChunk("tEXt", keyword + [0] + scalars.map { UInt8($0.value) })
            } else {
                out += pngChunk("iTXt", keyword + [0, 0, 0, 0, 0] + Array(entry.value.utf8))
            }
        }
        return out
    }

    /// Inserts `chunks` right after the IHDR chunk of the PNG at `path`.
    static func insertPNGChunks(_ chunks: [UInt8], intoFile path: String) throws(MediaError) {
        let png = try POSIXFiles.readFile(path)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdrEnd = 8 + 4 + 4 + 13 + 4  // signature, then IHDR: length, type, 13 data bytes, CRC
        guard png.count > ihdrEnd, Array(png[0..<8]) == signature, Array(png[12..<16]) == Array("IHDR".utf8) else {
            throw .io(operation: "adding text to", path: path, reason: "ffmpeg's PNG does not start with IHDR")
        }
        try POSIXFiles.overwriteFile(path, with: Array(png[0..<ihdrEnd]) + chunks + Array(png[ihdrEnd...]))
    }

    /// A PNG chunk: big-endian length, type, data, CRC-32 of type and data.
    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typeAndData + bigEndian(crc32(typeAndData))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), as PNG and zlib use.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
