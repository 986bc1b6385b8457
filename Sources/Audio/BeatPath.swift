#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The dynamic programme at the heart of librosa 0.11's `__beat_tracker`, for a fixed period in frames.
struct BeatPath {
    /// The chosen beats, as ascending frame indices.
    let beatFrames: [Int]

    init(envelope: [Double], period: Int, tightness: Double, trim: Bool) {
        let local = BeatPath.localScore(BeatPath.normalized(envelope), period: period)
        let (backlinks, cumulative) = BeatPath.bestPaths(local, period: period, tightness: tightness)
        var isBeat = [Bool](repeating: false, count: envelope.count)
        var frame = BeatPath.lastBeat(cumulative)
        while frame >= 0 {
            isBeat[frame] = true
            frame = backlinks[frame]
        }
        BeatPath.trimWeakEnds(&isBeat, local: local, trim: trim)
        beatFrames = isBeat.indices.filter { isBeat[$0] }
    }

    /// The envelope divided by its standard deviation (with Bessel's correction).
    static func normalized(_ envelope: [Double]) -> [Double] {
        let n = Double(envelope.count)
        let mean = envelope.reduce(0, +) / n
        let squares = envelope.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let deviation = (squares / max(n - 1, 1)).squareRoot()
        // librosa adds float32's smallest normal number, the envelope being float32 there.
        return envelope.map { $0 / (deviation + Double(Float.leastNormalMagnitude)) }
    }

    /// The envelope smoothed by a Gaussian of 2·period + 1 taps (σ = period/32), as librosa's
    /// same-size convolution computes it: its bounds leave out envelope frame 0 for every output.
    static func localScore(_ onsets: [Double], period: Int) -> [Double] {
        let taps = (-period...period).map { k -> Double in
            let x = Double(k) * 32.0 / Double(period)
            return exp(-0.5 * (x * x))
        }
        let n = onsets.count, width = taps.count, centre = width / 2
        return (0..<n).map { i in
            var sum = 0.0
            var k = max(0, i + centre - n + 1)
            while k < min(i + centre, width) {
                sum += taps[k] * onsets[i + centre - k]
                k += 1
            }
            return sum
        }
    }

    /// For each frame, the best previous beat (−1: none) and the best path score ending there. A
    /// predecessor sits between period/2 and 2·period frames back, penalised by
    /// tightness·(ln(distance) − ln(period))²; the nearest wins a tie. Frames before the first whose
    /// local score reaches 1 % of the largest get no predecessor.
    static func bestPaths(_ local: [Double], period: Int, tightness: Double) -> (backlinks: [Int], cumulative: [Double]) {
        let n = local.count
        let nearest = max(1, Int((Double(period) / 2).rounded(.toNearestOrEven))), farthest = 2 * period
        let penalty = (0...farthest).map { distance -> Double in
            let octave = log(Double(distance)) - log(Double(period))
            return tightness * (octave * octave)
        }
        let threshold = 0.01 * (local.max() ?? 0)
        var backlinks = [Int](repeating: -1, count: n), cumulative = [Double](repeating: 0, count: n)
        var beforeFirstBeat = true
        for i in 0..<n {
            var best = -Double.infinity, link = -1
            var candidate = i - nearest
            while candidate >= i - farthest && candidate >= 0 {
                let score = cumulative[candidate] - penalty[i - candidate]
                if score > best {
                    best = score
                    link = candidate
                }
                candidate -= 1
            }
            cumulative[i] = link >= 0 ? local[i] + best : local[i]
            if beforeFirstBeat && local[i] < threshold {
                backlinks[i] = -1
            } else {
                backlinks[i] = link
                beforeFirstBeat = false
            }
        }
        return (backlinks, cumulative)
    }

    /// The last local maximum of the cumulative score that reaches half the median of its local
    /// maxima (the last frame when none does).
    static func lastBeat(_ cumulative: [Double]) -> Int {
        let n = cumulative.count
        guard n >= 2 else { return n - 1 }
        // librosa's local maxima: strictly above the left neighbour and at least the right one; the
        // first frame never counts, the last counts when above its left neighbour.
        let peaks = (1..<n).filter { i in
            cumulative[i] > cumulative[i - 1] && (i == n - 1 || cumulative[i] >= cumulative[i + 1])
        }
        guard !peaks.isEmpty else { return n - 1 }
        let threshold = 0.5 * median(ofSorted: peaks.map { cumulative[$0] }.sorted())
        return peaks.last { cumulative[$0] >= threshold } ?? n - 1
    }

    /// Drops the beats in the leading and trailing frames whose local score is at most half the RMS
    /// of the beats' local scores smoothed by a 5-tap Hann window ([0, ½, 1, ½, 0]); with `trim`
    /// off, the threshold is 0.
    static func trimWeakEnds(_ isBeat: inout [Bool], local: [Double], trim: Bool) {
        let n = local.count
        var threshold = 0.0
        if trim {
            let scores = local.indices.filter { isBeat[$0] }.map { local[$0] }
            // numpy's full convolution cut as librosa slices it: elements 2 ..< min(n + 2, count + 4).
            let padded = [0, 0] + scores + [0, 0]
            let kept = min(n + 2, scores.count + 4) - 2
            var squares = 0.0
            for j in 0..<kept {
                let smooth = 0.5 * padded[j + 1] + padded[j + 2] + 0.5 * (j + 3 < padded.count ? padded[j + 3] : 0)
                squares += smooth * smooth
            }
            threshold = kept > 0 ? 0.5 * (squares / Double(kept)).squareRoot() : 0
        }
        var frame = 0
        while frame < n && local[frame] <= threshold {
            isBeat[frame] = false
            frame += 1
        }
        frame = n - 1
        while frame >= 0 && local[frame] <= threshold {
            isBeat[frame] = false
            frame -= 1
        }
    }
}
