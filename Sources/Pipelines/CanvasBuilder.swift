import Media
import Tensor

/// Builds the canvas and the output plan of a validated request: which clips are encoded, which
/// latents are pinned, where denoising starts. `encode` turns pixel video `[1, 3, F, H, W]` in
/// [−1, 1] into normalised latents `[1, C, T, h, w]`.
struct CanvasBuilder {
    let request: ValidatedRequest
    let backend: any Backend

    var geometry: LatentGeometry { request.geometry }

    /// `embedImages` turns images into an image-to-video model's CLIP tokens `[1, M, image_dim]`.
    func build(embedImages: ([VideoFrames]) throws -> Tensor,
               encode: (Tensor) throws -> Tensor) throws -> (Canvas, OutputPlan) {
        switch request.family {
        case .imageToVideo, .firstLastFrame: return try imageToVideoCanvas(encode: encode, embedImages: embedImages)
        case .vace: return try vaceCanvas(encode: encode)
        case .textToVideo: break
        }
        let shape = request.latentShape, plan = request.plan, c = request.conditioning
        let frames = shape[2]
        switch plan.mode {
        case .text:
            return (Canvas(shape: shape), OutputPlan())
        case .keyframes:
            throw GenerationError.invalidRequest("keyframes need a VACE model")
        case .loop:
            return (Canvas(shape: shape), OutputPlan(loop: true))
        case .image:
            guard let image = c.image else { throw GenerationError.invalidRequest("image to video needs an image") }
            let first = try encode(try image.slice(0..<1).tensor())  // [1, C, 1, h, w]
            let keep = try pinnedFrames(0..<1, of: frames)
            return (Canvas(shape: shape, known: try padded(first, to: frames), keep: keep), OutputPlan())
        case .remix, .edit, .outpaint:
            guard let video = c.video else { throw GenerationError.invalidRequest("\(plan.mode.rawValue) needs a video") }
            var source = try video.slice(0..<plan.sourceFrames)
            var generate: [Float]? = nil  // [F, H, W], 1 = regenerate
            if plan.mode == .outpaint {
                let (placed, box) = try source.placedCentred(width: request.width, height: request.height)
                source = placed
                generate = outpaintMask(box: box, frames: plan.sourceFrames)
            } else if let mask = c.mask {
                generate = maskLevels(mask, frames: plan.sourceFrames)
            }
            let known = try encode(try source.tensor())  // [1, C, T, h, w]
            var keep: Tensor?
            if let generate {
                let values = geometry.keepMask(generate: generate, pixelFrames: plan.sourceFrames, width: request.width,
                                               height: request.height, latentFrames: frames)
                // A mask that regenerates everything keeps nothing: plain generation, bit for bit.
                if values.contains(where: { $0 != 0 }) {
                    keep = try backend.upload(try Tensor(values, shape: [1, 1, frames, shape[3], shape[4]]))
                }
            }
            let remix = c.strength != nil
            return (Canvas(shape: shape, known: known, keep: keep, startStep: plan.startStep, startsFromKnown: remix), OutputPlan())
        case .extend, .extendBackward:
            guard let clip = plan.mode == .extend ? c.previous : c.next?.reversed() else {
                throw GenerationError.invalidRequest("\(plan.mode.rawValue) needs the clip to extend")
            }
            let tail = try clip.slice((clip.count - plan.headContext)..<clip.count)
            let head = try encode(try tail.tensor())  // [1, C, m+1, h, w]
            let pinned = head.shape[2]
            let canvas = Canvas(shape: shape, known: try padded(head, to: frames), keep: try pinnedFrames(0..<pinned, of: frames))
            var output = OutputPlan(dropHead: plan.headContext)
            if plan.mode == .extend { output.before = c.previous } else { output.after = c.next; output.reverseDecoded = true }
            return (canvas, output)
        case .connect:
            guard let first = c.previous, let second = c.next else { throw GenerationError.invalidRequest("connect needs two clips") }
            let tail = try first.slice((first.count - plan.headContext)..<first.count).tensor()  // [1, 3, 1+4m, H, W]
            let gap = Tensor(zeros: [1, 3, plan.newFrames, request.height, request.width])  // mid-grey
            var pieces = [tail, gap]
            if plan.tailContext > 0 { pieces.append(try second.slice(0..<plan.tailContext).tensor()) }
            // One causal encode of [first's tail | grey | second's head]: the head's latents carry a
            // little of the grey before them (the encoder is causal), which the transition absorbs.
            var known = try encode(try backend.concat(pieces, axis: 2))  // [1, C, T, h, w]
            let headLatents = geometry.latentFrames(forPixelFrames: plan.headContext)
            let tailLatents = plan.tailContext / geometry.temporalCompression
            var keep = try pinnedFrames(0..<headLatents, of: frames)
            if tailLatents > 0 {
                keep = try backend.add(keep, try pinnedFrames((frames - tailLatents)..<frames, of: frames))
            }
            // The transition starts part-way (like a remix) from a cross-fade between the kept latents on
            // either side, so it leaves the first clip and arrives at the second even where the model
            // would not change scene on its own.
            known = try crossFaded(known, from: headLatents - 1, to: frames - tailLatents)
            let output = OutputPlan(before: first, dropHead: plan.headContext, keepDecoded: plan.newFrames, after: second)
            return (Canvas(shape: shape, known: known, keep: keep, startStep: plan.startStep, startsFromKnown: true), output)
        }
    }

    /// `latents` with the frames strictly between `from` and `to` replaced by the linear blend of those
    /// two frames (frame `from` alone when `to` is past the end).
    private func crossFaded(_ latents: Tensor, from: Int, to: Int) throws -> Tensor {
        let frames = latents.shape[2]
        let start = try backend.slice(latents, axis: 2, start: from, end: from + 1)  // [1, C, 1, h, w]
        let end = to < frames ? try backend.slice(latents, axis: 2, start: to, end: to + 1) : start
        var pieces = [try backend.slice(latents, axis: 2, start: 0, end: from + 1)]
        let gap = min(to, frames) - from - 1
        for j in 0..<gap {
            let u = Float(j + 1) / Float(gap + 1)
            pieces.append(try backend.add(try backend.affine(start, scale: 1 - u, offset: 0), try backend.affine(end, scale: u, offset: 0)))
        }
        if to < frames { pieces.append(try backend.slice(latents, axis: 2, start: to, end: frames)) }
        return try backend.concat(pieces, axis: 2)  // [1, C, T, h, w]
    }

    /// `latents` `[1, C, t, h, w]` followed by zero latent frames up to `frames`.
    private func padded(_ latents: Tensor, to frames: Int) throws -> Tensor {
        let missing = frames - latents.shape[2]
        guard missing > 0 else { return latents }
        return try backend.pad(latents, [(0, 0), (0, 0), (0, missing), (0, 0), (0, 0)], value: 0)
    }

    /// A keep-mask `[1, 1, T, h, w]` of ones on the latent frames `range`, zeros elsewhere.
    private func pinnedFrames(_ range: Range<Int>, of frames: Int) throws -> Tensor {
        let h = request.latentShape[3], w = request.latentShape[4]
        var values = [Float](repeating: 0, count: frames * h * w)
        for k in range { for i in 0..<(h * w) { values[k * h * w + i] = 1 } }
        return try backend.upload(try Tensor(values, shape: [1, 1, frames, h, w]))
    }

    /// The mask's grey levels for the first `frames` source frames `[F, H, W]` (a one-frame mask applies to every frame).
    func maskLevels(_ mask: VideoFrames, frames: Int) -> [Float] {
        let levels = mask.grayLevels(), plane = mask.width * mask.height
        if mask.count == 1 { return Array((0..<frames).map { _ in levels }.joined()) }
        return Array(levels.prefix(frames * plane))
    }

    /// 1 outside `box` (the placed video), 0 inside, for every frame.
    func outpaintMask(box: (x: Int, y: Int, width: Int, height: Int), frames: Int) -> [Float] {
        let (width, height) = (request.width, request.height)
        var plane = [Float](repeating: 1, count: width * height)
        for row in box.y..<(box.y + box.height) { for column in box.x..<(box.x + box.width) { plane[row * width + column] = 0 } }
        return Array((0..<frames).map { _ in plane }.joined())
    }
}
