import CLIPVision
import Media
import Tensor

/// The canvas of a VACE model (diffusers' `WanVACEPipeline`, docs/modes.md): every mode becomes a
/// control video at the window's size and a mask (1 = generate, 0 = keep), turned by
/// ``VACEContextBuilder`` into the 96-channel control context, with the reference images' latent
/// frames before the video's. Nothing is pinned: the model keeps what the mask marks through its
/// control branch, as the reference pipeline runs it. Kept clips are still passed through unchanged
/// around the decoded frames (the output plans are those of the other families).
extension CanvasBuilder {
    func vaceCanvas(encode: (Tensor) throws -> Tensor) throws -> (Canvas, OutputPlan) {
        let c = request.conditioning, plan = request.plan, shape = request.latentShape
        let (width, height) = (request.width, request.height)
        let frames = geometry.pixelFrames(forLatentFrames: plan.latentFrames)
        var layout = ControlLayout(frames: frames, width: width, height: height)
        var canvas = Canvas(shape: shape)
        var output = OutputPlan()
        switch plan.mode {
        case .text:
            break
        case .loop:
            output.loop = true
        case .image:
            guard let image = c.image else { throw GenerationError.invalidRequest("image to video needs an image") }
            try layout.keep(image.slice(0..<1), at: 0)
            if let last = c.lastImage { try layout.keep(last.slice(0..<1), at: frames - 1) }
        case .keyframes:
            for keyframe in c.keyframes { try layout.keep(keyframe.image.slice(0..<1), at: keyframe.frame) }
        case .remix, .edit, .outpaint:
            guard let video = c.video else { throw GenerationError.invalidRequest("\(plan.mode.rawValue) needs a video") }
            var source = try video.slice(0..<plan.sourceFrames)
            var generate: [Float]? = nil
            if plan.mode == .outpaint {
                let (placed, box) = try source.placedCentred(width: width, height: height)
                source = placed
                generate = outpaintMask(box: box, frames: plan.sourceFrames)
            } else if let mask = c.mask {
                generate = maskLevels(mask, frames: plan.sourceFrames)
            }
            layout.pixels = try source.tensor().floats()  // [1, 3, F, H, W]
            layout.generate = generate ?? layout.generate
            if c.strength != nil { (canvas.startStep, canvas.startsFromKnown) = (plan.startStep, true) }
        case .extend:
            guard let clip = c.previous else { throw GenerationError.invalidRequest("extend needs the clip to extend") }
            try layout.keep(clip.slice((clip.count - plan.headContext)..<clip.count), at: 0)
            output = OutputPlan(before: clip, dropHead: plan.headContext)
        case .extendBackward:
            // In place: the new frames, then the clip's head kept after them.
            guard let clip = c.next else { throw GenerationError.invalidRequest("extend backward needs the clip to extend") }
            try layout.keep(clip.slice(0..<plan.headContext), at: plan.newFrames)
            output = OutputPlan(keepDecoded: plan.newFrames, after: clip)
        case .connect:
            guard let first = c.previous, let second = c.next else { throw GenerationError.invalidRequest("connect needs two clips") }
            try layout.keep(first.slice((first.count - plan.headContext)..<first.count), at: 0)
            if plan.tailContext > 0 { try layout.keep(second.slice(0..<plan.tailContext), at: frames - plan.tailContext) }
            // An explicit strength starts part-way from the window's own encoding, as a remix does.
            if c.strength != nil { (canvas.startStep, canvas.startsFromKnown) = (plan.startStep, true) }
            output = OutputPlan(before: first, dropHead: plan.headContext, keepDecoded: plan.newFrames, after: second)
        }
        let references = try c.references.map { reference in
            let image = try flooredToLatentGrid(try reference.slice(0..<1))
            return try image.tensor().reshaped([1, 3, image.height, image.width])  // [1, 3, h, w]
        }
        let video = try backend.upload(try layout.video())  // [1, 3, F, H, W]
        let control = try VACEContextBuilder(backend: backend, geometry: geometry)
            .control(video: video, generate: layout.generate, references: references, encode: encode)  // [1, 96, R + T, h, w]
        canvas.control = control
        canvas.referenceLatents = c.references.count
        if canvas.startsFromKnown {
            // The window's own latents, noised to the start step, with the reference frames' latents (the
            // control's first channels there) before them.
            let channels = geometry.channels, r = canvas.referenceLatents
            let known: Tensor
            if let half = layout.encodedHalf {
                // The control already holds them: the part to regenerate is the whole video (a remix), or
                // the kept part is (kept clips on grey, a connection); x · 1 and 0 · 0 change no value.
                let start = half == .reactive ? channels : 0
                let latents = try backend.slice(control, axis: 1, start: start, end: start + channels)  // [1, C, R + T, h, w]
                known = try backend.slice(latents, axis: 2, start: r, end: latents.shape[2])  // [1, C, T, h, w]
            } else {
                known = try encode(video)  // [1, C, T, h, w]
            }
            let referenceFrames = try backend.slice(try backend.slice(control, axis: 1, start: 0, end: channels),
                                                    axis: 2, start: 0, end: r)  // [1, C, R, h, w]
            canvas.known = r > 0 ? try backend.concat([referenceFrames, known], axis: 2) : known  // [1, C, R + T, h, w]
        }
        return (canvas, output)
    }
}

extension CanvasBuilder {
    /// A reference image cut down to whole latent cells as diffusers' image processor does first:
    /// width and height floored to multiples of the spatial compression, resized with Pillow's Lanczos.
    func flooredToLatentGrid(_ image: VideoFrames) throws -> VideoFrames {
        let s = geometry.spatialCompression
        let (width, height) = (image.width / s * s, image.height / s * s)
        guard width > 0, height > 0 else {
            throw GenerationError.invalidRequest("a reference image of \(image.width)x\(image.height) is smaller than \(s) pixels a side")
        }
        if width == image.width, height == image.height { return image }
        let pixels = try PILResampling.resize(image.pixels, width: image.width, height: image.height, channels: 3,
                                              toWidth: width, height: height, filter: .lanczos)
        return try VideoFrames(width: width, height: height, count: 1, pixels: pixels)
    }
}

/// The control video `[1, 3, F, H, W]` in [−1, 1] (mid-grey where content is to be made) and the
/// per-pixel mask (1 = generate) of a VACE window, built frame by frame in one buffer.
struct ControlLayout {
    /// The video's values, channel-major as `[1, 3, F, H, W]`.
    var pixels: [Float]
    var generate: [Float]
    let frames: Int, width: Int, height: Int

    init(frames: Int, width: Int, height: Int) {
        (self.frames, self.width, self.height) = (frames, width, height)
        pixels = [Float](repeating: 0, count: 3 * frames * width * height)
        generate = [Float](repeating: 1, count: frames * width * height)
    }

    /// The video as a tensor `[1, 3, F, H, W]`.
    func video() throws -> Tensor { try Tensor(pixels, shape: [1, 3, frames, height, width]) }

    /// Puts `clip` at frames `start...` of the video and marks those frames kept.
    mutating func keep(_ clip: VideoFrames, at start: Int) throws {
        let plane = width * height
        guard start >= 0, start + clip.count <= frames else {
            throw GenerationError.invalidRequest("frames \(start)..<\(start + clip.count) are outside the \(frames)-frame window")
        }
        let values = try clip.tensor().floats()  // [1, 3, t, H, W]
        for channel in 0..<3 {
            for f in 0..<clip.count {
                let from = (channel * clip.count + f) * plane, to = (channel * frames + start + f) * plane
                pixels.replaceSubrange(to..<(to + plane), with: values[from..<(from + plane)])
            }
        }
        for f in start..<(start + clip.count) {
            generate.replaceSubrange((f * plane)..<((f + 1) * plane), with: repeatElement(0, count: plane))
        }
    }

    /// Which half of the control's latents equals the whole video's encoding, when one does: the
    /// reactive half when every pixel is regenerated (the mask binarised at 0.5, as the control is),
    /// the inactive half when the video is mid-grey (0) wherever a pixel is regenerated.
    var encodedHalf: EncodedHalf? {
        if generate.allSatisfy({ $0 > 0.5 }) { return .reactive }
        let plane = frames * width * height
        for i in 0..<plane where generate[i] > 0.5 {
            if pixels[i] != 0 || pixels[plane + i] != 0 || pixels[2 * plane + i] != 0 { return nil }
        }
        return .inactive
    }

    enum EncodedHalf { case inactive, reactive }
}
