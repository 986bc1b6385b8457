import CPUBackend
import Pipelines
import Tensor
import UMT5

/// The prompt a text-encoder benchmark feeds: `tokens` token ids padded to the pipeline's 512 with
/// an attention mask, as diffusers' WanPipeline tokenizes (`max_length=512`, `padding="max_length"`).
/// No tokenizer is needed: the ids are pseudo-random from a fixed formula that
/// tools/bench/torch_cpu_peer.py repeats, ending with the end-of-sequence id 1 as a real prompt does.
public struct BenchmarkPrompt: Sendable, Equatable {
    /// The pipeline's padded length.
    public static let paddedLength = 512

    /// `[1, 512]`: the prompt's ids, then the pad id 0.
    public let ids: [[Int]]
    /// `[1, 512]`: 1 on the prompt's ids, 0 on the padding.
    public let attentionMask: [[Int]]

    /// Throws ``BenchmarkInputError`` unless 1 ≤ `tokens` ≤ 512 and the vocabulary has more than the
    /// two special ids (pad 0, end 1).
    public init(tokens: Int, vocabSize: Int) throws {
        guard (1...BenchmarkPrompt.paddedLength).contains(tokens) else {
            throw BenchmarkInputError("--tokens must be between 1 and \(BenchmarkPrompt.paddedLength), got \(tokens)")
        }
        guard vocabSize > 2 else { throw BenchmarkInputError("the text encoder's vocabulary has \(vocabSize) ids, expected more than 2") }
        let words = (0..<(tokens - 1)).map { 2 + ($0 * 7919 + 17) % (vocabSize - 2) }
        let padding = BenchmarkPrompt.paddedLength - tokens
        ids = [words + [1] + Array(repeating: 0, count: padding)]
        attentionMask = [Array(repeating: 1, count: tokens) + Array(repeating: 0, count: padding)]
    }
}

/// A benchmark input out of range, as one sentence.
public struct BenchmarkInputError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension WanMemoryBenchmark {
    /// `calls` UMT5 prompt encodings (``UMT5Encoder/promptEmbeddings(ids:attentionMask:on:taps:)``,
    /// which runs the real tokens only) of a `tokens`-token prompt padded to 512, with the text
    /// encoder of `files` in `dtype` (`.bfloat16`, the reference pipeline's, or `.float32`). The folder needs
    /// `model_index.json` and `text_encoder/` only (tools/bench/make_random_umt5.py writes one).
    public static func textEncoder(files: WanModelFiles, tokens: Int, dtype: DType = .bfloat16,
                                   calls: Int = 1) throws -> WanMemoryMeasurement {
        guard let precision = UMT5Encoder.Precision.allCases.first(where: { $0.dtype == dtype }) else {
            throw BenchmarkInputError("the text encoder runs in bf16 or f32, not \(dtype.rawValue)")
        }
        let backend = CPUBackend()
        let start = now()
        let encoder = try files.loadTextEncoder(precision: precision, uploadingTo: backend)  // as the pipeline loads it
        let loaded = now()
        let resident = currentResidentBytes()
        let prompt = try BenchmarkPrompt(tokens: tokens, vocabSize: encoder.config.vocabSize)
        let times = try timedCalls(calls) {
            _ = try encoder.promptEmbeddings(ids: prompt.ids, attentionMask: prompt.attentionMask, on: backend)  // [1, 512, D]
        }
        let config = encoder.config
        return WanMemoryMeasurement(
            workload: "UMT5 text encoder \(precision.rawValue) (\(config.numLayers) layers, d_model \(config.dModel)), "
                + "\(tokens) tokens padded to \(BenchmarkPrompt.paddedLength), real tokens only",
            loadSeconds: loaded - start, callSeconds: times, residentAfterLoadBytes: resident,
            peakResidentBytes: peakResidentBytes())
    }
}
