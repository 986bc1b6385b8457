import Tensor

extension CLIPVisionEncoder {
    /// The two checkpoint layouts of the vision tower. The model's canonical names are transformers'
    /// (`vision_model.encoder.layers.{i}.self_attn.q_proj.weight`, ...); the original Wan /
    /// open-clip layout (`models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth`) is read through
    /// the one name table of ``wanName(for:)``. Three of its tensors differ in more than the name:
    /// `visual.cls_embedding` is `[1, 1, D]` (transformers: `[D]`), `visual.pos_embedding`
    /// `[1, T, D]` (`[T, D]`), and each layer's q, k and v are stacked in `attn.to_qkv` `[3D, D]`.
    public enum WeightLayout: String, Sendable, CaseIterable {
        /// transformers' `CLIPVisionModel(WithProjection)` / `CLIPModel` names under `vision_model.`:
        /// the diffusers `image_encoder/` folder, ComfyUI's `clip_vision_h.safetensors`.
        case transformers
        /// The original Wan code's `clip.py` names under `visual.` (beside `textual.*` and `log_scale`).
        case wan

        /// `.transformers` when the weights hold any `vision_model.*` tensor, `.wan` when they hold
        /// any `visual.*` tensor; throws ``CLIPVisionError/unknownLayout(_:)`` naming the weights
        /// when they hold neither (a transformer, a VAE or a text encoder given as the image encoder).
        public init(detecting weights: any WeightSource) throws {
            if weights.names.contains(where: { $0.hasPrefix("vision_model.") }) {
                self = .transformers
            } else if weights.names.contains(where: { $0.hasPrefix("visual.") }) {
                self = .wan
            } else {
                let first = weights.names.first.map { "; its first tensor is \"\($0)\"" } ?? "; it holds no tensors"
                throw CLIPVisionError.unknownLayout("\(weights.description) holds no \"vision_model.*\" (transformers) or "
                    + "\"visual.*\" (original Wan) tensors, so it is not a CLIP vision encoder\(first)")
            }
        }

        /// The weights' name for the canonical (transformers) name `canonical`; names the layout has no
        /// equivalent for are returned unchanged (and then are not found).
        public func fileName(for canonical: String) -> String {
            switch self {
            case .transformers: return canonical
            case .wan: return WeightLayout.wanName(for: canonical) ?? canonical
            }
        }

        /// Whether the weights' tensor `fileName` may stay unused by an encoder of `numHiddenLayers`
        /// layers: what `hidden_states[-2]` does not need (the last layer, the post-layernorm, the
        /// projection) and the text tower of a full CLIP checkpoint.
        public func mayLeaveUnused(_ fileName: String, numHiddenLayers: Int) -> Bool {
            let last = numHiddenLayers - 1
            switch self {
            case .transformers:
                return fileName.hasPrefix("text_model.") || fileName.hasPrefix("vision_model.post_layernorm.")
                    || fileName.hasPrefix("vision_model.encoder.layers.\(last).")
                    || ["visual_projection.weight", "text_projection.weight", "logit_scale",
                        "vision_model.embeddings.position_ids"].contains(fileName)
            case .wan:
                return fileName.hasPrefix("textual.") || fileName.hasPrefix("visual.post_norm.")
                    || fileName.hasPrefix("visual.transformer.\(last).") || fileName == "visual.head" || fileName == "log_scale"
            }
        }

        /// The canonical name of each layer's stacked q, k, v projection: transformers has none (it
        /// stores `q_proj`, `k_proj`, `v_proj`), so this one exists only to be renamed to `attn.to_qkv`.
        static let fusedQKV = "self_attn.qkv_proj"

        /// The original Wan name of a transformers name, or nil for a name the Wan layout lacks.
        public static func wanName(for transformersName: String) -> String? {
            let prefix = "vision_model."
            guard transformersName.hasPrefix(prefix) else { return nil }
            let rest = String(transformersName.dropFirst(prefix.count))
            if let top = topLevelWanNames[rest] { return "visual." + top }
            // encoder.layers.{i}.<part> → transformer.{i}.<wan part>
            let parts = rest.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "encoder", parts[1] == "layers", Int(parts[2]) != nil,
                  let part = layerWanNames[String(parts[3])] else { return nil }
            return "visual.transformer.\(parts[2]).\(part)"
        }

        /// Whole-model tensors: the part after `vision_model.` → the part after `visual.`.
        static let topLevelWanNames = [
            "embeddings.patch_embedding.weight": "patch_embedding.weight",
            "embeddings.class_embedding": "cls_embedding",
            "embeddings.position_embedding.weight": "pos_embedding",
            "pre_layrnorm.weight": "pre_norm.weight", "pre_layrnorm.bias": "pre_norm.bias",
            "post_layernorm.weight": "post_norm.weight", "post_layernorm.bias": "post_norm.bias",
        ]

        /// Per-layer tensors: the part after `encoder.layers.{i}.` → the part after `transformer.{i}.`.
        static let layerWanNames = [
            "layer_norm1.weight": "norm1.weight", "layer_norm1.bias": "norm1.bias",
            "layer_norm2.weight": "norm2.weight", "layer_norm2.bias": "norm2.bias",
            fusedQKV + ".weight": "attn.to_qkv.weight", fusedQKV + ".bias": "attn.to_qkv.bias",
            "self_attn.out_proj.weight": "attn.proj.weight", "self_attn.out_proj.bias": "attn.proj.bias",
            "mlp.fc1.weight": "mlp.0.weight", "mlp.fc1.bias": "mlp.0.bias",
            "mlp.fc2.weight": "mlp.2.weight", "mlp.fc2.bias": "mlp.2.bias",
        ]
    }
}
