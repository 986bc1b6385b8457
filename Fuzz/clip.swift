// The CLIP image encoder's configs and image processor (Sources/Models/CLIPVision): the input is
// JSON read both as an image encoder's config.json and as a preprocessor_config.json; a processor
// that decodes then runs on a small image made of the input's own bytes (its sizes capped so that
// one input stays fast), and Pillow's resampling runs on sizes and a filter the first bytes pick.
// Nothing may trap, whatever the sizes.
import CLIPVision
import Tensor

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCLIP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    guard !bytes.isEmpty else { return 0 }
    ignoringErrors {
        let value = try bytes.withUnsafeBytes { try JSONValue(parsing: $0) }
        ignoringErrors {
            let config = try CLIPVisionEncoder.Config(json: value, file: nil)
            _ = (config.tokens, config.headDim, config.gridSide)
        }
        ignoringErrors {
            var processor = try CLIPImageProcessor(json: value, file: nil)
            if case .shortestEdge(let edge) = processor.size, edge > 48 { processor.size = .shortestEdge(48) }
            if case .exact(let h, let w) = processor.size { processor.size = .exact(height: min(h, 48), width: min(w, 48)) }
            (processor.cropHeight, processor.cropWidth) = (min(processor.cropHeight, 48), min(processor.cropWidth, 48))
            let (width, height) = (1 + bytes.count % 13, 1 + bytes.count % 11)
            let rgb = (0..<(width * height * 3)).map { bytes[$0 % bytes.count] }
            let pixels = try processor.pixels(rgb: rgb, width: width, height: height)
            let expected = processor.outputSize(width: width, height: height)
            precondition(pixels.shape == [1, 3, expected.height, expected.width], "pixels \(pixels.shape) for \(expected)")
        }
    }
    if bytes.count >= 5 {
        let (width, height) = (1 + Int(bytes[0] % 40), 1 + Int(bytes[1] % 40))
        let (newWidth, newHeight) = (1 + Int(bytes[2] % 64), 1 + Int(bytes[3] % 64))
        let filter = PILResampling.Filter.allCases[Int(bytes[4]) % PILResampling.Filter.allCases.count]
        let image = (0..<(width * height * 3)).map { bytes[$0 % bytes.count] }
        ignoringErrors {
            let resized = try PILResampling.resize(image, width: width, height: height, channels: 3, toWidth: newWidth,
                                                   height: newHeight, filter: filter)
            precondition(resized.count == newWidth * newHeight * 3, "resized to \(resized.count) bytes")
        }
    }
    return 0
}
