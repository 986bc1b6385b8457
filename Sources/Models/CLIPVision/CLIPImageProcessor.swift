import Tensor

/// transformers' `CLIPImageProcessor` as its PIL backend computes it (docs/clip-vision.md): an RGB
/// image resized so its shortest edge is `size` (Pillow's resampling, bit for bit), centre-cropped
/// to `crop_height` x `crop_width` (padding with zeros where the image is smaller), rescaled by
/// `rescale_factor` (1/255) and normalised with the per-channel mean and standard deviation, in
/// the reference's float32 arithmetic.
public struct CLIPImageProcessor: Sendable, Equatable {
    /// How the image is resized before the crop.
    public enum Size: Sendable, Equatable {
        /// The shorter side becomes this many pixels, the longer one keeps the aspect ratio
        /// (rounded down), `{"shortest_edge": n}`.
        case shortestEdge(Int)
        /// Exactly this size, `{"height": h, "width": w}`.
        case exact(height: Int, width: Int)
    }

    /// `do_resize`.
    public var doResize: Bool
    /// `size`.
    public var size: Size
    /// `resample` (3, bicubic, for CLIP).
    public var resample: PILResampling.Filter
    /// `do_center_crop`.
    public var doCenterCrop: Bool
    /// `crop_size`: the output's height and width when cropping.
    public var cropHeight: Int, cropWidth: Int
    /// `do_rescale`.
    public var doRescale: Bool
    /// `rescale_factor` (1/255).
    public var rescaleFactor: Double
    /// `do_normalize`.
    public var doNormalize: Bool
    /// `image_mean` and `image_std`, per RGB channel.
    public var imageMean: [Double], imageStd: [Double]

    /// A processor; every argument defaults to CLIP's (OpenAI's mean and standard deviation).
    public init(doResize: Bool = true, size: Size = .shortestEdge(224), resample: PILResampling.Filter = .bicubic,
                doCenterCrop: Bool = true, cropHeight: Int = 224, cropWidth: Int = 224, doRescale: Bool = true,
                rescaleFactor: Double = 1.0 / 255.0, doNormalize: Bool = true,
                imageMean: [Double] = CLIPImageProcessor.openAIMean, imageStd: [Double] = CLIPImageProcessor.openAIStd) {
        self.doResize = doResize
        self.size = size
        self.resample = resample
        self.doCenterCrop = doCenterCrop
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
        self.doRescale = doRescale
        self.rescaleFactor = rescaleFactor
        self.doNormalize = doNormalize
        self.imageMean = imageMean
        self.imageStd = imageStd
    }

    /// OpenAI CLIP's per-channel mean, which laion's ViT-H/14 and Wan keep.
    public static let openAIMean = [0.48145466, 0.4578275, 0.40821073]
    /// OpenAI CLIP's per-channel standard deviation.
    public static let openAIStd = [0.26862954, 0.26130258, 0.27577711]

    /// The settings used for the original Wan single file, which ships without a
    /// `preprocessor_config.json`: those of the diffusers Wan I2V / FLF2V repositories (shortest edge
    /// 224, bicubic, centre crop 224 x 224, 1/255, OpenAI's mean and std).
    public static let openCLIPViTH14 = CLIPImageProcessor()

    /// The largest `size` or crop side this port takes: CLIP models take 224 to 448 pixels, and a
    /// 4096-pixel square output is already 200 MB of float32.
    public static let largestSide = 4096

    /// Reads a `preprocessor_config.json` (as transformers' `save_pretrained` writes it; the older
    /// plain-integer `size` and `crop_size` are read as a shortest edge and a square crop) and
    /// validates it. Absent fields keep CLIP's defaults. Throws
    /// ``CLIPVisionError/invalidConfig(file:field:detail:)`` naming `file` and the field.
    public init(json: JSONValue, file: String?) throws {
        func fail(_ field: String, _ detail: String) -> CLIPVisionError { .invalidConfig(file: file, field: field, detail: detail) }
        guard json.objectValue != nil else { throw fail(ConfigFieldError.document, "is \(json.kindDescription), not an object") }
        func flag(_ key: String, _ fallback: Bool) throws -> Bool {
            guard let value = json[key] else { return fallback }
            guard let flag = value.boolValue else { throw fail(key, "must be true or false, not \(value.shortDescription)") }
            return flag
        }
        func side(_ key: String, _ value: JSONValue) throws -> Int {
            guard let side = value.intValue else { throw fail(key, "must be a whole number, not \(value.shortDescription)") }
            guard (1...CLIPImageProcessor.largestSide).contains(side) else {
                throw fail(key, "is \(side), expected 1 to \(CLIPImageProcessor.largestSide) pixels")
            }
            return side
        }
        func triple(_ key: String, _ fallback: [Double]) throws -> [Double] {
            guard let value = json[key] else { return fallback }
            if let one = value.doubleValue { return [one, one, one] }
            guard let list = value.arrayValue, list.count == 3, case let numbers = list.compactMap(\.doubleValue),
                  numbers.count == 3 else {
                throw fail(key, "must be a number or a list of 3 numbers, not \(value.shortDescription)")
            }
            return numbers
        }
        var processor = CLIPImageProcessor()
        processor.doResize = try flag("do_resize", true)
        if let value = json["size"] {
            if value.intValue != nil {
                processor.size = .shortestEdge(try side("size", value))
            } else if let edge = value["shortest_edge"], value["height"] == nil {
                processor.size = .shortestEdge(try side("size.shortest_edge", edge))
            } else if let height = value["height"], let width = value["width"], value["shortest_edge"] == nil {
                processor.size = .exact(height: try side("size.height", height), width: try side("size.width", width))
            } else {
                throw fail("size", "must hold \"shortest_edge\" or \"height\" and \"width\", not \(value.shortDescription)")
            }
        }
        if let value = json["resample"] {
            guard let code = value.intValue, let filter = PILResampling.Filter(rawValue: code) else {
                throw fail("resample", "is \(value.shortDescription); this port takes 1 (Lanczos), 2 (bilinear) and 3 (bicubic)")
            }
            processor.resample = filter
        }
        processor.doCenterCrop = try flag("do_center_crop", true)
        if let value = json["crop_size"] {
            if value.intValue != nil {
                let crop = try side("crop_size", value)
                (processor.cropHeight, processor.cropWidth) = (crop, crop)
            } else if let height = value["height"], let width = value["width"] {
                (processor.cropHeight, processor.cropWidth) = (try side("crop_size.height", height),
                                                               try side("crop_size.width", width))
            } else {
                throw fail("crop_size", "must hold \"height\" and \"width\", not \(value.shortDescription)")
            }
        }
        processor.doRescale = try flag("do_rescale", true)
        if let value = json["rescale_factor"] {
            guard let factor = value.doubleValue, factor.isFinite, factor > 0 else {
                throw fail("rescale_factor", "must be a positive number, not \(value.shortDescription)")
            }
            processor.rescaleFactor = factor
        }
        processor.doNormalize = try flag("do_normalize", true)
        processor.imageMean = try triple("image_mean", CLIPImageProcessor.openAIMean)
        processor.imageStd = try triple("image_std", CLIPImageProcessor.openAIStd)
        do { try processor.validate() } catch CLIPVisionError.invalidConfig(_, let field, let detail) {
            throw fail(field, detail)
        }
        self = processor
    }

    /// Throws ``CLIPVisionError/invalidConfig(file:field:detail:)`` unless every size and crop side
    /// is 1 to ``largestSide``, the rescale factor is a positive number and the mean and standard
    /// deviation hold 3 finite numbers each (the deviations positive). ``pixels(rgb:width:height:)``
    /// checks this first, so a processor built in code is held to what a file is.
    public func validate() throws {
        func fail(_ field: String, _ detail: String) -> CLIPVisionError { .invalidConfig(file: nil, field: field, detail: detail) }
        let sides: [(String, Int)]
        switch size {
        case .shortestEdge(let edge): sides = [("size.shortest_edge", edge)]
        case .exact(let height, let width): sides = [("size.height", height), ("size.width", width)]
        }
        for (field, side) in sides + [("crop_size.height", cropHeight), ("crop_size.width", cropWidth)]
        where !(1...CLIPImageProcessor.largestSide).contains(side) {
            throw fail(field, "is \(side), expected 1 to \(CLIPImageProcessor.largestSide) pixels")
        }
        guard rescaleFactor.isFinite, rescaleFactor > 0 else {
            throw fail("rescale_factor", "must be a positive number, not \(rescaleFactor)")
        }
        guard imageMean.count == 3, imageMean.allSatisfy({ $0.isFinite && abs($0) <= 1e6 }) else {
            throw fail("image_mean", "must hold 3 finite numbers, not \(imageMean)")
        }
        guard imageStd.count == 3, imageStd.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1e6 }) else {
            throw fail("image_std", "must hold 3 positive numbers, not \(imageStd)")
        }
    }

    /// Reads the `preprocessor_config.json` of a diffusers folder's `image_processor` component.
    /// Throws ``CLIPVisionError`` when the component has no such file or it is not valid JSON.
    public init(component: ModelComponent) throws {
        let folder = component.path ?? component.name
        let path = folder + "/preprocessor_config.json"
        guard component.files.contains("preprocessor_config.json") else {
            throw CLIPVisionError.incompleteComponent(path: folder, detail: "has no preprocessor_config.json")
        }
        let json: JSONValue
        do {
            let bytes = try RegularFile.read(path, limit: 1 << 20)
            json = try bytes.withUnsafeBytes { try JSONValue(parsing: $0) }
        } catch {
            throw CLIPVisionError.incompleteComponent(path: path, detail: "cannot be read as JSON: \(error)")
        }
        try self.init(json: json, file: path)
    }

    /// The output's height and width: the crop, or without one the resized size of a
    /// `width` x `height` image.
    public func outputSize(width: Int, height: Int) -> (height: Int, width: Int) {
        if doCenterCrop { return (cropHeight, cropWidth) }
        return doResize ? resizedSize(width: width, height: height) : (height, width)
    }

    /// Interleaved RGB bytes (row-major, 3 per pixel, `width * height * 3`) → `[1, 3, crop_h, crop_w]`
    /// float32: resize (shortest edge, Pillow's filter as the reference), centre crop, rescale,
    /// normalise. Throws ``CLIPVisionError/invalidInput(_:)`` for a size below 1 or above
    /// ``PILResampling/largestSide`` or a buffer of the wrong length, and
    /// ``CLIPVisionError/invalidConfig(file:field:detail:)`` for settings ``validate()`` refuses.
    public func pixels(rgb: [UInt8], width: Int, height: Int) throws -> Tensor {
        try validate()
        guard (1...PILResampling.largestSide).contains(width), (1...PILResampling.largestSide).contains(height) else {
            throw CLIPVisionError.invalidInput("the image is \(width)x\(height), expected 1 to \(PILResampling.largestSide) "
                + "pixels a side")
        }
        guard rgb.count == width * height * 3 else {
            throw CLIPVisionError.invalidInput("\(rgb.count) bytes do not hold a \(width)x\(height) RGB image "
                + "(\(width * height * 3) bytes)")
        }
        var image = rgb, (h, w) = (height, width)
        if doResize {
            let (newHeight, newWidth) = resizedSize(width: width, height: height)
            if (newHeight, newWidth) != (height, width) {
                image = try PILResampling.resize(image, width: width, height: height, channels: 3, toWidth: newWidth,
                                                 height: newHeight, filter: resample)
                (h, w) = (newHeight, newWidth)
            }
        }
        if doCenterCrop { (image, h, w) = centerCrop(image, height: h, width: w) }
        // float32(float64(byte) · factor), then (x − mean) / std in float32, as NumPy computes them.
        let mean = imageMean.map { Float($0) }, std = imageStd.map { Float($0) }
        var values = [Float](repeating: 0, count: 3 * h * w)
        for c in 0..<3 {
            for i in 0..<(h * w) {
                var x = doRescale ? Float(Double(image[i * 3 + c]) * rescaleFactor) : Float(image[i * 3 + c])
                if doNormalize { x = (x - mean[c]) / std[c] }
                values[c * h * w + i] = x
            }
        }
        return try Tensor(values, shape: [1, 3, h, w])  // [1, 3, H, W]
    }

    /// The size the resize step gives a `width` x `height` image (transformers'
    /// `get_resize_output_image_size` with `default_to_square=False`): the shorter side becomes the
    /// shortest edge and the longer one `int(edge · long / short)`.
    public func resizedSize(width: Int, height: Int) -> (height: Int, width: Int) {
        switch size {
        case .exact(let height, let width): return (height, width)
        case .shortestEdge(let edge):
            let (short, long) = width <= height ? (width, height) : (height, width)
            let newLong = Int(Double(edge * long) / Double(short))
            return width <= height ? (newLong, edge) : (edge, newLong)
        }
    }

    /// transformers' NumPy `center_crop`: the middle `crop_height` x `crop_width` window (top and
    /// left rounded down), the image first padded with zeros where it is smaller than the crop.
    private func centerCrop(_ image: [UInt8], height: Int, width: Int) -> ([UInt8], Int, Int) {
        let (ch, cw) = (cropHeight, cropWidth)
        // Where the crop window starts in the (virtually) padded image, and that image's offset of the original.
        let padTop = max(ch - height, 0) / 2 + max(ch - height, 0) % 2, padLeft = max(cw - width, 0) / 2 + max(cw - width, 0) % 2
        let top = floorDiv(height - ch, 2) + padTop, left = floorDiv(width - cw, 2) + padLeft
        var out = [UInt8](repeating: 0, count: ch * cw * 3)
        for y in 0..<ch {
            let sourceY = top + y - padTop
            guard (0..<height).contains(sourceY) else { continue }
            for x in 0..<cw {
                let sourceX = left + x - padLeft
                guard (0..<width).contains(sourceX) else { continue }
                for c in 0..<3 { out[(y * cw + x) * 3 + c] = image[(sourceY * width + sourceX) * 3 + c] }
            }
        }
        return (out, ch, cw)
    }
}

/// Python's `a // b` for b > 0: the quotient rounded toward minus infinity.
private func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
