#if canImport(Glibc)
import Glibc
#endif
import CPUBackend
import Media
import Pipelines
import Tensor
import TestSupport
import Testing

/// Every mode on the bundled model (models/zoetrope-tiny), at the precision users run it and with
/// fewer steps to keep the suite quick. What is checked is what a viewer sees: kept clips come back
/// unchanged, a pinned image comes back as exactly its VAE round trip, and no seam or loop wrap
/// changes more than the clip itself changes from one frame to the next.
///
/// The measure (docs/modes.md): the "frame change" of two frames is the mean absolute difference of
/// their 8x8-pixel block averages over all blocks and channels, in 0-255 units: a jump in colour,
/// brightness or layout, which a viewer sees as a seam, rather than the fine texture this model
/// redraws in every frame. A seam passes when its change is at most the largest frame change between
/// consecutive frames inside the parts it joins. Extensions meet that; the image's first step, the
/// connection's arrival and the loop's wrap do not quite on this undertrained model (docs/modes.md has
/// the figures), so they are held to twice it, which still catches a flash or a cut.
@Suite(.serialized) struct BundledModesTests {
    static let steps = 10
    static let prompt = "a red ball moving left on the grass in the morning"

    static func generate(_ prompt: String = prompt, seed: UInt64, frames: Int? = nil, conditioning: Conditioning = Conditioning())
        throws -> VideoFrames {
        let generator = Generator(store: try ModelStore(single: ModelSource(folder: repositoryPath("models/zoetrope-tiny"))),
                                  backend: CPUBackend())
        let request = try generator.validate(GenerationRequest(prompt: prompt, frames: frames, steps: steps, seed: seed,
                                                               conditioning: conditioning))
        var chunks: [RGBFrame] = []
        _ = try generator.run(request, onFrames: { chunks += try RGBFrame.frames(decodedVideo: $0) })
        #expect(chunks.count == request.outputFrames)
        return try VideoFrames(frames: chunks)
    }

    /// The frame change between frame `i` of `x` and frame `j` of `y`.
    static func change(_ x: VideoFrames, _ i: Int, _ y: VideoFrames, _ j: Int) -> Double {
        let (a, b) = (blockAverages(x, i), blockAverages(y, j))
        return zip(a, b).map { abs($0 - $1) }.reduce(0, +) / Double(a.count)
    }

    /// Frame `i` of `clip` as the averages of its 8x8 blocks, per channel.
    static func blockAverages(_ clip: VideoFrames, _ i: Int, block: Int = 8) -> [Double] {
        let (w, h) = (clip.width / block, clip.height / block), plane = clip.width * clip.height * 3
        var sums = [Double](repeating: 0, count: w * h * 3)
        for y in 0..<(h * block) {
            for x in 0..<(w * block) {
                for c in 0..<3 {
                    sums[((y / block) * w + x / block) * 3 + c] += Double(clip.pixels[i * plane + (y * clip.width + x) * 3 + c])
                }
            }
        }
        return sums.map { $0 / Double(block * block) }
    }

    /// The largest change between consecutive frames of `clip` within `frames`.
    static func largestChange(_ clip: VideoFrames, _ frames: Range<Int>) -> Double {
        frames.dropFirst().map { change(clip, $0 - 1, clip, $0) }.max() ?? 0
    }

    /// Frames `range` of `clip` are `original`'s frames, byte for byte.
    static func expectUnchanged(_ clip: VideoFrames, _ range: Range<Int>, _ original: VideoFrames, _ label: String) throws {
        #expect(try clip.slice(range) == original, "\(label): the kept clip changed")
    }

    /// Checks a seam against the largest change inside, allowing `factor` times it; prints both with
    /// ZOETROPE_PARITY_REPORT set.
    static func expectSmooth(_ seam: Double, inside: Double, factor: Double = 1, _ label: String) {
        if getenv("ZOETROPE_PARITY_REPORT") != nil { print("seam \(label): \(seam), largest inside \(inside)") }
        #expect(seam <= factor * inside, "\(label): seam change \(seam), largest inside \(inside)")
    }

    static let first = Result { try generate(seed: 3) }
    static let second = Result { try generate("a white boat moving right over the sea at sunset", seed: 4) }

    @Test func imageToVideoStartsWithTheImagesVAERoundTrip() throws {
        let image = try Self.first.get().slice(8..<9)
        let animated = try Self.generate(seed: 5, conditioning: Conditioning(image: image))
        // An all-black mask keeps everything: the one-frame "video" through one VAE round trip.
        let roundTrip = try Self.generate(seed: 5, frames: 1, conditioning: Conditioning(video: image, mask: try image.black()))
        #expect(Self.change(animated, 0, roundTrip, 0) == 0)
        Self.expectSmooth(Self.change(animated, 0, animated, 1), inside: Self.largestChange(animated, 1..<animated.count),
                          factor: 2, "image to video, frame 0-1")
    }

    @Test func extendingKeepsTheClipAndHidesTheSeam() throws {
        let clip = try Self.first.get()
        let forward = try Self.generate(seed: 6, frames: 8, conditioning: Conditioning(previous: clip))
        try Self.expectUnchanged(forward, 0..<17, clip, "extend")
        Self.expectSmooth(Self.change(forward, 16, forward, 17),
                          inside: max(Self.largestChange(forward, 0..<17), Self.largestChange(forward, 17..<25)), "extend, 16-17")

        let backward = try Self.generate(seed: 7, frames: 8, conditioning: Conditioning(next: clip))
        try Self.expectUnchanged(backward, 8..<25, clip, "extend backward")
        Self.expectSmooth(Self.change(backward, 7, backward, 8),
                          inside: max(Self.largestChange(backward, 0..<8), Self.largestChange(backward, 8..<25)), "extend backward, 7-8")
    }

    @Test func connectingKeepsBothClipsAndHidesBothSeams() throws {
        let a = try Self.first.get(), b = try Self.second.get()
        let joined = try Self.generate("a red ball turns into a white boat", seed: 8, frames: 8,
                                       conditioning: Conditioning(previous: a, next: b))
        try Self.expectUnchanged(joined, 0..<17, a, "connect, first clip")
        try Self.expectUnchanged(joined, 25..<42, b, "connect, second clip")
        let inside = [Self.largestChange(joined, 0..<17), Self.largestChange(joined, 17..<25), Self.largestChange(joined, 25..<42)].max() ?? 0
        Self.expectSmooth(Self.change(joined, 16, joined, 17), inside: inside, "connect, leaving, 16-17")
        Self.expectSmooth(Self.change(joined, 24, joined, 25), inside: inside, factor: 2, "connect, arriving, 24-25")
    }

    @Test func aLoopsLastFrameFlowsIntoItsFirst() throws {
        let loop = try Self.generate("a yellow star bouncing in the desert at noon", seed: 9, frames: 16,
                                     conditioning: Conditioning(loop: true))
        Self.expectSmooth(Self.change(loop, 15, loop, 0), inside: Self.largestChange(loop, 0..<16), factor: 2, "loop, wrap 15-0")
    }
}

extension VideoFrames {
    /// A black clip of this size and length (an all-keep mask).
    func black() throws -> VideoFrames {
        try VideoFrames(width: width, height: height, count: count, pixels: [UInt8](repeating: 0, count: pixels.count))
    }
}
