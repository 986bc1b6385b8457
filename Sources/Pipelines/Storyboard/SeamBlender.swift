import Media

/// Joins consecutive windows of a long video so that no seam shows between two frames. Each window
/// re-decodes the frames it keeps at its head, and its new frames follow those re-decoded versions
/// smoothly, not the originals (a VAE round trip apart). So the last frames of every window are held
/// back, and when the next window arrives they are cross-faded into their re-decoded versions: the
/// difference between the two decodes is spread over ``overlap`` frames instead of landing between two.
struct SeamBlender {
    /// Frames held back at the end of each window.
    let overlap: Int
    /// Frames decoded but not yet written (the last window's last frames).
    private(set) var pending: VideoFrames?

    init(overlap: Int) { self.overlap = overlap }

    /// The frames of `window` ready to write: the held-back frames cross-faded into the window's
    /// re-decoded versions of them, then the window's new frames less those it now holds back.
    /// `head` is how many of its first frames re-decode the frames it continued from (0 for none).
    mutating func join(_ window: VideoFrames, head: Int) throws -> VideoFrames? {
        var parts: [VideoFrames] = []
        if let held = pending {
            if head >= held.count {
                parts.append(try Self.crossFade(held, into: try window.slice((head - held.count)..<head)))
            } else {
                parts.append(held)
            }
        }
        let keep = min(overlap, window.count - head - 1)
        if window.count - keep > head { parts.append(try window.slice(head..<(window.count - keep))) }
        pending = keep > 0 ? try window.slice((window.count - keep)..<window.count) : nil
        return parts.isEmpty ? nil : try VideoFrames.concatenated(parts)
    }

    /// The held-back frames, to write when no window follows; none are held afterwards.
    mutating func flush() -> VideoFrames? {
        defer { pending = nil }
        return pending
    }

    /// `from` turning into `to` frame by frame: frame k is (k + 1) / (count + 1) of the way.
    static func crossFade(_ from: VideoFrames, into to: VideoFrames) throws -> VideoFrames {
        let plane = from.width * from.height * 3
        var pixels = from.pixels
        for k in 0..<from.count {
            let weight = Double(k + 1) / Double(from.count + 1)
            for i in (k * plane)..<((k + 1) * plane) {
                pixels[i] = UInt8((Double(from.pixels[i]) * (1 - weight) + Double(to.pixels[i]) * weight).rounded())
            }
        }
        return try VideoFrames(width: from.width, height: from.height, count: from.count, pixels: pixels)
    }
}
