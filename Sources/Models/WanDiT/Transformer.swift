import NN
import Tensor

/// The Wan 2.1 diffusion transformer, diffusers' `WanTransformer3DModel` (docs/wan-reference.md §1): it
/// predicts the flow-matching velocity of video latents `[B, C_in, T, H, W]` at a timestep, given
/// the projected text states (and for I2V / FLF2V the CLIP image tokens). A VACE model (diffusers'
/// `WanVACETransformer3DModel`, ``Config/isVACE``) also takes a ``VACEControl``: its VACE blocks turn
/// the control into hints added after the main blocks listed in `vace_layers`.
///
/// Load it from a diffusers folder (``init(component:dtype:uploadingTo:)``), from weights with a
/// known configuration (``init(config:weights:dtype:uploadingTo:)``), or from weights alone, the
/// configuration read off their shapes (``init(weights:attentionHeadDim:dtype:uploadingTo:)``). The
/// weights may use diffusers' names or the original Wan names (see ``WeightLayout``), in one file
/// or a sharded set.
///
/// Precision: with `dtype: .float32` everything runs in float32. With `.bfloat16` the model follows
/// diffusers loaded with `torch_dtype=torch.bfloat16` (docs/wan-reference.md §1.2, §7.2): the time embedder, the
/// modulation tables and the affine norms stay float32, every other weight is bf16, and activations
/// follow the reference's dtype trace.
public struct WanTransformer: Sendable {
    /// The hyperparameters.
    public let config: Config
    /// The model dtype: float32, or bf16 / f16 for the reduced-precision policy.
    public let dtype: DType
    /// The checkpoint layout the weights were read in.
    public let layout: WeightLayout

    let patchEmbedding: Linear  // the Conv3d as a linear map of each patch: [D, C_in·pt·ph·pw]
    let embedder: ConditionEmbedder
    let blocks: [WanBlock]
    let scaleShiftTable: Tensor  // [1, 2, D] f32
    let projOut: Linear  // [C_out·pt·ph·pw, D]
    /// The control branch of a VACE model; nil for every other model.
    let vace: VACEBranch?
    let rope: WanRotaryEmbedding
    let rotaryCache = RotaryCache()
    let identity = ModelIdentity()

    // MARK: Loading

    /// Loads `weights` (either layout, detected from the names) for `config`, in `dtype`. Throws
    /// ``NN/WeightLoadError`` for a missing or misshapen tensor (naming it) and for tensors no layer
    /// used (listing them; diffusers' `norm_added_q` are ignored as diffusers ignores them), and
    /// ``WanTransformerError`` for an invalid configuration or unknown layout.
    public init(config: Config, weights: any WeightSource, dtype: DType = .float32,
                uploadingTo backend: (any Backend)? = nil) throws {
        try config.validate()
        // A GGUF file names its model family; another family's file is refused by name.
        try (weights as? GGUFFile)?.requireArchitecture(["wan"], for: "a Wan transformer")
        let layout = try WeightLayout(detecting: weights)
        let usage = WeightUsage()
        let root = WeightScope(weights, usage: usage, rename: { layout.fileName(for: $0) }, uploadingTo: backend)
        let d = config.innerDim, patchVolume = config.patchSize.reduce(1, *)
        let convWeight = try root.tensor("patch_embedding.weight", shape: [d, config.inChannels] + config.patchSize,
                                         dtype: parameterType("patch_embedding.weight", modelType: dtype))
        patchEmbedding = Linear(
            weight: try convWeight.reshaped([d, config.inChannels * patchVolume]),
            bias: try root.tensor("patch_embedding.bias", shape: [d], dtype: parameterType("patch_embedding.bias", modelType: dtype)))
        embedder = try ConditionEmbedder(scope: root["condition_embedder"], config: config, dtype: dtype)
        // Counted before any block is built, so that a config's num_layers cannot ask for more blocks
        // than the weights hold.
        let last = blockIndices(weights, layout: layout).max()
        guard last == config.numLayers - 1 else {
            let held = last.map { "blocks numbered up to \($0)" } ?? "no blocks"
            throw WanTransformerError.invalidConfig(
                "num_layers is \(config.numLayers), but \(weights.description) holds \(held) (\"\(layout.prefix)blocks.N.\")")
        }
        blocks = try (0..<config.numLayers).map { try WanBlock(scope: root["blocks"][$0], config: config, dtype: dtype) }
        if let layers = config.vaceLayers, let channels = config.vaceInChannels {
            vace = try VACEBranch(scope: root, weights: weights, layout: layout, config: config, layers: layers,
                                  inChannels: channels, dtype: dtype)
        } else {
            vace = nil
        }
        scaleShiftTable = try root.tensor("scale_shift_table", shape: [1, 2, d],
                                          dtype: parameterType("scale_shift_table", modelType: dtype))
        projOut = try loadLinear(root["proj_out"], in: d, out: config.patchFeaturesOut, modelType: dtype)
        try usage.verifyAllUsed(weights, ignoring: { layout.mayLeaveUnused($0) })
        // A backend may have replaced the linear weights with copies of its own (packed GEMM layouts):
        // the plain copies' blocks, freed into the allocator's cache, go back to the system.
        if backend != nil { Storage.trimHostCache() }
        rope = try WanRotaryEmbedding(headDim: config.attentionHeadDim, maxPositions: config.ropeMaxSeqLen)
        self.config = config
        self.dtype = dtype
        self.layout = layout
    }

    /// Loads `weights` with the configuration detected from their shapes (see
    /// ``Config/init(detectingFrom:attentionHeadDim:)``: the head width cannot be seen in the
    /// weights and is assumed to be 128, as in every released Wan model).
    public init(weights: any WeightSource, attentionHeadDim: Int = 128, dtype: DType = .float32,
                uploadingTo backend: (any Backend)? = nil) throws {
        let config = try Config(detectingFrom: weights, attentionHeadDim: attentionHeadDim)
        try self.init(config: config, weights: weights, dtype: dtype, uploadingTo: backend)
    }

    /// Loads the `transformer` component of a diffusers model folder: its `config.json` and weights
    /// (single file or sharded). Without a `config.json`, the configuration is detected.
    public init(component: ModelComponent, dtype: DType = .float32, uploadingTo backend: (any Backend)? = nil) throws {
        guard let weights = try component.openWeights() else {
            throw WanTransformerError.unknownLayout(
                "the \"\(component.name)\" component at \(component.path ?? "?") has no weights")
        }
        if let json = component.config {
            try self.init(config: try Config(json: json, file: component.configPath), weights: weights, dtype: dtype,
                          uploadingTo: backend)
        } else {
            try self.init(weights: weights, dtype: dtype, uploadingTo: backend)
        }
    }

    // MARK: Forward

    /// The velocity for `latents` `[B, C_in, T, H, W]` (T, H, W multiples of the patch size) at
    /// `timestep` `[B]` (or `[1]` for all), given the text encoder's states `context`
    /// `[B, L, text_dim]` (any L; the pipeline pads to 512 with zeros), for I2V `imageContext`
    /// `[B, M, image_dim]` (FLF2V: both images' tokens, M = pos_embed_seq_len) and for a VACE model its
    /// `control` (required by a VACE model, refused by every other). Returns
    /// `[B, C_out, T, H, W]` in the model dtype. With `taps`, records `context` (the projected text),
    /// `image_context` (the embedded image tokens), `patch_embedding` `[B, N, D]`, `temb` `[B, D]`,
    /// `timestep_proj` `[B, 6, D]`, `blocks.{i}` and their `.attn1`, `.attn2`, `.ffn` outputs, `norm_out`
    /// (the modulated input of `proj_out`), `proj_out` `[B, N, C_out·pt·ph·pw]` and `output`; a VACE
    /// model also `vace_patch_embedding` `[B, N_control, D]`, `vace_blocks.{k}` (hint k, `[B, N, D]`)
    /// and the VACE blocks' `.attn1`, `.attn2`, `.ffn` outputs.
    public func callAsFunction(latents: Tensor, timestep: Tensor, context: Tensor, imageContext: Tensor? = nil,
                               control: VACEControl? = nil, taps: Taps? = nil, on backend: any Backend) throws -> Tensor {
        let encoded = try encodeContext(context, imageContext: imageContext, cachingKeyValues: false, taps: taps, on: backend)
        return try self(latents: latents, timestep: timestep, context: encoded, control: control, taps: taps, on: backend)
    }

    /// The velocity as ``callAsFunction(latents:timestep:context:imageContext:control:taps:on:)``, with the
    /// text (and image) work done once beforehand by ``encodeContext(_:imageContext:cachingKeyValues:taps:on:)``.
    /// A VACE model needs its `control`; every other model refuses one. With a `cache`, the block
    /// stack may be skipped for its cached residual (see ``StepCache``); a skipped call computes no
    /// VACE hints either, their effect being part of the residual.
    public func callAsFunction(latents: Tensor, timestep: Tensor, context: EncodedContext, control: VACEControl? = nil,
                               cache: StepCache? = nil, taps: Taps? = nil, on backend: any Backend) throws -> Tensor {
        guard context.owner === identity else {
            throw WanTransformerError.invalidInput("the encoded context was made by another transformer")
        }
        let grid = try patchGrid(latents)
        let b = latents.shape[0]
        guard context.text.shape[0] == b else {
            throw WanTransformerError.invalidInput("the context has batch \(context.text.shape[0]), the latents \(b)")
        }
        guard timestep.shape == [b] || timestep.shape == [1] else {
            throw WanTransformerError.invalidInput("timestep \(timestep.shape) must be [\(b)] or [1]")
        }
        // The VACE control: required by a VACE model, refused by the others, checked before any work.
        var controlGrid: [Int] = [], hintScales: [Float] = []
        switch (vace, control) {
        case (let branch?, let control?):
            controlGrid = try checkControl(control, latents: latents, branch: branch)
            hintScales = try control.layerScales(branch.blocks.count, dtype: dtype)
        case (_?, nil):
            throw WanTransformerError.invalidInput("this VACE model needs a VACE control (the control context and its scales)")
        case (nil, _?):
            throw WanTransformerError.invalidInput("this model is not a VACE model and takes no VACE control")
        case (nil, nil):
            break
        }
        let timesteps = try backend.download(timestep).floats()
        let rotary = try rotaryTables(grid, on: backend)

        var x = try patchEmbed(latents, grid: grid, on: backend)  // [B, N, D]
        taps.record("patch_embedding", x)
        let (temb, timestepProjection) = try embedder.time(timesteps, on: backend)  // [B, D], [B, 6, D]
        taps.record("temb", temb)
        taps.record("timestep_proj", timestepProjection)

        let stackInput = x  // [B, N, D]
        if let cache, let first = blocks.first,
           try cache.shouldSkip(modulatedInput: try first.modulatedInput(x, timestepProjection: timestepProjection, on: backend),
                                on: backend) {
            x = try cache.applyResidual(to: x, on: backend)  // [B, N, D]
        } else {
            // VACE: every hint is made from the input tokens before the main blocks run.
            var hints: [Tensor] = []
            if let vace, let control {
                hints = try vaceHints(vace, control: control, controlGrid: controlGrid, x: x,
                                      timestepProjection: timestepProjection, rotary: rotary, context: context,
                                      taps: taps, on: backend)  // K × [B, N, D]
            }
            for (i, block) in blocks.enumerated() {
                let keyValues = try context.keyValues?[i]
                    ?? block.attn2.keyValues(text: context.text, textBias: context.textKeyBias, image: context.image, on: backend)
                x = try block(x, timestepProjection: timestepProjection, rotary: rotary, keyValues: keyValues,
                              taps: taps, name: "blocks.\(i)", on: backend)  // [B, N, D]
                taps.record("blocks.\(i)", x)
                if let k = vace?.hintAfter[i] {
                    // hint · scale and the sum each rounded to the model dtype, as in diffusers.
                    x = try backend.add(x, try backend.affine(hints[k], scale: hintScales[k], offset: 0))  // [B, N, D]
                }
            }
            try cache?.store(input: stackInput, output: x, on: backend)
        }

        // Output head: shift and scale from the table plus temb (before time_proj), in float32.
        let tb = try temb.reshaped([temb.shape[0], 1, temb.shape[1]])  // [B, 1, D]
        let head = try backend.add(scaleShiftTable, tb)  // [B, 2, D] f32
        let y = try modulatedNorm(x, shift: try backend.slice(head, axis: 1, start: 0, end: 1),
                                  scale: try backend.slice(head, axis: 1, start: 1, end: 2),
                                  eps: config.eps, dtype: dtype, on: backend)  // [B, N, D]
        taps.record("norm_out", y)
        let patches = try projOut(y, on: backend)  // [B, N, C_out·pt·ph·pw]
        taps.record("proj_out", patches)
        let output = try unpatchify(patches, grid: grid, on: backend)  // [B, C_out, T, H, W]
        taps.record("output", output)
        return output
    }

    // MARK: Patches

    /// Tokens per axis (f, h, w) of `latents`, which must be `[B, C_in, T, H, W]` with each of T, H, W
    /// a multiple of the patch size.
    func patchGrid(_ latents: Tensor) throws -> [Int] {
        guard latents.rank == 5, latents.shape[1] == config.inChannels else {
            throw WanTransformerError.invalidInput(
                "latents \(latents.shape) must be [B, \(config.inChannels), T, H, W]")
        }
        let sizes = Array(latents.shape[2...])
        guard zip(sizes, config.patchSize).allSatisfy({ $0 > 0 && $0 % $1 == 0 }) else {
            throw WanTransformerError.invalidInput(
                "latent frames, height and width \(sizes) must be positive multiples of the patch size \(config.patchSize)")
        }
        return zip(sizes, config.patchSize).map { $0 / $1 }
    }

    /// The patch embedding (a Conv3d with kernel = stride = patch) as one linear map of each patch:
    /// `[B, C, T, H, W]` → `[B, N, D]`, token n = (fi·h + hi)·w + wi, patch features ordered (c, kt, kh, kw).
    func patchEmbed(_ latents: Tensor, grid: [Int], on backend: any Backend) throws -> Tensor {
        let (b, c, p) = (latents.shape[0], latents.shape[1], config.patchSize)
        let split = try latents.reshaped([b, c, grid[0], p[0], grid[1], p[1], grid[2], p[2]])  // [B, C, f, pt, h, ph, w, pw]
        let patches = try backend.permute(split, [0, 2, 4, 6, 1, 3, 5, 7])  // [B, f, h, w, C, pt, ph, pw]
        let rows = try patches.reshaped([b, grid.reduce(1, *), c * p.reduce(1, *)])  // [B, N, C·pt·ph·pw]
        return try patchEmbedding(try backend.cast(rows, to: dtype), on: backend)  // [B, N, D]
    }

    /// `[B, N, pt·ph·pw·C_out]` (features ordered (pt, ph, pw, c)) → `[B, C_out, T, H, W]`.
    func unpatchify(_ x: Tensor, grid: [Int], on backend: any Backend) throws -> Tensor {
        let (b, p, c) = (x.shape[0], config.patchSize, config.outChannels)
        let split = try x.reshaped([b, grid[0], grid[1], grid[2], p[0], p[1], p[2], c])  // [B, f, h, w, pt, ph, pw, C]
        let video = try backend.permute(split, [0, 7, 1, 4, 2, 5, 3, 6])  // [B, C, f, pt, h, ph, w, pw]
        return try video.reshaped([b, c, grid[0] * p[0], grid[1] * p[1], grid[2] * p[2]])  // [B, C, T, H, W]
    }

    /// The rotary tables of a token grid, computed once per grid and kept.
    func rotaryTables(_ grid: [Int], on backend: any Backend) throws -> RotaryTables {
        if let cached = rotaryCache[grid] { return try upload(cached, backend) }
        guard grid.allSatisfy({ $0 <= config.ropeMaxSeqLen }) else {
            throw WanTransformerError.invalidInput(
                "the token grid \(grid) is longer than rope_max_seq_len \(config.ropeMaxSeqLen) on some axis")
        }
        let (cos, sin) = try rope.tables(frames: grid[0], height: grid[1], width: grid[2])  // [N, d] each
        let tables = RotaryTables(cos: cos, sin: sin)
        rotaryCache[grid] = tables
        return try upload(tables, backend)
    }

    private func upload(_ tables: RotaryTables, _ backend: any Backend) throws -> RotaryTables {
        RotaryTables(cos: try backend.upload(tables.cos), sin: try backend.upload(tables.sin))
    }
}
