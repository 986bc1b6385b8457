import JobQueue
import Pipelines
import Testing
import TestSupport
@testable import Server

/// Create, remix and extension requests checked against the bundled model's rules (256x256, 17 frames
/// at 8 fps, sizes in steps of 32, 4k+1 frames) and the server's limits.
@Suite struct VideoRequestsTests {
    let requests: VideoRequests

    init() throws {
        let models = try ModelStore(single: ModelSource(folder: repositoryPath("models/zoetrope-tiny")))
        var configuration = ServerConfiguration()
        configuration.maxSide = 512
        configuration.maxSeconds = 10
        requests = VideoRequests(models: models, configuration: configuration)
    }

    func fields(_ values: [String: String]) -> RequestFields {
        var fields = RequestFields()
        fields.strings = values
        return fields
    }

    func rejection(_ values: [String: String]) -> APIError? {
        do {
            _ = try requests.create(fields(values))
            return nil
        } catch let error as APIError {
            return error
        } catch {
            return APIError.invalid("unexpected \(error)")
        }
    }

    @Test func defaultsComeFromTheModel() throws {
        let (job, upload) = try requests.create(fields(["prompt": "a red ball"]))
        #expect(upload == nil)
        #expect(job.model == "zoetrope-tiny" && job.size == "256x256" && job.seconds == "2" && job.status == .queued)
        #expect(job.id.hasPrefix("video_") && job.id.count == 38)
        let parameters = try JobParameters(json: job.parameters)
        #expect(parameters.mode == .text && parameters.width == 256 && parameters.seconds == 2 && parameters.fps == 8)
    }

    @Test func explicitFieldsAndSeedSurviveTheRoundTrip() throws {
        let (job, _) = try requests.create(fields(["prompt": "p", "size": "320x192", "seconds": "4", "seed": "18446744073709551615",
                                                   "steps": "3", "guidance": "1", "negative_prompt": "blur"]))
        #expect(job.size == "320x192" && job.seconds == "4")
        let parameters = try JobParameters(json: job.parameters)
        #expect(parameters.seed == UInt64.max && parameters.steps == 3 && parameters.guidance == 1 && parameters.negativePrompt == "blur")
        #expect(try JobParameters(json: parameters.json.serialized) == parameters)
    }

    @Test func loopsTakeWholeLatentFrames() throws {
        let (job, _) = try requests.create(fields(["prompt": "p", "loop": "true", "seconds": "2"]))
        #expect(try JobParameters(json: job.parameters).mode == .loop)
        #expect(rejection(["prompt": "p", "loop": "maybe"])?.param == "loop")
    }

    @Test func badFieldsNameTheirParam() {
        #expect(rejection([:])?.param == "prompt")
        #expect(rejection(["prompt": "   "])?.param == "prompt")
        #expect(rejection(["prompt": String(repeating: "x", count: 32_001)])?.param == "prompt")
        #expect(rejection(["prompt": "p", "size": "100x100"])?.param == "size")
        #expect(rejection(["prompt": "p", "size": "1024x1024"])?.param == "size")  // over --max-side 512
        #expect(rejection(["prompt": "p", "size": "256"])?.param == "size")
        #expect(rejection(["prompt": "p", "size": "-256x256"])?.param == "size")
        #expect(rejection(["prompt": "p", "size": "99999999999999999999x256"])?.param == "size")
        #expect(rejection(["prompt": "p", "seconds": "1.3"])?.param == "seconds")  // 10.4 frames
        #expect(rejection(["prompt": "p", "seconds": "nan"])?.param == "seconds")
        #expect(rejection(["prompt": "p", "seconds": "1e300"])?.param == "seconds")
        #expect(rejection(["prompt": "p", "seconds": "11"])?.param == "seconds")  // over --max-seconds 10
        #expect(rejection(["prompt": "p", "steps": "0"])?.param == "steps")
        #expect(rejection(["prompt": "p", "steps": "many"])?.param == "steps")
        #expect(rejection(["prompt": "p", "guidance": "inf"])?.param == "guidance")
        #expect(rejection(["prompt": "p", "seed": "-1"])?.param == "seed")
        let model = rejection(["prompt": "p", "model": "sora-2"])
        #expect(model?.param == "model" && model?.code == "model_not_found" && model?.status == .badRequest)
    }

    func finished(seconds: String = "2") throws -> VideoJob {
        var (job, _) = try requests.create(fields(["prompt": "source", "seconds": seconds]))
        job.status = .completed
        return job
    }

    @Test func remixKeepsTheSourcesSizeAndLength() throws {
        let source = try finished()
        let remix = try requests.remix(of: source, fields(["prompt": "again", "strength": "0.5"]))
        #expect(remix.remixedFromVideoID == source.id && remix.seconds == "2" && remix.size == "256x256")
        let parameters = try JobParameters(json: remix.parameters)
        #expect(parameters.mode == .remix && parameters.source == source.id && parameters.strength == 0.5)
        #expect(try JobParameters(json: try requests.remix(of: source, fields(["prompt": "x"])).parameters).strength
                == VideoRequests.defaultRemixStrength)
        #expect(throws: APIError.self) { try requests.remix(of: source, fields(["prompt": "x", "strength": "2"])) }
        var running = source
        running.status = .inProgress
        #expect(throws: APIError.self) { try requests.remix(of: running, fields(["prompt": "x"])) }
    }

    @Test func extensionsAddUpToTheWholeLength() throws {
        let source = try finished()
        let extended = try requests.extend(source, fields(["prompt": "more", "seconds": "1"]))
        #expect(extended.seconds == "3")
        #expect(try JobParameters(json: extended.parameters).mode == .extend)
        #expect(throws: APIError.self) { try requests.extend(source, fields(["prompt": "more", "seconds": "0.3"])) }  // 2.4 frames
        #expect(throws: APIError.self) { try requests.extend(source, fields(["prompt": "more", "seconds": "9"])) }  // 11 s in all
    }

    @Test func progressOnlyMovesForward() {
        let progress = JobProgress()
        progress.record(GenerationProgress(stage: .denoising, step: 10, total: 20, elapsed: 1, remaining: nil))
        #expect(progress.percent == 50)
        progress.record(GenerationProgress(stage: .encodingPrompt, step: 0, total: 1, elapsed: 1, remaining: nil))
        #expect(progress.percent == 50)
        progress.record(GenerationProgress(stage: .decoding, step: 1, total: 1, elapsed: 1, remaining: nil), window: 1, windows: 2)
        #expect(progress.percent == 99)
    }

    @Test func stillsSampleEvenlyAcrossTheVideo() throws {
        var sampler = StillSampler(totalFrames: 17)
        let frames = try (0..<17).map { index in try RGBFrameMaker.solid(UInt8(index)) }
        sampler.take(Array(frames[0..<5]))
        sampler.take(Array(frames[5...]))
        #expect(sampler.kept.map { $0.pixels[0] } == [0, 2, 5, 7, 9, 11, 14, 16])
    }
}

import Media

enum RGBFrameMaker {
    static func solid(_ value: UInt8) throws -> RGBFrame {
        try RGBFrame(width: 2, height: 2, pixels: [UInt8](repeating: value, count: 12))
    }
}
