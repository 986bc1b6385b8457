import Tensor

extension WanAutoencoder {
    /// The two checkpoint layouts of the Wan 2.1 VAE. The model's canonical names are diffusers';
    /// ``originalName(_:numResBlocks:)`` is the one table to the other layout (docs/wan-reference.md §8.2).
    public enum WeightLayout: String, Sendable, Equatable {
        /// diffusers' `AutoencoderKLWan` names (`vae/diffusion_pytorch_model.safetensors`).
        case diffusers
        /// The official Wan names (`Wan2.1_VAE.pth` converted to safetensors, ComfyUI's
        /// `wan_2.1_vae.safetensors`): `encoder.conv1`, `encoder.downsamples.{k}.residual.2`, ...
        case original
    }

    /// The layout of `weights`, found from the name of the first convolution (`encoder.conv_in` or
    /// `encoder.conv1`, the decoder's for decoder-only weights), and the prefix in front of every
    /// name (`""`, or `"vae."`, `"first_stage_model."` in bundled checkpoints).
    public static func detectLayout(of weights: any WeightSource) -> (layout: WeightLayout, prefix: String)? {
        let markers: [(String, WeightLayout)] = [
            ("encoder.conv_in.weight", .diffusers), ("decoder.conv_in.weight", .diffusers),
            ("encoder.conv1.weight", .original), ("decoder.conv1.weight", .original),
        ]
        for name in weights.names {
            for (marker, layout) in markers where name.hasSuffix(marker) {
                let prefix = String(name.dropLast(marker.count))
                if prefix.isEmpty || prefix.hasSuffix(".") { return (layout, prefix) }
            }
        }
        return nil
    }

    /// The original Wan name of a diffusers key, for a config with `numResBlocks` residual blocks per
    /// encoder level (the decoder's `upsamples` list is flat: per level `numResBlocks + 1` residual
    /// blocks, then the upsampler):
    ///
    /// | diffusers | original |
    /// | --- | --- |
    /// | `quant_conv.*` / `post_quant_conv.*` | `conv1.*` / `conv2.*` |
    /// | `{en,de}coder.conv_in.*` | `{en,de}coder.conv1.*` |
    /// | `{en,de}coder.norm_out.gamma` / `conv_out.*` | `{en,de}coder.head.0.gamma` / `head.2.*` |
    /// | `{en,de}coder.mid_block.resnets.0` / `attentions.0` / `resnets.1` | `{en,de}coder.middle.0` / `.1` / `.2` |
    /// | `encoder.down_blocks.{k}` | `encoder.downsamples.{k}` |
    /// | `decoder.up_blocks.{i}.resnets.{j}` | `decoder.upsamples.{i·(n+2) + j}` |
    /// | `decoder.up_blocks.{i}.upsamplers.0` | `decoder.upsamples.{i·(n+2) + n+1}` |
    /// | residual blocks: `norm1.gamma`, `conv1`, `norm2.gamma`, `conv2`, `conv_shortcut` | `residual.0.gamma`, `residual.2`, `residual.3.gamma`, `residual.6`, `shortcut` |
    ///
    /// Attention (`norm`, `to_qkv`, `proj`) and resampler (`resample.1`, `time_conv`) names are the
    /// same in both. Keys the table does not know are returned unchanged.
    public static func originalName(_ key: String, numResBlocks: Int) -> String {
        if let rest = key.dropPrefix("quant_conv.") { return "conv1." + rest }
        if let rest = key.dropPrefix("post_quant_conv.") { return "conv2." + rest }
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts[0] == "encoder" || parts[0] == "decoder" else { return key }
        let coder = parts[0], rest = Array(parts[1...])
        func joined(_ head: [String], _ tail: ArraySlice<String>) -> String {
            ([coder] + head + tail).joined(separator: ".")
        }
        switch rest[0] {
        case "conv_in": return joined(["conv1"], rest[1...])
        case "norm_out": return joined(["head", "0"], rest[1...])
        case "conv_out": return joined(["head", "2"], rest[1...])
        case "mid_block" where rest.count >= 4:
            guard let index = Int(rest[2]) else { return key }
            let slot = rest[1] == "attentions" ? 1 : 2 * index
            return joined(["middle", String(slot)], originalBlockName(rest[3...]))
        case "down_blocks" where rest.count >= 3:
            return joined(["downsamples", rest[1]], originalBlockName(rest[2...]))
        case "up_blocks" where rest.count >= 5:
            guard let level = Int(rest[1]), let index = Int(rest[3]) else { return key }
            let offset = rest[2] == "resnets" ? index : numResBlocks + 1
            return joined(["upsamples", String(level * (numResBlocks + 2) + offset)], originalBlockName(rest[4...]))
        default: return key
        }
    }

    /// A residual block's inner names in the original layout (`nn.Sequential` indices of
    /// `residual`: 0 norm, 1 SiLU, 2 conv, 3 norm, 4 SiLU, 5 dropout, 6 conv); other blocks' names
    /// are the same in both layouts.
    private static func originalBlockName(_ tail: ArraySlice<String>) -> ArraySlice<String> {
        guard let first = tail.first else { return tail }
        let renamed: [String]
        switch first {
        case "norm1": renamed = ["residual", "0"]
        case "conv1": renamed = ["residual", "2"]
        case "norm2": renamed = ["residual", "3"]
        case "conv2": renamed = ["residual", "6"]
        case "conv_shortcut": renamed = ["shortcut"]
        default: return tail
        }
        return ArraySlice(renamed + tail.dropFirst())
    }
}

extension String {
    /// The rest of the string after `prefix`, or nil when it does not start with it.
    fileprivate func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
