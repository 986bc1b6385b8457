import Sampling
import Tensor
import WanDiT

/// The Wan transformer as a velocity model, with classifier-free guidance when an unconditional
/// context is given: exactly WanPipeline's step (docs/wan-reference.md §6.1): the sample cast to the
/// transformer's dtype, the conditional and unconditional passes, `v_u + g·(v_c − v_u)` in that dtype.
///
/// Without an unconditional context (guidance 1 or below) each step is one transformer call. With a
/// step-cache threshold (``TransformerCalls``), each pass keeps its own ``WanDiT/StepCache``.
struct GuidedTransformer: VelocityModel {
    let transformer: WanTransformer
    let conditional: EncodedContext
    let unconditional: EncodedContext?
    let scale: Float
    let dtype: DType
    var calls = TransformerCalls(threshold: nil, firstStep: 0, lastStep: 0)
    /// An image-to-video model's condition channels `[1, 4 + C, T, h, w]` float32, concatenated after
    /// the sample's every step (diffusers' `torch.cat([latents, condition], dim=1)`, then cast).
    var condition: Tensor? = nil
    /// A VACE model's control, the same for both passes.
    var control: VACEControl? = nil

    mutating func velocity(_ x: Tensor, at step: DenoiseStepContext, on backend: any Backend) throws -> Tensor {
        var sample = x
        if let condition {
            let x32 = x.dtype == .float32 ? x : try backend.cast(x, to: .float32)
            sample = try backend.concat([x32, condition], axis: 1)  // [1, C + 4 + C, T, h, w]
        }
        let input = try backend.cast(sample, to: dtype)  // [1, C_in, T, h, w]
        let timestep = try Tensor([step.timestep], shape: [1])
        let caches = calls.caches(at: step.index)
        let v = try transformer(latents: input, timestep: timestep, context: conditional, control: control,
                                cache: caches?.conditional, on: backend)
        calls.record()
        guard let unconditional else { return v }
        let u = try transformer(latents: input, timestep: timestep, context: unconditional, control: control,
                                cache: caches?.unconditional, on: backend)
        calls.record()
        return try guidance(conditional: v, unconditional: u, scale: scale, on: backend)
    }
}

/// Keeps known content with x₀-replacement (docs/modes.md, "Masks"): where the keep-mask k is 1 the
/// velocity is replaced by the one whose x₀ prediction is the known latent y, `(x − y)/σ`, so
/// `x − σ·v = y` there; soft values blend the two, `v ← (1 − k)·v + k·(x − y)/σ`. Editing v, not x,
/// keeps multistep samplers (UniPC) consistent with their history; with Euler it equals blending the
/// sample with y renoised to the next level (RePaint / blended latents) when x lies on the y–ε line.
struct MaskedReplacement: VelocityModel {
    var inner: any VelocityModel
    /// y `[1, C, T, h, w]` float32, normalised latents of the known content.
    let known: Tensor
    /// k `[1, 1, T, h, w]` float32 in [0, 1].
    let keep: Tensor
    /// 1 − k.
    let free: Tensor

    init(inner: any VelocityModel, known: Tensor, keep: Tensor, on backend: any Backend) throws {
        self.inner = inner
        self.known = known
        self.keep = keep
        free = try backend.affine(keep, scale: -1, offset: 1)  // [1, 1, T, h, w]
    }

    mutating func velocity(_ x: Tensor, at step: DenoiseStepContext, on backend: any Backend) throws -> Tensor {
        let v = try inner.velocity(x, at: step, on: backend)
        let x32 = x.dtype == .float32 ? x : try backend.cast(x, to: .float32)
        let v32 = v.dtype == .float32 ? v : try backend.cast(v, to: .float32)
        let pinned = try backend.affine(try backend.sub(x32, known), scale: 1 / step.sigma, offset: 0)  // [1, C, T, h, w]
        return try backend.add(try backend.mul(free, v32), try backend.mul(keep, pinned))  // [1, C, T, h, w] f32
    }
}

/// Latent shift for seamless loops (Mobius; docs/modes.md, "Loop"): the T latent frames are treated
/// as a cycle. Each step the model sees the sample rolled by s frames (`cat(x[s:], x[:s])`), its output
/// is rolled back, and s advances by `skip` (mod T), so every frame spends steps beside the wrap
/// point and the last frame is denoised as the neighbour of the first.
struct LatentShift: VelocityModel {
    var inner: any VelocityModel
    let skip: Int
    /// Latent frames at the head that stay in place (a VACE model's reference images).
    let head: Int
    private(set) var shift = 0

    init(inner: any VelocityModel, skip: Int, head: Int = 0) {
        self.inner = inner
        self.skip = skip
        self.head = head
    }

    mutating func velocity(_ x: Tensor, at step: DenoiseStepContext, on backend: any Backend) throws -> Tensor {
        let frames = x.shape[2] - head
        let s = shift % frames
        defer { shift = (shift + skip) % frames }
        guard s != 0 else { return try inner.velocity(x, at: step, on: backend) }
        let rolled = try roll(x, by: s, on: backend)  // [1, C, R + T, h, w]
        let v = try inner.velocity(rolled, at: step, on: backend)
        return try roll(v, by: frames - s, on: backend)
    }

    /// `cat(x[:head], x[head + s:], x[head:head + s])` along time.
    private func roll(_ x: Tensor, by s: Int, on backend: any Backend) throws -> Tensor {
        let end = x.shape[2]
        var pieces = [try backend.slice(x, axis: 2, start: head + s, end: end),
                      try backend.slice(x, axis: 2, start: head, end: head + s)]
        if head > 0 { pieces.insert(try backend.slice(x, axis: 2, start: 0, end: head), at: 0) }
        return try backend.concat(pieces, axis: 2)
    }

    /// The default skip for T latent frames: about 0.3·T (6 for Wan's 21, as kijai's loop node uses), at least 1.
    static func defaultSkip(frames: Int) -> Int { max(1, Int((Double(frames) * 0.3).rounded())) }
}
