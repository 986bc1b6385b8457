import Media

extension Conditioning {
    /// An edit of `[head | rest]` that keeps `head` and regenerates `rest`: a window continuing the
    /// video so far. Its canvas is an extension's (the causal encoder gives `head` the same latents),
    /// but its decode includes the kept frames, which ``SeamBlender`` cross-fades into. With a
    /// `strength`, `rest` is remixed (the zoom's reference); without, it is generated from noise.
    static func keepingHead(_ head: VideoFrames, then rest: VideoFrames, strength: Double? = nil) throws -> Conditioning {
        let plane = head.width * head.height * 3
        let mask = try VideoFrames(width: head.width, height: head.height, count: head.count + rest.count,
                                   pixels: [UInt8](repeating: 0, count: head.count * plane)
                                       + [UInt8](repeating: 255, count: rest.count * plane))
        return Conditioning(video: try VideoFrames.concatenated([head, rest]), strength: strength, mask: mask)
    }
}

extension VideoFrames {
    /// `count` mid-grey frames: what a window regenerates, and the stand-in for frames a window will be
    /// given when its request is validated before the run.
    public static func grey(width: Int, height: Int, count: Int) throws -> VideoFrames {
        try VideoFrames(width: width, height: height, count: count, pixels: [UInt8](repeating: 128, count: width * height * 3 * count))
    }
}
