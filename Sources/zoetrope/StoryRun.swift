import Media
import Pipelines

/// Runs a storyboard (or a long clip) for a command: opens the writer once the plan is valid,
/// streams each window's frames into it, shows progress per window, and removes the partial output
/// on an error or an interruption.
struct StoryRun {
    let output: String
    let metadata: VideoMetadata
    var audio: AudioTrack? = nil
    /// What the run was checked to need, printed as it starts.
    let estimate: RunEstimate

    func run(_ story: StoryboardGenerator) throws {
        let base = story.base
        print("seed \(base.seed)")
        let windows = story.plan.steps.filter(\.generates).count
        print("\(story.plan.frames) frames in \(story.plan.steps.count) steps (\(windows) generated windows)")
        announce(estimate, precision: story.generator.precision)
        Interruptions.install()
        let writer = try VideoWriter(path: output, width: base.width, height: base.height, fps: base.fps, metadata: metadata,
                                     audio: audio)
        try streaming(into: writer) { progress in
            try story.run(
                onProgress: { step in
                    let prefix = "step \(step.step + 1)/\(step.steps) (card \(step.card + 1), \(step.kind.rawValue)): "
                    if let generation = step.generation { progress.show(generation, prefix: prefix, perWindow: true) }
                },
                onFrames: { try writer.append(frames: $0.frames) },
                isCancelled: { interrupted.load(ordering: .relaxed) })
        }
        print("wrote \(output) (\(writer.framesWritten) frames, \(base.width)x\(base.height), \(base.fps) fps)")
    }
}
