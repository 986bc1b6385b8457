/// The kinds of output ``VideoWriter`` writes, chosen from the output path.
public enum VideoFormat: String, Sendable, CaseIterable {
    /// H.264 (libx264), yuv420p, in an MP4 container: `clip.mp4`; sound in AAC.
    case mp4
    /// VP9 (libvpx-vp9), yuv420p, in a WebM container: `clip.webm`; sound in Opus.
    case webm
    /// An animated GIF with one palette computed over the whole clip: `clip.gif`.
    case gif
    /// A folder of numbered PNG frames, `frame_00001.png`, `frame_00002.png`, …: a path ending in `/`.
    case pngFolder

    /// The format a path asks for: a path ending in `/` is a PNG folder, otherwise the extension
    /// decides (`.mp4`, `.webm`, `.gif`, any letter case).
    public init(path: String) throws(MediaError) {
        if path.hasSuffix("/") {
            self = .pngFolder
            return
        }
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            throw .unsupportedFormat(path: path)
        }
        switch name[name.index(after: dot)...].lowercased() {
        case "mp4": self = .mp4
        case "webm": self = .webm
        case "gif": self = .gif
        default: throw .unsupportedFormat(path: path)
        }
    }

    /// The supported outputs, for messages.
    static let supportedSummary = ".mp4 (H.264), .webm (VP9), .gif, or '/' (a folder of PNG frames)"

    /// Whether the format's pixel layout (4:2:0 chroma) needs an even width and height.
    public var needsEvenSize: Bool { self == .mp4 || self == .webm }

    /// Whether the format can carry a soundtrack (see ``AudioTrack``).
    public var carriesAudio: Bool { self == .mp4 || self == .webm }

    /// ffmpeg's output options for this format, before the output path. MP4 and WebM carry the
    /// metadata as `-metadata` tags; GIF and PNG get theirs written after ffmpeg finishes.
    func ffmpegOutputArguments(metadata: VideoMetadata) -> [String] {
        videoCodecArguments + containerArguments(metadata: metadata)
    }

    /// The video encoder's options.
    private var videoCodecArguments: [String] {
        switch self {
        case .mp4:
            return ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p"]
        case .webm:
            // -b:v 0 with -crf is VP9's constant-quality mode.
            return ["-c:v", "libvpx-vp9", "-crf", "30", "-b:v", "0", "-deadline", "good", "-cpu-used", "4",
                    "-row-mt", "1", "-pix_fmt", "yuv420p"]
        case .gif:
            // palettegen sees every frame before paletteuse maps the first, so ffmpeg holds the clip
            // (the frames still stream in through the pipe as they are decoded).
            return ["-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse"]
        case .pngFolder:
            return ["-c:v", "png"]
        }
    }

    /// The muxer's options, the metadata tags included, ending with the output format.
    func containerArguments(metadata: VideoMetadata) -> [String] {
        let tags = metadata.entries.flatMap { ["-metadata", "\($0.key)=\($0.value)"] }
        switch self {
        case .mp4:
            // use_metadata_tags keeps keys that have no QuickTime atom (seed, settings);
            // faststart puts the index in front so players can start before the download ends.
            return ["-movflags", "+faststart+use_metadata_tags"] + tags + ["-f", "mp4"]
        case .webm:
            return tags + ["-f", "webm"]
        case .gif:
            return ["-loop", "0", "-f", "gif"]
        case .pngFolder:
            return ["-start_number", "1", "-f", "image2"]
        }
    }

    /// The audio encoder's options (stereo): AAC at 192 kb/s in MP4, Opus at 128 kb/s in WebM; nil
    /// where the format carries no sound.
    var audioCodecArguments: [String]? {
        switch self {
        case .mp4: return ["-c:a", "aac", "-b:a", "192k", "-ac", "2"]
        case .webm: return ["-c:a", "libopus", "-b:a", "128k", "-ac", "2"]
        case .gif, .pngFolder: return nil
        }
    }

    /// File name of frame `index` (1-based) in a PNG folder.
    static func pngFrameName(_ index: Int) -> String {
        let digits = String(index)
        return "frame_" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".png"
    }

    /// Whether `name` is one this module writes into PNG folders (`frame_` digits `.png`).
    static func isPNGFrameName(_ name: String) -> Bool {
        guard name.hasPrefix("frame_"), name.hasSuffix(".png") else { return false }
        let digits = name.dropFirst(6).dropLast(4)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
