extension StoryboardGenerator {
    /// A text or image clip longer than one window, as a storyboard of one card made window by window
    /// (the CLI's `generate` and the server both make long clips this way); nil when `request` fits
    /// one window or is another mode. `window` and `context` override the model's.
    public static func longClip(generator: Generator, request: ValidatedRequest, window: Int? = nil,
                                context: Int? = nil) throws -> StoryboardGenerator? {
        guard request.mode == .text || request.mode == .image else { return nil }
        // Windows continue by extension, which an I2V or FLF2V model cannot do; a last image or
        // reference images belong to one window. Those run as one window, however long.
        let c = request.conditioning
        guard !request.family.takesImageChannels, c.lastImage == nil, c.references.isEmpty else { return nil }
        let defaults = try generator.store.defaults(for: request.model)
        guard request.frames > window ?? defaults.window ?? defaults.frames else { return nil }
        let timeline = try StoryboardTimeline(seconds: [Double(request.frames - 1) / Double(request.fps)], fps: request.fps,
                                              temporalCompression: request.geometry.temporalCompression)
        let media: CardInput = request.conditioning.image.map { .image($0) } ?? .none
        return try StoryboardGenerator(generator: generator, base: request, prompts: [request.prompt], media: [media],
                                       timeline: timeline, window: window, context: context)
    }
}
