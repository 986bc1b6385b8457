import Tensor

/// One 8-bit RGB image: rows top to bottom, pixels left to right, channels interleaved R, G, B
/// (`height · width · 3` bytes), the layout ffmpeg calls `rgb24`.
public struct RGBFrame: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `height · width · 3` bytes.
    public let pixels: [UInt8]

    /// Wraps `pixels`, which must hold exactly `height · width · 3` bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(MediaError) {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw .invalidFrames(detail: "a \(width)x\(height) RGB frame needs \(max(width * height * 3, 0)) bytes, "
                                 + "not \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The byte diffusers writes for one decoded sample: `min(max(x·0.5 + 0.5, 0), 1)·255` in
    /// float32, truncated toward zero (`VideoProcessor.postprocess_video` then
    /// `(frame * 255).astype(uint8)` in `export_to_video`; docs/wan-reference.md §6.2).
    /// NaN becomes 0.
    @inlinable @inline(__always)
    public static func byte(fromDecoded x: Float) -> UInt8 {
        var v = x * 0.5 + 0.5
        v = v > 0 ? v : 0  // also maps NaN to 0
        v = v < 1 ? v : 1
        return UInt8(v * 255)  // Float → UInt8 truncates toward zero
    }

    /// The frames of one sample of a decoded video, as diffusers exports them: `video` is the VAE's
    /// output `[B, 3, F, H, W]` in [−1, 1] (float32, bf16 or f16, on the host; any `F`, so one
    /// decoded chunk at a time works), and the result holds its `F` frames of sample `sample`.
    public static func frames(decodedVideo video: Tensor, sample: Int = 0) throws(MediaError) -> [RGBFrame] {
        guard video.rank == 5, video.shape[1] == 3, video.shape[3] > 0, video.shape[4] > 0 else {
            throw .invalidFrames(detail: "a decoded video must be [B, 3, F, H, W]; got \(video.shape)")
        }
        guard sample >= 0, sample < video.shape[0] else {
            throw .invalidFrames(detail: "sample \(sample) is out of range for a batch of \(video.shape[0])")
        }
        guard let base = video.storage.hostPointer else {
            throw .invalidFrames(detail: "the decoded video lives on a device; download it to the host first")
        }
        let (frameCount, height, width) = (video.shape[2], video.shape[3], video.shape[4])
        let plane = height * width
        var planeScratch = [Float](repeating: 0, count: video.dtype == .float32 ? 0 : plane)
        var frames: [RGBFrame] = []
        frames.reserveCapacity(frameCount)
        for f in 0..<frameCount {
            let pixels = [UInt8](unsafeUninitializedCapacity: plane * 3) { out, initialized in
                for c in 0..<3 {
                    let offset = ((sample * 3 + c) * frameCount + f) * plane  // element of [sample, c, f, 0, 0]
                    switch video.dtype {
                    case .float32:
                        let source = UnsafePointer(base.assumingMemoryBound(to: Float.self) + offset)
                        convertPlane(source, count: plane, channel: c, into: out)
                    case .bfloat16, .float16:
                        let bits = base.assumingMemoryBound(to: UInt16.self) + offset
                        planeScratch.withUnsafeMutableBufferPointer { scratch in
                            if video.dtype == .bfloat16 {
                                for i in 0..<plane { scratch[i] = floatFromBFloat16(bits[i]) }
                            } else {
                                for i in 0..<plane { scratch[i] = floatFromFloat16(bits[i]) }
                            }
                            if let source = scratch.baseAddress {
                                convertPlane(UnsafePointer(source), count: plane, channel: c, into: out)
                            }
                        }
                    }
                }
                initialized = plane * 3
            }
            frames.append(RGBFrame(unchecked: width, height, pixels))
        }
        return frames
    }

    /// One channel plane (`count` floats) into every third byte of `out`, starting at `channel`.
    @inline(__always)
    private static func convertPlane(_ source: UnsafePointer<Float>, count: Int, channel: Int,
                                     into out: UnsafeMutableBufferPointer<UInt8>) {
        guard let destination = out.baseAddress else { return }
        for i in 0..<count { destination[i * 3 + channel] = byte(fromDecoded: source[i]) }
    }

    private init(unchecked width: Int, _ height: Int, _ pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
