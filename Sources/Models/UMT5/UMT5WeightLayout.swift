import Tensor

extension UMT5Encoder {
    /// The two checkpoint layouts of the UMT5 encoder. The model's canonical names are
    /// transformers' (`shared.weight`, `encoder.block.{i}.layer.0.SelfAttention.q.weight`, ...);
    /// the original Wan layout (`models_t5_umt5-xxl-enc-bf16.pth`, converted to safetensors) is read
    /// through the one name table of ``wanName(for:)`` (docs/wan-reference.md §8.2).
    public enum WeightLayout: String, Sendable, CaseIterable {
        /// transformers' `UMT5EncoderModel` names: the diffusers `text_encoder/` folder, ComfyUI's
        /// `umt5_xxl_*.safetensors`.
        case transformers
        /// The official Wan code's `t5.py` names: `token_embedding.weight`, `blocks.{i}.attn.q.weight`, ...
        case wan
        /// llama.cpp's names, which GGUF text encoders use (`general.architecture` `t5encoder`):
        /// `token_embd.weight`, `enc.blk.{i}.attn_q.weight`, `enc.output_norm.weight`, ...
        case llamaCpp

        /// `.llamaCpp` when the weights hold `token_embd.weight` or any `enc.blk.*` tensor, `.wan`
        /// when they hold `token_embedding.weight` or any `blocks.*` tensor, else `.transformers`.
        public init(detectingFrom weights: any WeightSource) {
            if weights.entry(named: "token_embd.weight") != nil || weights.names.contains(where: { $0.hasPrefix("enc.blk.") }) {
                self = .llamaCpp
                return
            }
            let isWan = weights.entry(named: "token_embedding.weight") != nil
                || weights.names.contains { $0.hasPrefix("blocks.") }
            self = isWan ? .wan : .transformers
        }

        /// The weights' name for the canonical (transformers) name `canonical`; names the layout
        /// has no equivalent for are returned unchanged (and then are not found).
        public func fileName(for canonical: String) -> String {
            switch self {
            case .transformers: return canonical
            case .wan: return WeightLayout.wanName(for: canonical) ?? canonical
            case .llamaCpp: return WeightLayout.llamaCppName(for: canonical) ?? canonical
            }
        }

        /// The llama.cpp name of a transformers name, or nil for a name that layout lacks.
        public static func llamaCppName(for transformersName: String) -> String? {
            if let top = topLevelLlamaCppNames[transformersName] { return top }
            let parts = transformersName.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "encoder", parts[1] == "block", Int(parts[2]) != nil,
                  let rest = blockLlamaCppNames[String(parts[3])] else { return nil }
            return "enc.blk.\(parts[2]).\(rest)"
        }

        /// Whole-model tensors: transformers name → llama.cpp name.
        static let topLevelLlamaCppNames = [
            "shared.weight": "token_embd.weight",
            "encoder.final_layer_norm.weight": "enc.output_norm.weight",
        ]

        /// Per-block tensors, the part after `encoder.block.{i}.` → the part after `enc.blk.{i}.`:
        /// the gated FFN's `wi_0` is `ffn_gate`, `wi_1` `ffn_up`, `wo` `ffn_down`.
        static let blockLlamaCppNames = [
            "layer.0.layer_norm.weight": "attn_norm.weight",
            "layer.0.SelfAttention.q.weight": "attn_q.weight",
            "layer.0.SelfAttention.k.weight": "attn_k.weight",
            "layer.0.SelfAttention.v.weight": "attn_v.weight",
            "layer.0.SelfAttention.o.weight": "attn_o.weight",
            "layer.0.SelfAttention.relative_attention_bias.weight": "attn_rel_b.weight",
            "layer.1.layer_norm.weight": "ffn_norm.weight",
            "layer.1.DenseReluDense.wi_0.weight": "ffn_gate.weight",
            "layer.1.DenseReluDense.wi_1.weight": "ffn_up.weight",
            "layer.1.DenseReluDense.wo.weight": "ffn_down.weight",
        ]

        /// The original Wan name of a transformers name, or nil for a name the Wan layout lacks
        /// (`encoder.embed_tokens.weight`, the tied copy of `shared.weight`).
        public static func wanName(for transformersName: String) -> String? {
            if let top = topLevelWanNames[transformersName] { return top }
            // encoder.block.{i}.<rest> → blocks.{i}.<wan rest>
            let parts = transformersName.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "encoder", parts[1] == "block", Int(parts[2]) != nil,
                  let rest = blockWanNames[String(parts[3])] else { return nil }
            return "blocks.\(parts[2]).\(rest)"
        }

        /// Whole-model tensors: transformers name → Wan name.
        static let topLevelWanNames = [
            "shared.weight": "token_embedding.weight",
            "encoder.final_layer_norm.weight": "norm.weight",
        ]

        /// Per-block tensors, the part after `encoder.block.{i}.` → the part after `blocks.{i}.`.
        /// The FFN: `wi_0` (through GELU) is Wan's `gate.0`, the linear `wi_1` its `fc1`, `wo` its `fc2`.
        static let blockWanNames = [
            "layer.0.layer_norm.weight": "norm1.weight",
            "layer.0.SelfAttention.q.weight": "attn.q.weight",
            "layer.0.SelfAttention.k.weight": "attn.k.weight",
            "layer.0.SelfAttention.v.weight": "attn.v.weight",
            "layer.0.SelfAttention.o.weight": "attn.o.weight",
            "layer.0.SelfAttention.relative_attention_bias.weight": "pos_embedding.embedding.weight",
            "layer.1.layer_norm.weight": "norm2.weight",
            "layer.1.DenseReluDense.wi_0.weight": "ffn.gate.0.weight",
            "layer.1.DenseReluDense.wi_1.weight": "ffn.fc1.weight",
            "layer.1.DenseReluDense.wo.weight": "ffn.fc2.weight",
        ]

        /// Tensors a checkpoint may carry that the encoder does not use: ComfyUI stores the
        /// SentencePiece model's bytes as the uint8 tensor `spiece_model`.
        public static func isIgnored(_ fileName: String) -> Bool { fileName == "spiece_model" }
    }
}
