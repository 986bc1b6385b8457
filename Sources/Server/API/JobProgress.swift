import Pipelines
import Synchronization

/// A job's progress, 0 to 100, from the generation's events: the prompt and inputs (to 8), each
/// denoising step (to 90), decoding (to 99); a long clip made in windows splits the range between its
/// windows. It never goes back, so a client's bar only moves forward.
final class JobProgress: Sendable {
    private let state = Mutex(0)

    var percent: Int { state.withLock { $0 } }

    func record(_ progress: GenerationProgress, window: Int = 0, windows: Int = 1) {
        let within = Self.fraction(progress)
        let overall = (Double(window) + within) / Double(max(windows, 1))
        let percent = min(99, Int((overall * 100).rounded(.down)))
        state.withLock { $0 = max($0, percent) }
    }

    /// Where a generation is, 0 to 1.
    static func fraction(_ progress: GenerationProgress) -> Double {
        let part = progress.total > 0 ? Double(progress.step) / Double(progress.total) : 0
        switch progress.stage {
        case .encodingPrompt: return 0.02
        case .encodingInputs: return 0.05
        case .loadingTransformer: return 0.08
        case .denoising: return 0.10 + 0.80 * part
        case .decoding: return 0.90 + 0.09 * part
        case .finished: return 0.99
        }
    }
}
