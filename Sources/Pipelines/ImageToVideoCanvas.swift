import Media
import Tensor

/// The canvas of a model trained for image to video (Wan 2.1 I2V, FLF2V), diffusers'
/// `WanImageToVideoPipeline.prepare_latents` and `encode_image` (docs/modes.md): the image (and the
/// last image) with grey frames between, encoded by the VAE as one clip, after a 4-channel mask that
/// marks the given frames; and the images' CLIP tokens. Nothing is pinned: the model keeps the image
/// through its inputs.
extension CanvasBuilder {
    func imageToVideoCanvas(encode: (Tensor) throws -> Tensor,
                            embedImages: ([VideoFrames]) throws -> Tensor) throws -> (Canvas, OutputPlan) {
        let c = request.conditioning, shape = request.latentShape
        guard let image = c.image else { throw GenerationError.invalidRequest("an image-to-video model needs an image") }
        let frames = request.frames, (width, height) = (request.width, request.height)
        var pieces = [try image.slice(0..<1).tensor()]  // [1, 3, 1, H, W]
        let grey = frames - 1 - (c.lastImage == nil ? 0 : 1)
        if grey > 0 { pieces.append(Tensor(zeros: [1, 3, grey, height, width])) }  // mid-grey
        if let last = c.lastImage { pieces.append(try last.slice(0..<1).tensor()) }
        let latents = try encode(try backend.concat(pieces, axis: 2))  // [1, C, T, h, w]
        let mask = try backend.upload(try frameMask(latentFrames: shape[2], h: shape[3], w: shape[4], last: c.lastImage != nil))
        var canvas = Canvas(shape: shape)
        canvas.condition = try backend.concat([mask, latents], axis: 1)  // [1, 4 + C, T, h, w]
        canvas.imageTokens = try embedImages([image] + (c.lastImage.map { [$0] } ?? []))
        return (canvas, OutputPlan())
    }

    /// The mask channels `[1, 4, T, h, w]`: pixel frame f is 1 when given (the first; with a last image,
    /// the last too); the first frame's value is repeated 4 times before frames 1..., and channel c of
    /// latent frame k takes entry 4k + c of that sequence.
    private func frameMask(latentFrames t: Int, h: Int, w: Int, last: Bool) throws -> Tensor {
        let plane = h * w
        var values = [Float](repeating: 0, count: 4 * t * plane)
        func set(channel: Int, frame: Int) {
            let start = (channel * t + frame) * plane
            for i in start..<(start + plane) { values[i] = 1 }
        }
        for channel in 0..<4 { set(channel: channel, frame: 0) }
        if last { set(channel: 3, frame: t - 1) }
        return try Tensor(values, shape: [1, 4, t, h, w])
    }
}
