import CPUBackend
import Pipelines
import Tensor
import TinyDecoder

extension WanMemoryBenchmark {
    /// One TAEHV decode of a video of `request`'s size from the same random latents as
    /// ``vaeDecode(files:request:weightType:calls:progress:)`` (so the two compare), streamed one latent frame at a
    /// time with each chunk's frames dropped as a writer would take them, `calls` times. `file` is a
    /// TAEHV decoder (tools/bench/make_random_taehv.py writes one with the published shapes and random weights).
    public static func tinyDecode(file: String, request: ValidatedRequest, calls: Int = 1,
                                  progress: (Int, Int) -> Void = { _, _ in }) throws -> WanMemoryMeasurement {
        let backend = CPUBackend()
        let start = now()
        let decoder = try TAEHV(weights: try openWeights(path: file))
        let loaded = now()
        let resident = currentResidentBytes()
        let (height, width, shape) = (request.height, request.width, request.latentShape)
        let latents = try randomTensor(shape, seed: 3)  // [1, 16, T, h, w]
        var decodedFrames = 0
        let times = try timedCalls(calls) {
            decodedFrames = 0
            try decoder.decode(latents, on: backend) { chunk in
                decodedFrames += chunk.frames.shape[2]
                progress(chunk.index + 1, chunk.count)
            }
        }
        return WanMemoryMeasurement(
            workload: "TAEHV decode f32 (widths \(decoder.config.widths)), latents \(shape) → \(decodedFrames) frames of \(height)x\(width), streamed",
            loadSeconds: loaded - start, callSeconds: times, residentAfterLoadBytes: resident,
            peakResidentBytes: peakResidentBytes())
    }
}
