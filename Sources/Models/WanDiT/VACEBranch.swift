import NN
import Tensor

/// diffusers' `WanVACETransformerBlock`: a main block (``WanBlock``, the same dtype trace) on the
/// control stream, with an input projection on the first block (`proj_in`, whose output is added to
/// the latents' tokens) and an output projection on every block (`proj_out`) that makes its hint.
///
/// Checkpoint keys under `vace_blocks.{k}.`: a block's tensors, `proj_in` `[D, D]` + bias (k = 0
/// only) and `proj_out` `[D, D]` + bias; originally named `before_proj` and `after_proj`.
struct VACEBlock: Sendable {
    let block: WanBlock
    let projIn: Linear?
    let projOut: Linear

    init(scope: WeightScope, config: WanTransformer.Config, first: Bool, dtype: DType) throws {
        let d = config.innerDim
        block = try WanBlock(scope: scope, config: config, dtype: dtype)
        projIn = first ? try loadLinear(scope["proj_in"], in: d, out: d, modelType: dtype) : nil
        projOut = try loadLinear(scope["proj_out"], in: d, out: d, modelType: dtype)
    }
}

/// The control branch of a VACE model: `vace_patch_embedding` (a Conv3d vace_in_channels → D with
/// kernel = stride = patch, as one linear map of each patch) and the VACE blocks, one per entry of
/// `vace_layers`.
struct VACEBranch: Sendable {
    let patchEmbedding: Linear  // [D, C_control·pt·ph·pw]
    let blocks: [VACEBlock]
    /// Main block index → VACE block index.
    let hintAfter: [Int: Int]
    let inChannels: Int

    init(scope: WeightScope, weights: any WeightSource, layout: WanTransformer.WeightLayout,
         config: WanTransformer.Config, layers: [Int], inChannels: Int, dtype: DType) throws {
        let d = config.innerDim, patchVolume = config.patchSize.reduce(1, *)
        let name = "vace_patch_embedding"
        let weight = try scope.tensor("\(name).weight", shape: [d, inChannels] + config.patchSize,
                                      dtype: parameterType("\(name).weight", modelType: dtype))
        patchEmbedding = Linear(
            weight: try weight.reshaped([d, inChannels * patchVolume]),
            bias: try scope.tensor("\(name).bias", shape: [d], dtype: parameterType("\(name).bias", modelType: dtype)))
        // Counted before any block is built, as for the main blocks.
        let last = blockIndices(weights, layout: layout, group: "vace_blocks").max()
        guard last == layers.count - 1 else {
            let held = last.map { "VACE blocks numbered up to \($0)" } ?? "no VACE blocks"
            throw WanTransformerError.invalidConfig("vace_layers has \(layers.count) entries, but \(weights.description) "
                + "holds \(held) (\"\(layout.prefix)vace_blocks.N.\")")
        }
        blocks = try layers.indices.map {
            try VACEBlock(scope: scope["vace_blocks"][$0], config: config, first: $0 == 0, dtype: dtype)
        }
        hintAfter = Dictionary(layers.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        self.inChannels = inChannels
    }
}

extension WanTransformer {
    /// Checks `control` against the latents `[B, C_in, T, H, W]`: batch, channels, height and width
    /// equal, frames a positive multiple of the patch and no more than the latents'.
    func checkControl(_ control: VACEControl, latents: Tensor, branch: VACEBranch) throws -> [Int] {
        let c = control.context, p = config.patchSize
        guard c.rank == 5, c.shape[0] == latents.shape[0], c.shape[1] == branch.inChannels,
              c.shape[3] == latents.shape[3], c.shape[4] == latents.shape[4] else {
            throw WanTransformerError.invalidInput("the VACE control context \(c.shape) must be "
                + "[\(latents.shape[0]), \(branch.inChannels), T, \(latents.shape[3]), \(latents.shape[4])] for latents \(latents.shape)")
        }
        guard c.shape[2] > 0, c.shape[2] % p[0] == 0, c.shape[2] <= latents.shape[2] else {
            throw WanTransformerError.invalidInput("the VACE control context has \(c.shape[2]) frames; it needs a positive "
                + "multiple of \(p[0]) up to the latents' \(latents.shape[2])")
        }
        return [c.shape[2] / p[0], c.shape[3] / p[1], c.shape[4] / p[2]]
    }

    /// The hints of the VACE blocks `[B, N, D]` each, from the latents' tokens `x` `[B, N, D]` and the
    /// control: c = proj_in(vace_patch_embedding(control), zero-padded to N tokens) + x; then per VACE
    /// block k, c = block_k(c) and hint_k = proj_out_k(c). Taps `vace_patch_embedding` (before the
    /// padding), `vace_blocks.{k}` (the hint) and the blocks' `.attn1`, `.attn2`, `.ffn`.
    func vaceHints(_ branch: VACEBranch, control: VACEControl, controlGrid: [Int], x: Tensor, timestepProjection: Tensor,
                   rotary: RotaryTables, context: EncodedContext, taps: Taps?, on backend: any Backend) throws -> [Tensor] {
        let (b, n, p) = (x.shape[0], x.shape[1], config.patchSize)
        let (channels, f, h, w) = (branch.inChannels, controlGrid[0], controlGrid[1], controlGrid[2])
        let split = try control.context.reshaped([b, channels, f, p[0], h, p[1], w, p[2]])  // [B, C, f, pt, h, ph, w, pw]
        let patches = try backend.permute(split, [0, 2, 4, 6, 1, 3, 5, 7])  // [B, f, h, w, C, pt, ph, pw]
        let rows = try patches.reshaped([b, f * h * w, channels * p.reduce(1, *)])  // [B, Nc, C·pt·ph·pw]
        var c = try branch.patchEmbedding(try backend.cast(rows, to: dtype), on: backend)  // [B, Nc, D]
        taps.record("vace_patch_embedding", c)
        if c.shape[1] < n { c = try backend.pad(c, [(0, 0), (0, n - c.shape[1]), (0, 0)], value: 0) }  // [B, N, D]

        var hints: [Tensor] = []
        for (k, vaceBlock) in branch.blocks.enumerated() {
            if let projIn = vaceBlock.projIn { c = try backend.add(try projIn(c, on: backend), x) }  // [B, N, D]
            let keyValues = try context.vaceKeyValues?[k]
                ?? vaceBlock.block.attn2.keyValues(text: context.text, textBias: context.textKeyBias, image: context.image, on: backend)
            c = try vaceBlock.block(c, timestepProjection: timestepProjection, rotary: rotary, keyValues: keyValues,
                                    taps: taps, name: "vace_blocks.\(k)", on: backend)  // [B, N, D]
            let hint = try vaceBlock.projOut(c, on: backend)  // [B, N, D]
            taps.record("vace_blocks.\(k)", hint)
            hints.append(hint)
        }
        return hints
    }
}
