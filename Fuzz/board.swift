// A storyboard board file, as `zoetrope storyboard` and `zoetrope zoom` read it before any model is
// loaded (Sources/zoetrope/BoardFile.swift and BoardSetup, which live in the executable target, so
// their steps are repeated here): at most 4 MiB of UTF-8 text, Storyboard(json:), the cards'
// timeline at the board's fps (else the bundled model's 8) with the board's "seconds" as the length,
// then the zoom's schedule and camera path over that timeline.
import Pipelines

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBoard(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    // BoardFile.readText: the size cap, then strict UTF-8.
    guard bytes.count <= 4 << 20, let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    ignoringErrors {
        let board = try Storyboard(json: text)
        precondition(!board.cards.isEmpty && board.cards.count <= Storyboard.maximumCards)
        _ = board.cardSeconds
        // BoardSetup: temporal compression 4 (Wan's VAE), no song, so no beats.
        let timeline = try StoryboardTimeline(seconds: board.cards.map(\.seconds), fps: board.fps ?? 8,
                                              temporalCompression: 4, length: board.seconds,
                                              lengthSource: "board's \"seconds\"")
        precondition(timeline.frames.count == board.cards.count + 1 && timeline.times.count == board.cards.count + 1)
        let last = timeline.frames[timeline.frames.count - 1]
        _ = (timeline.card(at: timeline.times[timeline.times.count - 1] / 2), timeline.card(atFrame: last / 2))
        // ZoomGenerator: the schedule over the timeline, then the camera path.
        let schedule = try ZoomSchedule(times: timeline.times, cards: board.cards, zoom: board.zoom)
        let path = try ZoomPath(steps: schedule.zoomSteps, direction: board.zoom.direction, fps: timeline.fps,
                                frameCount: last)
        for frame in [0, last / 2, last - 1] { _ = path.view(atFrame: frame) }
        _ = schedule.totalFactor
    }
    return 0
}
