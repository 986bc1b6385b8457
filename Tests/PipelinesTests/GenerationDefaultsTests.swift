import Foundation
import Pipelines
import Tensor
import TestSupport
import Testing

@Suite struct GenerationDefaultsTests {
    @Test func aFolderWithoutZoetropeJSONGetsWanDefaults() throws {
        let defaults = try GenerationDefaults(folder: try ModelFolder(path: fixturePath("wan_pipeline/tiny-wan")))
        #expect(defaults == .wan21)
        #expect(defaults.sizeMultiple == 16)
    }

    @Test func theBundledModelDeclaresItsOwn() throws {
        let defaults = try GenerationDefaults(folder: try ModelFolder(path: repositoryPath("models/zoetrope-tiny")))
        #expect(defaults.width == 256 && defaults.height == 256 && defaults.frames == 17 && defaults.fps == 8)
        #expect(defaults.negativePrompt == "" && defaults.sizeMultiple == 32)
        let request = try GenerationRequest(prompt: "a red ball", seed: 1).validated(defaults: defaults)
        #expect(request.width == 256 && request.frames == 17 && request.steps == defaults.steps)
        #expect(request.guidance == defaults.guidance)
        #expect(request.latentShape == [1, 16, 5, 32, 32])
    }

    /// A value that passes the file's own checks but that no request could use is the file's fault:
    /// the error names zoetrope.json, not a flag.
    @Test(arguments: [
        (#"{"steps": 5000}"#, "sets defaults no request could use: steps 5000 must be between 1 and 1000"),
        (#"{"width": 100}"#, "sets defaults no request could use: width 100 must be a positive multiple of 16"),
        (#"{"frames": 6}"#, "sets defaults no request could use: frames must be of the form 4k+1"),
        (#"{"window": 6}"#, "window 6 must be of the form 4k+1"),
        (#"{"context": 81}"#, "context 81 must be of the form 4k+1 and fewer than the window's 81 frames"),
    ])
    func unusableDefaultsNameTheFile(json: String, message: String) throws {
        let copy = NSTemporaryDirectory() + "zoetrope-defaults-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try FileManager.default.copyItem(atPath: fixturePath("wan_pipeline/tiny-wan"), toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try Data(json.utf8).write(to: URL(fileURLWithPath: copy + "/zoetrope.json"))
        do {
            _ = try GenerationDefaults(folder: try ModelFolder(path: copy))
            Issue.record("accepted \(json)")
        } catch let error as GenerationError {
            #expect(error.description.contains(copy + "/zoetrope.json"), "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test func missingKeysKeepWanValues() throws {
        let defaults = try GenerationDefaults(json: try JSONValue(parsing: #"{"width": 320, "negative_prompt": "blur"}"#),
                                              source: "x.json")
        #expect(defaults.width == 320 && defaults.negativePrompt == "blur")
        #expect(defaults.height == 480 && defaults.frames == 81 && defaults.steps == 50 && defaults.guidance == 5)
    }

    @Test(arguments: [
        (#"[1, 2]"#, "x.json must hold a JSON object"),
        (#"{"width": -8}"#, "x.json: \"width\" must be a positive whole number"),
        (#"{"steps": 2.5}"#, "x.json: \"steps\" must be a positive whole number"),
        (#"{"guidance": "high"}"#, "x.json: \"guidance\" must be a number from 0.0 to 100.0"),
        (#"{"negative_prompt": 3}"#, "x.json: \"negative_prompt\" must be a string"),
    ])
    func badFilesAreOneLine(json: String, message: String) throws {
        do {
            _ = try GenerationDefaults(json: try JSONValue(parsing: json), source: "x.json")
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test func sizesFollowTheModelsMultiple() throws {
        var defaults = GenerationDefaults.wan21
        defaults.geometry.patch = [1, 4, 4]  // 8 x 4 = 32, as the bundled model
        #expect(try GenerationRequest(prompt: "a", width: 288, height: 256).validated(defaults: defaults).width == 288)
        do {
            _ = try GenerationRequest(prompt: "a", width: 240).validated(defaults: defaults)
            Issue.record("accepted width 240")
        } catch {
            #expect("\(error)".contains("width 240 must be a positive multiple of 32"), "\(error)")
            #expect("\(error)".contains("try 224"), "\(error)")
        }
    }
}
