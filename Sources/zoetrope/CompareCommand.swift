import ArgumentParser
import Media
#if canImport(Glibc)
import Glibc
#endif

/// `zoetrope compare A B`: how far one video's frames are from another's, as PSNR over 8-bit RGB.
/// It measures what an approximation costs (step caching against the uncached run, docs/few-step.md);
/// compare lossless outputs (PNG folders) to leave the codec's own loss out.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "PSNR of one video's frames against a reference's (same size and frame count).",
        discussion: "Prints the PSNR over all frames and the lowest PSNR of any one frame, in dB (8-bit RGB, peak 255); identical videos print inf.")

    @Argument(help: "The reference video, image or folder of numbered PNG frames.")
    var reference: String

    @Argument(help: "The video to compare with it.")
    var candidate: String

    func run() throws {
        let a = try MediaReader.read(reference, fit: .native), b = try MediaReader.read(candidate, fit: .native)
        guard a.width == b.width, a.height == b.height, a.count == b.count else {
            throw CommandError("\(candidate) is \(b.count) frames of \(b.width)x\(b.height), \(reference) \(a.count) of \(a.width)x\(a.height); they must match")
        }
        let frameSize = a.width * a.height * 3
        var total = 0.0, worst = Double.infinity
        for frame in 0..<a.count {
            var squared = 0.0
            for i in frame * frameSize..<(frame + 1) * frameSize {
                let d = Double(a.pixels[i]) - Double(b.pixels[i])
                squared += d * d
            }
            total += squared
            worst = min(worst, psnr(meanSquared: squared / Double(frameSize)))
        }
        let overall = psnr(meanSquared: total / Double(max(1, frameSize * a.count)))
        print("PSNR \(decibels(overall)) dB over \(a.count) frames (lowest frame \(decibels(worst)) dB)")
    }

    private func psnr(meanSquared: Double) -> Double {
        meanSquared == 0 ? .infinity : 10 * log10(255 * 255 / meanSquared)
    }

    private func decibels(_ value: Double) -> String {
        value.isInfinite ? "inf" : String(Double((value * 100).rounded()) / 100)
    }
}
