/// How ``MediaReader`` sizes the frames it reads.
public enum FrameFit: Sendable, Equatable {
    /// Scaled (Lanczos) so it covers `width` x `height` keeping its aspect ratio, then centre-cropped to
    /// exactly that size. A source already of that size is not resampled.
    case cover(width: Int, height: Int)
    /// Its own size. For a video whose frame size changes part way, the first frame's: later frames
    /// are covered and cropped to it.
    case native

    /// The requested size, or nil for ``native``; throws for a side below 1 or above 16384.
    func validatedSize() throws(MediaError) -> (width: Int, height: Int)? {
        guard case .cover(let width, let height) = self else { return nil }
        guard (1...16384).contains(width), (1...16384).contains(height) else {
            throw .invalidSettings(detail: "cannot read frames at \(width)x\(height): each side must be 1 to 16384 pixels")
        }
        return (width, height)
    }

    /// ffmpeg's filter that converts frames to rgb24 at their own size (ffmpeg's default conversion, as
    /// a plain `-pix_fmt rgb24` decode makes), scales them (Lanczos, in RGB) to cover `width` x `height`
    /// and crops the middle. Same-size frames pass the scaler and the crop untouched, and `increase`
    /// rounds the scaled size up, so the crop always fits. Converting first matters: letting the
    /// Lanczos scaler also upsample 4:2:0 chroma (`full_chroma_int`) rings at colour edges, 4x the
    /// error of the plain conversion on a test JPEG.
    static func coverFilter(width: Int, height: Int) -> String {
        "format=rgb24,scale=w=\(width):h=\(height):force_original_aspect_ratio=increase:flags=lanczos+accurate_rnd"
            + ",crop=\(width):\(height)"
    }
}
