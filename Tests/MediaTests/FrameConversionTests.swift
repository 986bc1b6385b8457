import Media
import Tensor
import Testing

@Suite("Frame conversion (diffusers postprocess and export)")
struct FrameConversionTests {
    // Expected bytes from PyTorch/NumPy, as diffusers computes them:
    //   x = torch.tensor([...], dtype=torch.float32)
    //   ((x * 0.5 + 0.5).clamp(0, 1).numpy() * 255).astype(np.uint8)
    // → [0, 255, 254, 127, 0, 255, 191, 63, 253, 127, 0, 153, 0, 2]
    // The last two are the float32 values nearest 2/255·2−1 and 3/255·2−1: their products land
    // just under 1 and 3 (0.99999994, 2.9999998), so truncation gives 0 and 2, not 1 and 3.
    static let inputs: [Float] = [-1, 1, 0.999, 0, -2, 2, 0.5, -0.5, 0.992, 0.0039, -0.9961, 0.2,
                                  -0.9921568632125854, -0.9764705896377563]
    static let expected: [UInt8] = [0, 255, 254, 127, 0, 255, 191, 63, 253, 127, 0, 153, 0, 2]

    @Test func bytesMatchDiffusersIncludingTruncationAndClamping() {
        #expect(Self.inputs.map(RGBFrame.byte(fromDecoded:)) == Self.expected)
    }

    @Test func notANumberBecomesZeroInsteadOfTrapping() {
        #expect(RGBFrame.byte(fromDecoded: .nan) == 0)
        #expect(RGBFrame.byte(fromDecoded: .infinity) == 255)
        #expect(RGBFrame.byte(fromDecoded: -.infinity) == 0)
    }

    /// [B=2, 3, F=2, H=2, W=3]: element value encodes (b, c, f, y, x) so the layout is checked.
    @Test func planarChannelsBecomeInterleavedRGBPerFrame() throws {
        let shape = [2, 3, 2, 2, 3]
        var values: [Float] = []
        for b in 0..<2 { for c in 0..<3 { for f in 0..<2 { for y in 0..<2 { for x in 0..<3 {
            values.append(Self.decodedValue(b: b, c: c, f: f, y: y, x: x))
        } } } } }
        let video = try Tensor(values, shape: shape)
        let frames = try RGBFrame.frames(decodedVideo: video, sample: 1)
        #expect(frames.count == 2)
        for f in 0..<2 {
            #expect(frames[f].width == 3 && frames[f].height == 2)
            var expected: [UInt8] = []
            for y in 0..<2 { for x in 0..<3 { for c in 0..<3 {
                expected.append(RGBFrame.byte(fromDecoded: Self.decodedValue(b: 1, c: c, f: f, y: y, x: x)))
            } } }
            #expect(frames[f].pixels == expected)
        }
    }

    @Test func halfPrecisionInputsGiveTheSameBytes() throws {
        // Values exact in bf16 and f16, so the widened input equals the float32 one.
        let values: [Float] = (0..<24).map { Float($0) / 8 - 1.5 }
        let shape = [1, 3, 2, 2, 2]
        let reference = try RGBFrame.frames(decodedVideo: Tensor(values, shape: shape))
        for dtype in [DType.bfloat16, .float16] {
            #expect(try RGBFrame.frames(decodedVideo: Tensor(values, shape: shape, dtype: dtype)) == reference)
        }
    }

    @Test func wrongShapesAreRefused() throws {
        #expect(throws: MediaError.self) { try RGBFrame.frames(decodedVideo: Tensor(zeros: [1, 4, 1, 2, 2])) }
        #expect(throws: MediaError.self) { try RGBFrame.frames(decodedVideo: Tensor(zeros: [3, 1, 2, 2])) }
        #expect(throws: MediaError.self) { try RGBFrame.frames(decodedVideo: Tensor(zeros: [1, 3, 1, 2, 2]), sample: 1) }
        #expect(throws: MediaError.self) { try RGBFrame(width: 2, height: 2, pixels: [0, 0, 0]) }
    }

    private static func decodedValue(b: Int, c: Int, f: Int, y: Int, x: Int) -> Float {
        Float(b * 48 + c * 16 + f * 8 + y * 3 + x) / 48 - 1
    }
}
