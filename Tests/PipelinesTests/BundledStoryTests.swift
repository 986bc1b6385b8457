import CPUBackend
import Media
import Pipelines
import Tensor
import TestSupport
import Testing

/// Long clips and storyboards on the bundled model (fewer steps to keep the suite quick): windows
/// join without a visible seam, a card's image and video arrive through a transition and play as
/// given, and every frame the plan promises is written. The seam measure is BundledModesTests'.
@Suite(.serialized) struct BundledStoryTests {
    static func story(_ prompts: [String], seconds: [Double], media: [CardInput], seed: UInt64 = 5) throws -> (VideoFrames, StoryboardGenerator) {
        let generator = Generator(store: try ModelStore(single: ModelSource(folder: repositoryPath("models/zoetrope-tiny"))),
                                  backend: CPUBackend())
        let base = try generator.validate(GenerationRequest(prompt: prompts[0], steps: 10, seed: seed))
        let timeline = try StoryboardTimeline(seconds: seconds, fps: base.fps, temporalCompression: 4)
        let story = try StoryboardGenerator(generator: generator, base: base, prompts: prompts, media: media, timeline: timeline)
        var frames: [RGBFrame] = []
        try story.run(onFrames: { frames += $0.frames })
        #expect(frames.count == timeline.frames.last)
        return (try VideoFrames(frames: frames), story)
    }

    @Test func windowsOfALongClipJoinWithoutASeam() throws {
        // 10 s at 8 fps: 81 frames, the model's 21-frame opening window, then five windows each keeping
        // 9 frames and adding 12 (models/zoetrope-tiny/zoetrope.json's "window" and "context").
        let (clip, story) = try Self.story([BundledModesTests.prompt], seconds: [10], media: [.none])
        #expect(story.plan.steps.map(\.frames) == [21, 12, 12, 12, 12, 12] && story.context == 9)
        // A seam changes the picture more than the average frame does on this model (docs/storyboard.md
        // has the figures over a minute: about 1.6 times), but never more than twice the largest change
        // inside the windows it joins, and not twice the average change.
        let seams = Array(stride(from: 21, to: 81, by: 12))
        var seamChanges: [Double] = [], insideChanges: [Double] = []
        for f in 1..<clip.count {
            let change = BundledModesTests.change(clip, f - 1, clip, f)
            if seams.contains(f) { seamChanges.append(change) } else { insideChanges.append(change) }
        }
        for seam in seams {
            let inside = max(BundledModesTests.largestChange(clip, (seam - 12)..<seam),
                             BundledModesTests.largestChange(clip, seam..<min(seam + 12, clip.count)))
            BundledModesTests.expectSmooth(BundledModesTests.change(clip, seam - 1, clip, seam), inside: inside, factor: 2,
                                           "window seam \(seam - 1)-\(seam)")
        }
        let meanSeam = seamChanges.reduce(0, +) / Double(seamChanges.count)
        let meanInside = insideChanges.reduce(0, +) / Double(insideChanges.count)
        BundledModesTests.expectSmooth(meanSeam, inside: meanInside, factor: 2, "mean seam against mean frame change")
    }

    @Test func cardsWithMediaArriveThroughTransitionsAndPlayAsGiven() throws {
        let (source, _) = try Self.story([BundledModesTests.prompt], seconds: [2], media: [.none], seed: 9)
        // Not the source's first frames: the bundled model's frame 0 flashes (docs/modes.md).
        let image = try source.slice(16..<17), video = try source.slice(4..<12)
        // The cards describe their media, as a user's would.
        let prompts = ["a white boat moving right over the sea at sunset", BundledModesTests.prompt, BundledModesTests.prompt]
        let (clip, story) = try Self.story(prompts, seconds: [3, 2, 2], media: [.none, .image(image), .video(video)])
        let kinds = story.plan.steps.map(\.kind)
        #expect(kinds == [.opening, .connect, .still, .connect, .clip, .extend])
        // Card 2 starts at frame 25 with its image held one latent frame; card 3 at 41 with its video.
        #expect(story.timeline.frames == [0, 25, 41, 57])
        for f in 25..<29 { #expect(try clip.slice(f..<(f + 1)) == image, "frame \(f) is the card's image") }
        #expect(try clip.slice(41..<49) == video)
        // The transitions lead into the media, but on this model they do not quite arrive: the change onto
        // the image is 1.5 times the largest inside the frames before it, onto the video 2.8 times
        // (docs/storyboard.md). Held to 3 times, which still catches a cut from an unrelated scene.
        for arrival in [25, 41] {
            let inside = BundledModesTests.largestChange(clip, (arrival - 12)..<arrival)
            BundledModesTests.expectSmooth(BundledModesTests.change(clip, arrival - 1, clip, arrival), inside: inside, factor: 3,
                                           "arrival \(arrival - 1)-\(arrival)")
        }
    }
}
