import CLIPVision
import Tensor
import TestSupport
import Testing

/// The processor and Pillow's resampling against transformers' `CLIPImageProcessor` (PIL backend)
/// and Pillow 13 (tools/fixtures/make_clip_vision_fixtures.py, processor.safetensors): four
/// random images (45x37, 13x20 smaller than the crop, 150x97 shrunk to 24 and cropped to 16x20,
/// 30x22 shrunk below its crop so the crop pads), and bicubic, bilinear and Lanczos resizes both
/// ways.
@Suite struct CLIPImageProcessorTests {
    static let images = ["wide", "small", "large", "padded"]

    let file: SafeTensorsFile
    init() throws { file = try SafeTensorsFile(path: clipFixturePath("processor.safetensors")) }

    /// The uint8 image `name` `[H, W, 3]` as bytes and its width and height.
    func image(_ name: String) throws -> (bytes: [UInt8], width: Int, height: Int) {
        let tensor = try file.tensor(named: name)  // uint8 → float32, exact
        return (tensor.floats().map { UInt8($0) }, tensor.shape[1], tensor.shape[0])
    }

    /// The processor the fixture used for image `name` (its config is in the file's metadata).
    func processor(_ name: String) throws -> CLIPImageProcessor {
        guard let text = file.metadata["\(name).config"] else {
            throw CLIPVisionError.invalidInput("processor.safetensors has no \(name).config")
        }
        return try CLIPImageProcessor(json: try JSONValue(parsing: text), file: "\(name).config")
    }

    // Pillow's BICUBIC resize to the shortest edge: equal bytes.
    @Test(arguments: images)
    func bicubicResizeEqualsPillow(name: String) throws {
        let (rgb, width, height) = try image("\(name).rgb")
        let expected = try image("\(name).resized")
        let size = try processor(name).resizedSize(width: width, height: height)
        #expect(size == (expected.height, expected.width))
        let resized = try PILResampling.resize(rgb, width: width, height: height, channels: 3, toWidth: size.width,
                                               height: size.height, filter: .bicubic)
        #expect(resized == expected.bytes, "\(name): \(zip(resized, expected.bytes).filter { $0 != $1 }.count) bytes differ")
    }

    // The three filters, shrinking one axis and growing the other: equal bytes.
    @Test(arguments: ["wide", "large", "small"])
    func filtersEqualPillow(name: String) throws {
        let (rgb, width, height) = try image("\(name).rgb")
        for (label, filter) in [("bicubic_to", PILResampling.Filter.bicubic), ("bilinear", .bilinear), ("lanczos", .lanczos)] {
            let expected = try image("\(name).\(label)")
            let resized = try PILResampling.resize(rgb, width: width, height: height, channels: 3, toWidth: expected.width,
                                                   height: expected.height, filter: filter)
            #expect(resized == expected.bytes,
                    "\(name) \(label): \(zip(resized, expected.bytes).filter { $0 != $1 }.count) bytes differ")
        }
    }

    // The whole processor: resize, crop (with padding), rescale and normalise. The arithmetic is
    // the reference's float32, so the values agree exactly.
    @Test(arguments: images)
    func pixelsMatchTransformers(name: String) throws {
        let (rgb, width, height) = try image("\(name).rgb")
        let pixels = try processor(name).pixels(rgb: rgb, width: width, height: height)
        expectMatch(pixels, try file.tensor(named: "\(name).pixels"), .exact, "processor \(name)")
    }

    // The fixture folders' preprocessor_config.json, read through the model folder.
    @Test func readsTheComponentConfig() throws {
        let folder = try ModelFolder(path: clipFixturePath("a"))
        guard let component = folder.component(named: "image_processor") else {
            Issue.record("no image_processor component")
            return
        }
        let processor = try CLIPImageProcessor(component: component)
        #expect(processor == CLIPImageProcessor(size: .shortestEdge(32), cropHeight: 32, cropWidth: 32))
        #expect(CLIPImageProcessor.openCLIPViTH14 == CLIPImageProcessor())
        #expect(CLIPImageProcessor.openCLIPViTH14.outputSize(width: 640, height: 480) == (224, 224))
    }

    // Older plain-integer sizes, an exact size, and refusals naming the field.
    @Test func configFormsAndRefusals() throws {
        let old = try CLIPImageProcessor(json: try JSONValue(parsing: #"{"size": 40, "crop_size": 30, "resample": 2}"#), file: "p.json")
        #expect(old.size == .shortestEdge(40) && old.cropHeight == 30 && old.cropWidth == 30 && old.resample == .bilinear)
        let exact = try CLIPImageProcessor(json: try JSONValue(parsing: #"{"size": {"height": 5, "width": 7}}"#), file: nil)
        #expect(exact.resizedSize(width: 100, height: 3) == (5, 7))
        let refused: [(String, String)] = [
            (#"{"size": {"shortest_edge": 0}}"#, #"p.json: "size.shortest_edge" is 0, expected 1 to 4096 pixels"#),
            (#"{"crop_size": {"height": 1e9, "width": 3}}"#, #"p.json: "crop_size.height""#),
            (#"{"size": 5000}"#, #"p.json: "size" is 5000, expected 1 to 4096 pixels"#),
            (#"{"resample": 0}"#, #"p.json: "resample" is 0; this port takes"#),
            (#"{"image_std": [1, 0, 1]}"#, #"p.json: "image_std" must hold 3 positive numbers"#),
            (#"{"image_mean": [1, 2]}"#, #"p.json: "image_mean" must be a number or a list of 3 numbers"#),
            (#"{"do_resize": "yes"}"#, #"p.json: "do_resize" must be true or false"#),
            (#"[1]"#, "p.json"),
        ]
        for (text, message) in refused {
            #expect {
                try CLIPImageProcessor(json: try JSONValue(parsing: text), file: "p.json")
            } throws: { error in
                "\(error)".hasPrefix(message) && !"\(error)".contains("\n")
            }
        }
    }

    // Inputs that do not fit: one line, no trap.
    @Test func refusesBadImages() throws {
        let processor = CLIPImageProcessor.openCLIPViTH14
        let cases: [([UInt8], Int, Int)] = [([1, 2, 3], 2, 1), ([], 0, 0), ([UInt8](repeating: 0, count: 12), 4, -1),
                                            ([0, 0, 0], 1 << 20, 1)]
        for (bytes, width, height) in cases {
            #expect(throws: CLIPVisionError.self) { try processor.pixels(rgb: bytes, width: width, height: height) }
        }
        // Settings made in code are held to the file's bounds before anything is allocated.
        for bad in [CLIPImageProcessor(cropHeight: -1), CLIPImageProcessor(size: .shortestEdge(1 << 40)),
                    CLIPImageProcessor(size: .exact(height: 0, width: 3)), CLIPImageProcessor(imageMean: [0.5]),
                    CLIPImageProcessor(imageStd: [1, 1, 0]), CLIPImageProcessor(rescaleFactor: .nan)] {
            #expect(throws: CLIPVisionError.self) { try bad.pixels(rgb: [1, 2, 3], width: 1, height: 1) }
        }
        #expect(throws: CLIPVisionError.self) {
            try PILResampling.resize([0, 0, 0], width: 1, height: 1, channels: 3, toWidth: 0, height: 4, filter: .bicubic)
        }
        // One pixel grows to any size (the single tap carries it all).
        let grown = try processor.pixels(rgb: [10, 200, 30], width: 1, height: 1)
        #expect(grown.shape == [1, 3, 224, 224])
    }
}
