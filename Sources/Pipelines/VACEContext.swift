import Tensor

/// The control context a VACE transformer reads beside the noisy latents (diffusers'
/// `WanVACEPipeline.preprocess_conditions`, `prepare_video_latents` and `prepare_masks` for one video):
/// per latent frame `2·C` latent channels (what is kept, then what is to be regenerated, each encoded
/// on its own) and `s²` mask channels (the pixel mask folded into the latent grid, s = the spatial
/// compression), with each reference image prepended as one more latent frame. For Wan 2.1
/// (C = 16, s = 8) that is 96 channels.
struct VACEContextBuilder {
    let backend: any Backend
    var geometry: LatentGeometry = .wan21

    /// The control `[1, 2·C + s², R + T, H/s, W/s]` float32 of one video.
    ///
    /// - `video`: `[1, 3, F, H, W]` in [−1, 1] (mid-grey 0 where there is nothing to keep), H and W
    ///   multiples of s.
    /// - `generate`: `F·H·W` mask levels, frame by frame, rows top to bottom; 1 = generate, 0 = keep,
    ///   clamped to [0, 1]. Binarised at 0.5 for the split of the video; the mask channels take the
    ///   levels unchanged.
    /// - `references`: images `[1, 3, h, w]` (or one-frame clips `[1, 3, 1, h, w]`, as
    ///   `VideoFrames.tensor()` gives them) in [−1, 1], each at its own size. Each is scaled to fit the
    ///   video's size keeping its aspect ratio (bilinear) and pasted centred on white. The last one
    ///   listed ends up first in time, as diffusers orders them. diffusers first floors a reference's
    ///   size to multiples of 8 with a Lanczos resize; a reference whose sides are multiples of 8
    ///   matches it exactly.
    /// - `encode`: pixels `[1, 3, F', H, W]` → normalised latents `[1, C, T', H/s, W/s]` (the canvas's
    ///   encoder: posterior mode, normalised).
    func control(video: Tensor, generate: [Float], references: [Tensor],
                 encode: (Tensor) throws -> Tensor) throws -> Tensor {
        let s = geometry.spatialCompression
        guard video.rank == 5, video.shape[0] == 1, video.shape[1] == 3 else {
            throw GenerationError.invalidRequest("the VACE control video must be [1, 3, F, H, W], not \(video.shape)")
        }
        let (frames, height, width) = (video.shape[2], video.shape[3], video.shape[4])
        guard frames >= 1, height >= s, width >= s, height % s == 0, width % s == 0 else {
            throw GenerationError.invalidRequest(
                "the VACE control video is \(frames) frames of \(width)x\(height); it needs at least one frame and sides that are multiples of \(s)")
        }
        guard generate.count == frames * height * width else {
            throw GenerationError.invalidRequest(
                "the VACE mask has \(generate.count) values; \(frames) frames of \(width)x\(height) need \(frames * height * width)")
        }
        let levels = generate.map { min(max($0, 0), 1) }
        let pixels = try backend.cast(video.isOnHost ? try backend.upload(video) : video, to: .float32)  // [1, 3, F, H, W]

        // 1. The video split by the binarised mask, each part encoded on its own: [inactive C | reactive C].
        let regenerate = levels.map { $0 > 0.5 ? Float(1) : 0 }
        let reactiveMask = try backend.upload(try Tensor(regenerate, shape: [1, 1, frames, height, width]))
        let inactiveMask = try backend.affine(reactiveMask, scale: -1, offset: 1)  // [1, 1, F, H, W]
        let inactive = try latents(of: try backend.mul(pixels, inactiveMask), encode: encode, label: "the kept part of the video")
        let reactive = try latents(of: try backend.mul(pixels, reactiveMask), encode: encode, label: "the part to regenerate")
        // diffusers' prepare_masks makes ⌈F / tc⌉ mask frames; the encoder's latent frames must agree.
        let latentFrames = (frames + geometry.temporalCompression - 1) / geometry.temporalCompression
        let h = height / s, w = width / s
        guard inactive.shape == reactive.shape, Array(inactive.shape[2...]) == [latentFrames, h, w] else {
            throw GenerationError.invalidRequest(
                "the VAE encoded \(frames) frames of \(width)x\(height) to \(inactive.shape), not \(latentFrames) latent frames of \(w)x\(h)")
        }

        // 2. The mask channels, from the unbinarised levels.
        let mask = try backend.upload(try maskChannels(levels, frames: frames, height: height, width: width,
                                                       latentFrames: latentFrames))  // [1, s², T, h, w]
        var control = try backend.concat([inactive, reactive, mask], axis: 1)  // [1, 2C + s², T, h, w]

        // 3. Each reference: [its latent | zeros], in front of what is there so far.
        let channels = control.shape[1], latentChannels = inactive.shape[1]
        for (index, reference) in references.enumerated() {
            let canvas = try referenceCanvas(reference, height: height, width: width, index: index)  // [1, 3, H, W]
            let latent = try latents(of: try backend.upload(try canvas.reshaped([1, 3, 1, height, width])), encode: encode,
                                     label: "reference image \(index + 1)")  // [1, C, 1, h, w]
            guard latent.shape == [1, latentChannels, 1, h, w] else {
                throw GenerationError.invalidRequest("the VAE encoded reference image \(index + 1) to \(latent.shape), not [1, \(latentChannels), 1, \(h), \(w)]")
            }
            let frame = try backend.pad(latent, [(0, 0), (0, channels - latentChannels), (0, 0), (0, 0), (0, 0)], value: 0)
            control = try backend.concat([frame, control], axis: 2)  // [1, 2C + s², r + T, h, w]
        }
        return control
    }

    /// A reference image `[1, 3, h, w]` or `[1, 3, 1, h, w]` scaled by min(H/h, W/w) to
    /// (⌊h·scale⌋, ⌊w·scale⌋) (bilinear, pixel centres aligned, no antialiasing: PyTorch's
    /// `interpolate(mode="bilinear", align_corners=False)`), pasted at ((H − h′) / 2, (W − w′) / 2) on
    /// ones. Returns `[1, 3, H, W]` float32 on the host.
    func referenceCanvas(_ reference: Tensor, height: Int, width: Int, index: Int = 0) throws -> Tensor {
        let shape = reference.shape
        guard (shape.count == 4 || shape.count == 5 && shape[2] == 1) && shape[0] == 1 && shape[1] == 3 else {
            throw GenerationError.invalidRequest("reference image \(index + 1) must be [1, 3, h, w] or [1, 3, 1, h, w], not \(shape)")
        }
        let (ih, iw) = (shape[shape.count - 2], shape[shape.count - 1])
        guard ih > 0, iw > 0, height > 0, width > 0 else {
            throw GenerationError.invalidRequest("reference image \(index + 1) is \(iw)x\(ih); it cannot be scaled into \(width)x\(height)")
        }
        // Python's int(ih * scale) in double precision, so a side that scales to a whole number lands on it as diffusers does.
        let scale = min(Double(height) / Double(ih), Double(width) / Double(iw))
        let (nh, nw) = (Int(Double(ih) * scale), Int(Double(iw) * scale))  // at most height and width
        guard nh > 0, nw > 0 else {
            throw GenerationError.invalidRequest("reference image \(index + 1) is \(iw)x\(ih); scaled into \(width)x\(height) it has no pixels")
        }
        let source = (reference.isOnHost ? reference : try backend.download(reference)).floats()  // [3, ih, iw]
        let rows = Self.bilinearTaps(from: ih, to: nh), columns = Self.bilinearTaps(from: iw, to: nw)
        let (top, left) = ((height - nh) / 2, (width - nw) / 2)
        var canvas = [Float](repeating: 1, count: 3 * height * width)
        for c in 0..<3 {
            let plane = c * ih * iw
            for (y, row) in rows.enumerated() {
                let upper = plane + row.first * iw, lower = plane + row.second * iw
                let target = (c * height + top + y) * width + left
                for (x, column) in columns.enumerated() {
                    let above = column.firstWeight * source[upper + column.first] + column.secondWeight * source[upper + column.second]
                    let below = column.firstWeight * source[lower + column.first] + column.secondWeight * source[lower + column.second]
                    canvas[target + x] = row.firstWeight * above + row.secondWeight * below
                }
            }
        }
        return try Tensor(canvas, shape: [1, 3, height, width])
    }

    /// The two source indices and weights of each output index of a 1-D linear resize from `input` to
    /// `output` samples with pixel centres aligned, computed in float32 as PyTorch's CPU kernel does.
    static func bilinearTaps(from input: Int, to output: Int) -> [(first: Int, second: Int, firstWeight: Float, secondWeight: Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { index in
            let position = max(scale * (Float(index) + 0.5) - 0.5, 0)
            let first = min(Int(position), input - 1)
            let second = min(first + 1, input - 1)
            let secondWeight = min(max(position - Float(first), 0), 1)
            return (first, second, 1 - secondWeight, secondWeight)
        }
    }

    /// The mask folded into the latent grid `[1, s², T, h, w]`: channel `r·s + c` of latent element
    /// (i, j) is the level of pixel (i·s + r, j·s + c); latent frame k takes pixel frame
    /// ⌊(k + 0.5)·F/T⌋ (PyTorch's nearest-exact interpolation in time, computed as it does).
    func maskChannels(_ levels: [Float], frames: Int, height: Int, width: Int, latentFrames: Int) throws -> Tensor {
        let s = geometry.spatialCompression, h = height / s, w = width / s
        guard levels.count == frames * height * width, h * s == height, w * s == width, latentFrames >= 1 else {
            throw GenerationError.invalidRequest(
                "\(levels.count) mask levels cannot be folded as \(frames) frames of \(width)x\(height) into \(latentFrames) latent frames")
        }
        let scale = Float(frames) / Float(latentFrames)
        var out = [Float](repeating: 0, count: s * s * latentFrames * h * w)
        for k in 0..<latentFrames {
            let frame = min(Int(Float((Double(k) + 0.5) * Double(scale)).rounded(.down)), frames - 1)
            for r in 0..<s {
                for c in 0..<s {
                    let channel = r * s + c
                    for i in 0..<h {
                        let source = (frame * height + i * s + r) * width + c
                        let target = ((channel * latentFrames + k) * h + i) * w
                        for j in 0..<w { out[target + j] = levels[source + j * s] }
                    }
                }
            }
        }
        return try Tensor(out, shape: [1, s * s, latentFrames, h, w])
    }

    /// `encode(pixels)` in float32.
    private func latents(of pixels: Tensor, encode: (Tensor) throws -> Tensor, label: String) throws -> Tensor {
        let latents = try encode(pixels)
        guard latents.rank == 5, latents.shape[0] == 1 else {
            throw GenerationError.invalidRequest("the VAE encoded \(label) to \(latents.shape), not [1, C, T, h, w]")
        }
        return latents.dtype == .float32 ? latents : try backend.cast(latents, to: .float32)
    }
}
