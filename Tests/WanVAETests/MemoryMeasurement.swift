#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPUBackend
import Tensor
import Testing
import WanVAE

extension WanVAETests {
    /// Not a check but a measurement, off unless `ZOETROPE_VAE_RSS_FRAMES` names a latent frame
    /// count: decodes that many latent frames of config "a" at 240×416 px (latent 30×52), handing
    /// each chunk over and dropping it, and prints the process's peak RSS. Run once per count, each in
    /// its own process, to see that memory does not grow with the number of frames:
    ///
    ///     ZOETROPE_VAE_RSS_FRAMES=9 swift test -c release --skip-build --filter MemoryMeasurement
    @Suite struct MemoryMeasurement {
        static let frames = getenv("ZOETROPE_VAE_RSS_FRAMES").flatMap { Int(String(cString: $0)) }

        @Test(.enabled(if: frames != nil)) func decodePeakRSS() throws {
            let backend = CPUBackend()
            let vae = try VAEFixture("a").model(parts: .decoder)
            let count = MemoryMeasurement.frames ?? 1
            let latents = Tensor(filling: 0.5, shape: [1, 4, count, 30, 52])
            let before = try peakRSSKiB()
            var pixels = 0
            try vae.decode(latents, on: backend) { chunk in pixels += chunk.frames.shape[2] }
            print("vae rss: \(count) latent frames -> \(pixels) frames at 240x416: peak RSS \(try peakRSSKiB() / 1024) MiB "
                  + "(\(before / 1024) MiB before decoding)")
        }
    }
}

/// VmHWM of /proc/self/status, in KiB.
private func peakRSSKiB() throws -> Int {
    let status = try readText("/proc/self/status")
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        if let value = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) { return value }
    }
    return 0
}
