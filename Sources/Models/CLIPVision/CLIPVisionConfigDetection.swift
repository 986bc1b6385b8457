import Tensor

extension CLIPVisionEncoder.Config {
    /// The head count of known CLIP vision widths, which no weight shape shows: ViT-B (768: 12),
    /// ViT-L (1024: 16), ViT-H (1280: 16), ViT-bigG (1664: 16).
    public static let knownHeadCounts = [768: 12, 1024: 16, 1280: 16, 1664: 16]

    /// Reads the configuration off the shapes of `weights` (either layout), for checkpoints that
    /// come without a `config.json` (the original Wan file, ComfyUI's `clip_vision_h.safetensors`):
    ///
    /// - hidden_size, num_channels and patch_size from the patch embedding `[D, C, p, p]`;
    /// - image_size from the position embedding's `1 + g²` rows (g · patch_size);
    /// - intermediate_size from layer 0's `fc1` (`mlp.0`), num_hidden_layers by counting layers.
    ///
    /// What the shapes cannot show: the head count is `numAttentionHeads` when given, else the
    /// known count for the width (``knownHeadCounts``); `hidden_act` is the exact GELU and eps 1e-5,
    /// the values of laion's and Wan's ViT-H/14 (OpenAI's quick-GELU models need their
    /// `config.json`). Throws ``CLIPVisionError`` naming the tensor that is missing or misshapen,
    /// or the width whose head count is unknown.
    public init(detectingFrom weights: any WeightSource, numAttentionHeads: Int? = nil) throws {
        let layout = try CLIPVisionEncoder.WeightLayout(detecting: weights)
        func shape(_ canonical: String, rank: Int) throws -> [Int] {
            let name = layout.fileName(for: "vision_model." + canonical)
            guard let shape = weights.entry(named: name)?.shape else {
                throw CLIPVisionError.undetectableConfig("\(weights.description) has no \"\(name)\"")
            }
            guard shape.count == rank, shape.allSatisfy({ $0 > 0 }) else {
                throw CLIPVisionError.undetectableConfig("\"\(name)\" has shape \(shape), expected \(rank) positive sizes")
            }
            return shape
        }
        let isWan = layout == .wan
        let patch = try shape("embeddings.patch_embedding.weight", rank: 4)  // [D, C, p, p]
        let (d, p) = (patch[0], patch[2])
        guard patch[3] == p else {
            throw CLIPVisionError.undetectableConfig("the patch embedding has shape \(patch); its patches are not square")
        }
        let positions = try shape("embeddings.position_embedding.weight", rank: isWan ? 3 : 2)  // [1, T, D] or [T, D]
        let t = positions[isWan ? 1 : 0]
        let g = Int(Double(t - 1).squareRoot().rounded())
        guard g > 0, g * g == t - 1 else {
            throw CLIPVisionError.undetectableConfig("the position embedding has \(t) rows, not 1 + a square number of patches")
        }
        let fc1 = try shape("encoder.layers.0.mlp.fc1.weight", rank: 2)  // [I, D]
        guard let heads = numAttentionHeads ?? CLIPVisionEncoder.Config.knownHeadCounts[d] else {
            throw CLIPVisionError.undetectableConfig("the head count of a vision tower of width \(d) cannot be read off "
                + "its shapes; give its config.json")
        }
        self.init(hiddenSize: d, intermediateSize: fc1[0], numHiddenLayers: layerCount(weights, layout: layout),
                  numAttentionHeads: heads, imageSize: g * p, patchSize: p, numChannels: patch[1], hiddenAct: .gelu,
                  layerNormEps: 1e-5)
        do { try validate() } catch let error as CLIPVisionError {
            throw CLIPVisionError.undetectableConfig("the shapes of \(weights.description) give an invalid configuration: \(error)")
        }
    }
}

/// One more than the largest N of the weights' layer names (`vision_model.encoder.layers.N.`,
/// `visual.transformer.N.`); 0 when there are none. Gaps show up later as missing tensors.
private func layerCount(_ weights: any WeightSource, layout: CLIPVisionEncoder.WeightLayout) -> Int {
    let prefix = layout == .wan ? "visual.transformer." : "vision_model.encoder.layers."
    var last = -1
    for name in weights.names where name.hasPrefix(prefix) {
        if let index = name.dropFirst(prefix.count).split(separator: ".").first.flatMap({ Int($0) }), index < 1_000_000 {
            last = max(last, index)
        }
    }
    return last + 1
}
