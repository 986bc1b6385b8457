#if canImport(Glibc)
import Glibc
#endif
import Media
import Pipelines
import Testing

/// Boards are read strictly (one line naming the card and field), and their timeline and windows
/// are planned before any model loads.
@Suite struct StoryboardTests {
    static func error(_ json: String) -> String? {
        do { _ = try Storyboard(json: json); return nil } catch { return "\(error)" }
    }

    @Test func readsTheDocumentedBoard() throws {
        let board = try Storyboard(json: """
            {"size": "256x256", "fps": 8, "seed": 1, "zoom": {"factor": 2, "every": 4, "direction": "in"},
             "cards": [{"prompt": "a couple meets", "seconds": 4, "image": "optional.png"},
                       {"prompt": "a wedding", "seconds": 6.5, "factor": 3, "every": 2},
                       {"prompt": "old age", "seconds": 4, "video": "old.mp4"}]}
            """)
        #expect(board.width == 256 && board.height == 256 && board.fps == 8 && board.seed == 1)
        #expect(board.zoom == ZoomSettings(factor: 2, every: 4, direction: .in))
        #expect(board.cards.count == 3 && board.cardSeconds == 14.5)
        #expect(board.cards[0] == StoryboardCard(prompt: "a couple meets", seconds: 4, image: "optional.png"))
        #expect(board.cards[1].factor == 3 && board.cards[1].every == 2 && board.cards[2].video == "old.mp4")
    }

    @Test func badBoardsGetOneLineNamingTheCardAndField() {
        let cases: [(String, String)] = [
            ("{\"cards\": []}", "the board has no cards"),
            ("{}", "the board has no \"cards\""),
            ("[1]", "must be a JSON object"),
            ("{\"cards\": [", "not valid JSON"),
            ("{\"cards\": [{\"prompt\": \"a\", \"seconds\": 0}]}", "card 1: \"seconds\" must be above 0, not 0"),
            ("{\"cards\": [{\"prompt\": \"a\", \"seconds\": 2}, {\"prompt\": \"b\", \"seconds\": -1}]}", "card 2: \"seconds\" must be above 0, not -1"),
            ("{\"cards\": [{\"prompt\": \"a\"}]}", "card 1 has no \"seconds\""),
            ("{\"cards\": [{\"seconds\": 2}]}", "card 1 has no \"prompt\""),
            ("{\"cards\": [{\"prompt\": \" \", \"seconds\": 2}]}", "card 1: \"prompt\" is empty"),
            ("{\"cards\": [{\"prompt\": \"a\", \"seconds\": \"2\"}]}", "card 1: \"seconds\" must be a number, not a string"),
            ("{\"cards\": [{\"prompt\": \"a\", \"secnds\": 2}]}", "card 1: unknown key \"secnds\""),
            ("{\"cards\": [{\"prompt\": \"a\", \"seconds\": 2, \"image\": \"a.png\", \"video\": \"b.mp4\"}]}", "card 1: give an \"image\" or a \"video\", not both"),
            ("{\"cards\": [{\"prompt\": \"a\", \"seconds\": 2, \"factor\": 1}]}", "card 1: \"factor\" must be above 1"),
            ("{\"zoom\": {\"factor\": 0.5}, \"cards\": [{\"prompt\": \"a\", \"seconds\": 2}]}", "zoom: \"factor\" must be above 1"),
            ("{\"zoom\": {\"direction\": \"sideways\"}, \"cards\": [{\"prompt\": \"a\", \"seconds\": 2}]}", "zoom: \"direction\" must be \"in\" or \"out\""),
            ("{\"size\": \"256\", \"cards\": [{\"prompt\": \"a\", \"seconds\": 2}]}", "board: \"size\" must be WIDTHxHEIGHT"),
            ("{\"fps\": 0, \"cards\": [{\"prompt\": \"a\", \"seconds\": 2}]}", "board: \"fps\" must be between 1 and 240, not 0"),
            ("{\"strength\": 2, \"cards\": [{\"prompt\": \"a\", \"seconds\": 2}]}", "board: \"strength\" must be between 0 and 1"),
            ("{\"cards\": [{\"prompt\": \"a\", \"seconds\": 2}], \"colour\": 1}", "board: unknown key \"colour\""),
        ]
        for (json, expected) in cases {
            let message = Self.error(json)
            #expect(message?.contains(expected) == true, "\(json): \(message ?? "accepted")")
            #expect(message?.contains("\n") == false)
        }
    }

    @Test func timelinePutsCardsOnLatentBoundariesAndBeats() throws {
        // 4 s + 4 s at 8 fps: 65 frames, the second card starting at frame 33 = 1 + 4·8.
        let plain = try StoryboardTimeline(seconds: [4, 4], fps: 8, temporalCompression: 4)
        #expect(plain.frames == [0, 33, 65] && plain.times == [0, 4, 8])
        // A 10 s song: the last card lasts until its end; the second card starts on the beat nearest 4 s.
        let song = try StoryboardTimeline(seconds: [4, 4], fps: 8, temporalCompression: 4, length: 10, lengthSource: "song",
                                          beats: [0.5, 1.0, 3.7, 4.4, 9.9])
        #expect(song.times == [0, 3.7, 10] && song.frames == [0, 29, 81])
        #expect(song.card(at: 3.69) == 0 && song.card(at: 3.7) == 1 && song.card(atFrame: 29) == 1)
        #expect(throws: StoryboardError.self) { try StoryboardTimeline(seconds: [6, 6], fps: 8, temporalCompression: 4, length: 10, lengthSource: "song") }
        do {
            _ = try StoryboardTimeline(seconds: [6, 6], fps: 8, temporalCompression: 4, length: 10, lengthSource: "song")
        } catch {
            #expect("\(error)" == "the cards last 12 s, longer than the 10 s song; shorten the cards or set a longer \"seconds\"")
        }
        // A card too short for a latent frame still gets one.
        let short = try StoryboardTimeline(seconds: [0.1, 2], fps: 8, temporalCompression: 4)
        #expect(short.frames == [0, 5, 17])
    }

    @Test func planFillsCardsWithWindowsAndLeadsIntoMedia() throws {
        // Bundled-model geometry: windows of 17 frames keeping 5, so 12 new frames a window.
        let timeline = try StoryboardTimeline(seconds: [6, 2, 4], fps: 8, temporalCompression: 4)
        #expect(timeline.frames == [0, 49, 65, 97])
        let plan = StoryPlan(timeline: timeline, media: [.none, .image, .video(frames: 20)], window: 17, context: 5, temporalCompression: 4)
        let steps = plan.steps.map { "\($0.kind.rawValue) \($0.card) \($0.frames)" }
        #expect(steps == [
            "opening 0 17",   // frames 0..<17 (leaving 4 for the transition would not shorten it)
            "extend 0 8", "extend 0 12",  // 20 more frames in the fewest windows, as even as latents allow
            "connect 1 12",  // the transition into card 2's image ends card 1
            "still 1 4",  // the image held one latent frame; the rest of card 2 leads into card 3's video
            "connect 2 12",
            "clip 2 20", "extend 2 12"])  // the video's 20 frames, then 12 new ones to fill the card
        #expect(plan.frames == 97)
    }

    /// Found by fuzzing (Fuzz/board.swift): a board's lengths are any finite positive number, and one
    /// of 1e300 s (or cards whose total overflows to infinity) trapped converting the frame count,
    /// or the seconds in a message, to an Int. They are refused in one line.
    @Test func hugeLengthsAreRefusedNotTrapped() throws {
        let board = try Storyboard(json: #"{"seconds": 1e300, "cards": [{"prompt": "a", "seconds": 1}]}"#)
        #expect(throws: StoryboardError("the video is 1e+300 s at 8 fps, more than the 100000 frames allowed")) {
            try StoryboardTimeline(seconds: board.cards.map(\.seconds), fps: 8, temporalCompression: 4, length: board.seconds)
        }
        #expect(throws: StoryboardError("the video is inf s at 8 fps, more than the 100000 frames allowed")) {
            try StoryboardTimeline(seconds: [1e308, 1e308], fps: 8, temporalCompression: 4)
        }
        #expect(throws: StoryboardError("the cards last 1e+300 s, longer than the 10 s song; shorten the cards or set a longer \"seconds\"")) {
            try StoryboardTimeline(seconds: [1e300], fps: 8, temporalCompression: 4, length: 10, lengthSource: "song")
        }
    }

    @Test func aLongClipIsOneOpeningAndEvenWindows() throws {
        let timeline = try StoryboardTimeline(seconds: [60], fps: 8, temporalCompression: 4)
        let plan = StoryPlan(timeline: timeline, media: [.none], window: 17, context: 5, temporalCompression: 4)
        #expect(plan.frames == 481 && plan.steps.count == 1 + 39)
        // 464 frames after the opening: 116 latent frames in 39 windows of 3 latents, one of 2.
        #expect(plan.steps.dropFirst().allSatisfy { $0.kind == .extend && ($0.frames == 12 || $0.frames == 8) })
        #expect(plan.steps.filter { $0.frames == 8 }.count == 1)
    }
}

/// Colour re-anchoring moves a window's statistics the asked part of the way to its card's.
@Suite struct ColourAnchorTests {
    static func clip(_ values: [UInt8], frames: Int) throws -> VideoFrames {
        let pixels: [UInt8] = (0..<frames).flatMap { _ in (0..<16).flatMap { i -> [UInt8] in [values[i % values.count], 100, 200] } }
        return try VideoFrames(width: 4, height: 4, count: frames, pixels: pixels)
    }

    @Test func movesMeanAndSpreadHalfWayAfterTheRamp() throws {
        // Red: the target has mean 100, spread 20; the window mean 140, spread 40.
        let target = ColourStatistics(try Self.clip([80, 120], frames: 1))
        let window = try Self.clip([100, 180], frames: 6)
        #expect(target.mean[0] == 100 && target.deviation[0] == 20)
        let corrected = try ColourAnchor(target: target, strength: 0.5).corrected(window, ramp: 2)
        // After the ramp: mean 120, spread 30, so the values 100 and 180 become 90 and 150.
        let late = ColourStatistics(try corrected.slice(2..<6))
        #expect(late.mean == [120, 100, 200] && late.deviation[0] == 30)
        // Ramp frames get 1/3 and 2/3 of the correction: 100 → 96.67 → 97, 93.33 → 93.
        #expect(corrected.pixels[0] == 97 && corrected.pixels[48] == 93)
        // Green and blue were already on target and stay.
        #expect(corrected.pixels[1] == 100 && corrected.pixels[2] == 200)
    }
}

/// The zoom's steps keep each card's rate exact and start each card's keyframe at its (beat-snapped) time.
@Suite struct ZoomScheduleTests {
    @Test func scenesChangeOnTheBeatsAtTheCardsRates() throws {
        let cards = [StoryboardCard(prompt: "a", seconds: 4), StoryboardCard(prompt: "b", seconds: 4, factor: 3, every: 2),
                     StoryboardCard(prompt: "c", seconds: 4)]
        let beats = stride(from: 0.26, to: 14, by: 0.51).map { $0 }
        let timeline = try StoryboardTimeline(seconds: cards.map(\.seconds), fps: 8, temporalCompression: 4, length: 14,
                                              lengthSource: "song", beats: beats)
        // Card 2 starts on the beat nearest 4 s (3.83), card 3 on the one nearest 8 s (7.91).
        #expect(abs(timeline.times[1] - 3.83) < 1e-9 && abs(timeline.times[2] - 7.91) < 1e-9 && timeline.times[3] == 14)
        let schedule = try ZoomSchedule(times: timeline.times, cards: cards, zoom: ZoomSettings(factor: 2, every: 4))
        #expect(schedule.steps.map(\.card) == [0, 1, 1, 2, 2])
        let path = try ZoomPath(steps: schedule.zoomSteps, direction: .in, fps: 8)
        // Each card's first keyframe fills the frame exactly at the card's start, on its beat.
        for (card, step) in [(1, 1), (2, 3)] {
            #expect(abs(path.startTimes[step] - timeline.times[card]) < 1e-9)
            #expect(schedule.isFirstOfCard(keyframe: step) && schedule.card(ofKeyframe: step) == card)
        }
        // Rates: card 1 zooms 2x per 4 s over 3.83 s; card 2 3x per 2 s over 4.08 s (two steps).
        func travelled(_ card: Int) -> Double { schedule.steps.filter { $0.card == card }.reduce(1) { $0 * $1.factor } }
        #expect(abs(travelled(0) - pow(2, 3.83 / 4)) < 1e-9)
        #expect(abs(travelled(1) - pow(3, 4.08 / 2)) < 1e-9)
        #expect(abs(travelled(2) - pow(2, 6.09 / 4)) < 1e-9)
    }

    /// Found by fuzzing (Fuzz/board.swift): a zoom period of 1e-300 s trapped converting the step
    /// count to an Int, and one of 1e-7 s built ten million steps before the limit was checked.
    @Test func tinyPeriodsAreRefusedBeforeCountingSteps() throws {
        let timeline = try StoryboardTimeline(seconds: [1], fps: 8, temporalCompression: 4)
        for every in [1e-300, 1e-7] {
            let board = try Storyboard(json: #"{"zoom": {"every": \#(every)}, "cards": [{"prompt": "a", "seconds": 1}]}"#)
            #expect(throws: StoryboardError("card 1: the zoom needs more than the 2000 keyframes allowed; zoom more slowly (a longer \"every\")")) {
                try ZoomSchedule(times: timeline.times, cards: board.cards, zoom: board.zoom)
            }
        }
    }
}
