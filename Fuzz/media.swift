// What Sources/Media parses in bytes itself, without ffmpeg: the PNG signature and IHDR check before
// text chunks are inserted (MetadataEmbedding.insertPNGChunks), the GIF trailer check before a
// comment is appended (appendGIFComment), the WebP sniff of StillImage, and the names it reads:
// an output path's format (VideoFormat(path:)) and a PNG folder's frame numbers
// (PNGFrameFolder.frameNumber). Everything else in Media hands files to ffmpeg.
@testable import Media

private let metadata = VideoMetadata.generation(prompt: "a prompt with ünïcode ✓", seed: 7, settings: "256x256")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMedia(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    _ = StillImage.isWebP(bytes)

    let chunks = MetadataEmbedding.pngTextChunks(metadata)
    let png = writeScratch("frame_00001.png", bytes)
    ignoringErrors {
        try MetadataEmbedding.insertPNGChunks(chunks, intoFile: png)
        let out = try POSIXFiles.readFile(png)
        precondition(out.count == bytes.count + chunks.count && Array(out[33..<(33 + chunks.count)]) == chunks)
    }
    let gif = writeScratch("clip.gif", bytes)
    ignoringErrors {
        try MetadataEmbedding.appendGIFComment(metadata.commentText, toFile: gif)
        let out = try POSIXFiles.readFile(gif)
        precondition(out.last == 0x3B && out.count > bytes.count)
    }

    let name = String(decoding: bytes, as: UTF8.self)
    ignoringErrors { _ = try VideoFormat(path: name) }
    if let number = PNGFrameFolder.frameNumber(name) {
        precondition(!number.isEmpty && number.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 })
    }
    _ = VideoFormat.isPNGFrameName(name)
    _ = VideoMetadata.isValidKey(name)
    return 0
}
