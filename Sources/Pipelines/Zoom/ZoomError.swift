/// Why a zoom path or its reference video cannot be made, in one sentence.
public enum ZoomError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The steps, factors, durations or frame rate are not a zoom.
    case invalidPath(String)
    /// The keyframes do not fit the path: their count, size or frame count.
    case invalidKeyframes(String)
    /// A frame outside the video was asked for.
    case frameOutOfRange(String)

    public var description: String {
        switch self {
        case .invalidPath(let reason): return "invalid zoom path: \(reason)"
        case .invalidKeyframes(let reason): return "invalid zoom keyframes: \(reason)"
        case .frameOutOfRange(let reason): return "zoom frame out of range: \(reason)"
        }
    }
}
