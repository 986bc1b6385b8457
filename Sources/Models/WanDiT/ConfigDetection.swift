import NN
import Tensor

extension WanTransformer.Config {
    /// Reads the configuration off the shapes of `weights` (either layout), for checkpoints that come
    /// without a `config.json` (the official release, ComfyUI and GGUF single files):
    ///
    /// - D, in_channels and the patch size from `patch_embedding.weight` `[D, C_in, pt, ph, pw]`;
    /// - out_channels from `proj_out.weight` `[C_out·pt·ph·pw, D]`;
    /// - text_dim and freq_dim from the text and time embedders' first layers;
    /// - ffn_dim from `blocks.0.ffn.net.0.proj.weight`, num_layers from the block indices;
    /// - cross_attn_norm from the presence of `blocks.0.norm2.weight`;
    /// - image_dim, added_kv_proj_dim and pos_embed_seq_len from the I2V tensors when present;
    /// - VACE: vace_in_channels from `vace_patch_embedding.weight` `[D, C_control, pt, ph, pw]`, and from
    ///   the K `vace_blocks` the layers `i · (num_layers / K)` (the published 1.3B and 14B models); when K
    ///   does not divide num_layers the layers cannot be known and a `config.json` is asked for.
    ///
    /// The head width cannot be seen in any shape (q/k/v are `[D, D]`, the q/k norms span all
    /// heads): it is `attentionHeadDim`, 128 in every released Wan model, and the head count is
    /// D / 128 (12 for the 1.3B model, 40 for the 14B ones). eps (1e-6) and rope_max_seq_len (1024)
    /// take the values every variant uses. Throws ``WanTransformerError/undetectableConfig(_:)`` naming
    /// the tensor that is missing or has an unexpected rank.
    public init(detectingFrom weights: any WeightSource, attentionHeadDim: Int = 128) throws {
        let layout = try WanTransformer.WeightLayout(detecting: weights)
        func shape(_ name: String, rank: Int) throws -> [Int] {
            let fileName = layout.fileName(for: name)
            guard let shape = weights.entry(named: fileName)?.shape else {
                throw WanTransformerError.undetectableConfig("\(weights.description) has no \"\(fileName)\"")
            }
            guard shape.count == rank else {
                throw WanTransformerError.undetectableConfig("\"\(fileName)\" has shape \(shape), expected rank \(rank)")
            }
            return shape
        }
        func optionalShape(_ name: String, rank: Int) throws -> [Int]? {
            weights.entry(named: layout.fileName(for: name)) == nil ? nil : try shape(name, rank: rank)
        }

        let patch = try shape("patch_embedding.weight", rank: 5)  // [D, C_in, pt, ph, pw]
        let d = patch[0], patchSize = Array(patch[2...])
        guard attentionHeadDim > 0, d % attentionHeadDim == 0 else {
            throw WanTransformerError.undetectableConfig(
                "the model width \(d) is not a multiple of the head width \(attentionHeadDim); give the configuration explicitly")
        }
        let projOut = try shape("proj_out.weight", rank: 2)  // [C_out·pt·ph·pw, D]
        let patchVolume = patchSize.reduce(1, *)
        guard patchVolume > 0, projOut[0] % patchVolume == 0 else {
            let name = layout.fileName(for: "proj_out.weight")
            throw WanTransformerError.undetectableConfig(
                "\"\(name)\" has \(projOut[0]) outputs, not a multiple of the patch volume \(patchVolume)")
        }
        let imageNorm = try optionalShape("condition_embedder.image_embedder.norm1.weight", rank: 1)
        let addedKey = try optionalShape("blocks.0.attn2.add_k_proj.weight", rank: 2)
        let positions = try optionalShape("condition_embedder.image_embedder.pos_embed", rank: 3)
        self.init(
            patchSize: patchSize, numAttentionHeads: d / attentionHeadDim, attentionHeadDim: attentionHeadDim,
            inChannels: patch[1], outChannels: projOut[0] / patchVolume,
            textDim: try shape("condition_embedder.text_embedder.linear_1.weight", rank: 2)[1],
            freqDim: try shape("condition_embedder.time_embedder.linear_1.weight", rank: 2)[1],
            ffnDim: try shape("blocks.0.ffn.net.0.proj.weight", rank: 2)[0],
            numLayers: try blockCount(weights, layout: layout),
            crossAttnNorm: weights.entry(named: layout.fileName(for: "blocks.0.norm2.weight")) != nil,
            imageDim: imageNorm?[0], addedKVProjDim: addedKey?[1], posEmbedSeqLen: positions?[1])
        try detectVACE(weights, layout: layout, vacePatch: try optionalShape("vace_patch_embedding.weight", rank: 5))
        do { try validate() } catch let error as WanTransformerError {
            throw WanTransformerError.undetectableConfig("the shapes of \(weights.description) give an invalid configuration: \(error)")
        }
    }
}

extension WanTransformer.Config {
    /// Sets the VACE fields from the `vace_blocks` and `vace_patch_embedding` of `weights` (shape
    /// `vacePatch`), when they have any.
    fileprivate mutating func detectVACE(_ weights: any WeightSource, layout: WanTransformer.WeightLayout,
                                         vacePatch: [Int]?) throws {
        let indices = blockIndices(weights, layout: layout, group: "vace_blocks")
        guard let vacePatch else {
            guard indices.isEmpty else {
                throw WanTransformerError.undetectableConfig("\(weights.description) has VACE blocks but no "
                    + "\"\(layout.fileName(for: "vace_patch_embedding.weight"))\"")
            }
            return
        }
        let count = try contiguousCount(indices, weights: weights, group: layout.prefix + "vace_blocks.")
        guard numLayers % count == 0 else {
            throw WanTransformerError.undetectableConfig("\(weights.description) has \(count) VACE blocks for \(numLayers) "
                + "layers, so the layers they attach to (vace_layers) cannot be known; give them in a config.json")
        }
        vaceLayers = (0..<count).map { $0 * (numLayers / count) }
        vaceInChannels = vacePatch[1]
    }
}

/// The N of the `<group>.N.` names of `weights` (`blocks` or, for VACE, `vace_blocks`).
func blockIndices(_ weights: any WeightSource, layout: WanTransformer.WeightLayout, group: String = "blocks") -> Set<Int> {
    let blocksPrefix = layout.prefix + group + "."
    var indices = Set<Int>()
    for name in weights.names where name.hasPrefix(blocksPrefix) {
        if let index = name.dropFirst(blocksPrefix.count).split(separator: ".").first.flatMap({ Int($0) }) {
            indices.insert(index)
        }
    }
    return indices
}

/// The number of blocks: one more than the largest N of the `blocks.N.` names, all of 0…N present.
private func blockCount(_ weights: any WeightSource, layout: WanTransformer.WeightLayout) throws -> Int {
    try contiguousCount(blockIndices(weights, layout: layout), weights: weights, group: layout.prefix + "blocks.")
}

/// The number of blocks of `indices`: one more than the largest, all of 0…N present (named
/// `<blocksPrefix>N.` in messages).
private func contiguousCount(_ indices: Set<Int>, weights: any WeightSource, group blocksPrefix: String) throws -> Int {
    guard let last = indices.max() else {
        throw WanTransformerError.undetectableConfig("\(weights.description) has no \"\(blocksPrefix)N.\" tensors")
    }
    if let gap = (0...last).first(where: { !indices.contains($0) }) {
        throw WanTransformerError.undetectableConfig(
            "\(weights.description) has blocks up to \(last) but none numbered \(gap)")
    }
    return last + 1
}
