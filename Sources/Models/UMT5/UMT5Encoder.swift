import NN
import Tensor

/// The UMT5 text encoder of the Wan pipelines (transformers' `UMT5EncoderModel`, google/umt5-xxl;
/// docs/wan-reference.md §3.2): token ids and an attention mask in, `last_hidden_state` `[B, L, d_model]` out.
///
/// Embedding lookup without scaling; `numLayers` blocks of pre-norm self-attention (no 1/√d
/// scale, each block's own relative-position bias, key-padding mask) and gated-GELU feed-forward;
/// a final T5 RMS norm. ``promptEmbeddings(ids:attentionMask:on:taps:)`` adds the pipeline's
/// zeroing of padded rows (docs/wan-reference.md §3.4).
///
/// Named intermediates (``Taps``): `embed`, `block.{i}.position_bias` `[1, H, L, L]`,
/// `block.{i}.attn_out` (the residual stream after the attention sub-layer), `block.{i}.out`,
/// `final` (the output).
public struct UMT5Encoder: Sendable {
    /// The precision the encoder runs in.
    public enum Precision: String, Sendable, CaseIterable {
        /// bfloat16 weights and activations, the reference pipeline's policy for UMT5 (docs/wan-reference.md §7.1).
        /// Norm statistics, attention scores and softmax are float32, matmuls accumulate in float32.
        case bf16
        /// float32 throughout, for parity against a float32 reference.
        case f32

        /// The tensor dtype of weights and activations.
        public var dtype: DType { self == .bf16 ? .bfloat16 : .float32 }
    }

    /// The hyper-parameters.
    public let config: Config
    /// The precision weights were loaded in and activations run in.
    public let precision: Precision
    /// `shared.weight`, the token embedding `[vocab, d_model]`; a GGUF file's blocks stay blocks and
    /// only the rows a prompt uses are decoded.
    public let embedding: Weight
    /// `encoder.block.{i}`.
    public let blocks: [UMT5Block]
    /// `encoder.final_layer_norm`.
    public let finalNorm: T5LayerNorm

    /// Loads the encoder from `scope`, whose keys are the canonical transformers names (give the
    /// scope a `rename` for another layout). The embedding is `shared.weight`, or
    /// `encoder.embed_tokens.weight` when only that tied copy is stored; when both are, the copy's
    /// shape is checked and it counts as used without being read. Does not look for unused
    /// tensors (``init(config:weights:dtype:uploadingTo:)`` does). Throws `WeightLoadError` for a
    /// missing or misshapen tensor and ``UMT5Error`` for an invalid config.
    public init(config: Config, scope: WeightScope, dtype precision: Precision = .bf16) throws {
        try config.validate()
        let dtype = precision.dtype
        let embeddingShape = [config.vocabSize, config.dModel]
        let (shared, tied) = ("shared.weight", "encoder.embed_tokens.weight")
        if !scope.contains(shared) && scope.contains(tied) {
            embedding = try scope.weight(tied, shape: embeddingShape, dtype: dtype)
        } else {
            embedding = try scope.weight(shared, shape: embeddingShape, dtype: dtype)
            if let stored = scope.shape(of: tied) {
                guard stored == embeddingShape else {
                    throw WeightLoadError(source: scope.source.description, .shapeMismatch(
                        key: scope.key(tied), fileKey: scope.fileKey(tied), expected: embeddingShape, found: stored))
                }
                scope.usage.markUsed(scope.fileKey(tied))
            }
        }
        blocks = try (0..<config.numLayers).map {
            try UMT5Block(scope: scope["encoder.block"][$0], config: config, dtype: dtype)
        }
        finalNorm = try T5LayerNorm(scope: scope["encoder.final_layer_norm"], dimension: config.dModel,
                                    eps: config.layerNormEpsilon, dtype: dtype)
        self.config = config
        self.precision = precision
    }

    /// Loads the encoder from weights in either layout (detected with ``WeightLayout``), uploading
    /// each tensor to `backend` when one is given, and then requires that every tensor was used
    /// (ComfyUI's `spiece_model` aside). Throws `WeightLoadError` naming missing, misshapen or
    /// unused tensors.
    public init(config: Config, weights: any WeightSource, dtype precision: Precision = .bf16,
                uploadingTo backend: (any Backend)? = nil) throws {
        try (weights as? GGUFFile)?.requireArchitecture(UMT5Encoder.ggufArchitectures, for: "a UMT5 text encoder")
        let layout = WeightLayout(detectingFrom: weights)
        let usage = WeightUsage()
        let scope = WeightScope(weights, usage: usage, rename: { layout.fileName(for: $0) }, uploadingTo: backend)
        try self.init(config: config, scope: scope, dtype: precision)
        try usage.verifyAllUsed(weights, ignoring: WeightLayout.isIgnored)
        // A backend may have replaced the linear weights with copies of its own (packed GEMM layouts):
        // the plain copies' blocks, freed into the allocator's cache, go back to the system.
        if backend != nil { Storage.trimHostCache() }
    }

    /// The `general.architecture` values of GGUF text encoders this model reads (city96's files
    /// say `t5encoder`).
    public static let ggufArchitectures = ["t5encoder", "t5", "umt5"]

    /// Loads the `text_encoder` component of a diffusers model folder: its `config.json` and its
    /// weights (a single file or a sharded set).
    public init(component: ModelComponent, dtype precision: Precision = .bf16, uploadingTo backend: (any Backend)? = nil) throws {
        let path = component.path ?? component.name
        guard let json = component.config else {
            throw UMT5Error.incompleteComponent(path: path, detail: "has no config.json")
        }
        guard let weights = try component.openWeights() else {
            throw UMT5Error.incompleteComponent(path: path, detail: "holds no .safetensors weights")
        }
        try self.init(config: try Config(json: json, file: component.configPath), weights: weights, dtype: precision,
                      uploadingTo: backend)
    }

    // MARK: Forward

    /// `last_hidden_state` `[B, L, d_model]` in the encoder's precision for token `ids` `[B][L]`
    /// and `attentionMask` `[B][L]` (1 for tokens, 0 for padding; every row as long as the ids').
    /// Padded positions still produce rows (they attend to the tokens); the pipeline zeroes them
    /// with ``promptEmbeddings(_:sequenceLengths:on:)``. Throws ``UMT5Error/invalidInput(_:)`` for
    /// ragged rows, ids outside the vocabulary or mask values other than 0 and 1.
    public func callAsFunction(ids: [[Int]], attentionMask: [[Int]], on backend: any Backend,
                               taps: Taps? = nil) throws -> Tensor {
        let (batch, length) = try checkInputs(ids: ids, attentionMask: attentionMask)
        let dtype = precision.dtype
        var x = try embed(ids.flatMap { $0 }, on: backend).reshaped([batch, length, config.dModel])  // [B, L, D]
        taps.record("embed", x)

        // transformers' extended mask, (1 − mask) · finfo.min, added to the float32 scores.
        let maskValues = attentionMask.flatMap { row in row.map { $0 == 1 ? 0 : -Float.greatestFiniteMagnitude } }
        let mask = try backend.upload(try Tensor(maskValues, shape: [batch, 1, 1, length], dtype: .float32))  // [B, 1, 1, L]
        let oneHot = try backend.upload(try UMT5Encoder.relativePositionOneHot(
            length: length, numBuckets: config.relativeAttentionNumBuckets,
            maxDistance: config.relativeAttentionMaxDistance, dtype: dtype))  // [buckets, L·L]

        for (i, block) in blocks.enumerated() {
            let positionBias = try block.attention.positionBias(oneHot: oneHot, length: length, on: backend)  // [1, H, L, L]
            taps.record("block.\(i).position_bias", positionBias)
            x = try block.attentionSublayer(x, positionBias: positionBias, mask: mask, on: backend)  // [B, L, D]
            taps.record("block.\(i).attn_out", x)
            x = try block.feedForwardSublayer(x, on: backend)  // [B, L, D]
            taps.record("block.\(i).out", x)
        }
        let out = try finalNorm(x, on: backend)  // [B, L, D]
        taps.record("final", out)
        return out
    }

    /// The Wan pipelines' prompt embeddings (docs/wan-reference.md §3.4): the encoder's output with the
    /// rows past each sample's sequence length (its number of mask ones) set to exact zeros,
    /// `[B, L, d_model]`, computed on the real tokens only (the rows up to the batch's last token).
    public func promptEmbeddings(ids: [[Int]], attentionMask: [[Int]], on backend: any Backend,
                                 taps: Taps? = nil) throws -> Tensor {
        let (_, length) = try checkInputs(ids: ids, attentionMask: attentionMask)
        // Only the rows up to the last token of any sample run: the rows after it are padding, which
        // every token's attention masks out and which the pipeline zeroes, so leaving them out changes
        // nothing but the time (a 20-token prompt runs 20 rows, not 512).
        let used = max(1, attentionMask.map { ($0.lastIndex { $0 > 0 } ?? -1) + 1 }.max() ?? 1)
        var hidden = try self(ids: ids.map { Array($0.prefix(used)) }, attentionMask: attentionMask.map { Array($0.prefix(used)) },
                              on: backend, taps: taps)  // [B, used, D]
        if used < length { hidden = try backend.pad(hidden, [(0, 0), (0, length - used), (0, 0)], value: 0) }  // [B, L, D]
        return try UMT5Encoder.promptEmbeddings(
            hidden, sequenceLengths: UMT5Encoder.sequenceLengths(attentionMask: attentionMask), on: backend)
    }

    /// Keeps the first `sequenceLengths[b]` rows of sample `b` of `hidden` `[B, L, D]` and replaces
    /// the rest with exact zeros (diffusers' `_get_t5_prompt_embeds`: `u[:v]` padded with
    /// `new_zeros`), `[B, L, D]`.
    public static func promptEmbeddings(_ hidden: Tensor, sequenceLengths: [Int], on backend: any Backend) throws -> Tensor {
        guard hidden.rank == 3, sequenceLengths.count == hidden.shape[0] else {
            throw TensorError.shapeMismatch(
                op: "UMT5Encoder.promptEmbeddings", detail: "\(sequenceLengths.count) lengths for hidden states \(hidden.shape)")
        }
        let length = hidden.shape[1]
        let samples = try sequenceLengths.enumerated().map { b, kept in
            guard (0...length).contains(kept) else {
                throw UMT5Error.invalidInput("sequence length \(kept) of sample \(b) is outside 0...\(length)")
            }
            let sample = try backend.slice(hidden, axis: 0, start: b, end: b + 1)  // [1, L, D]
            let rows = try backend.slice(sample, axis: 1, start: 0, end: kept)  // [1, kept, D]
            return try backend.pad(rows, [(0, 0), (0, length - kept), (0, 0)], value: 0)  // [1, L, D]
        }
        return try backend.concat(samples, axis: 0)  // [B, L, D]
    }

    /// The number of mask ones per sample (diffusers' `mask.gt(0).sum(dim=1)`).
    public static func sequenceLengths(attentionMask: [[Int]]) -> [Int] {
        attentionMask.map { row in row.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
    }

    // MARK: Helpers

    /// Rows of the embedding for `ids`, `[N, D]`: one slice per distinct id (padding repeats one
    /// row), joined; the backend has no gather op and the table may live on the device.
    private func embed(_ ids: [Int], on backend: any Backend) throws -> Tensor {
        var rows: [Int: Tensor] = [:]
        let pieces = try ids.map { id in
            if let row = rows[id] { return row }
            let row: Tensor
            switch embedding {
            case .dense(let table): row = try backend.slice(table, axis: 0, start: id, end: id + 1)  // [1, D]
            case .quantized(let blocks, let type): row = try backend.upload(try blocks.dequantizedRows(id..<(id + 1), as: type))  // [1, D]
            }
            rows[id] = row
            return row
        }
        return try backend.concat(pieces, axis: 0)  // [N, D]
    }

    /// `(B, L)` after checking that the inputs are rectangular, non-empty and in range.
    private func checkInputs(ids: [[Int]], attentionMask: [[Int]]) throws -> (Int, Int) {
        guard let length = ids.first?.count, length > 0 else {
            throw UMT5Error.invalidInput("needs at least one sequence of at least one token")
        }
        guard attentionMask.count == ids.count else {
            throw UMT5Error.invalidInput("\(ids.count) id rows but \(attentionMask.count) mask rows")
        }
        for (b, (row, maskRow)) in zip(ids, attentionMask).enumerated() {
            guard row.count == length, maskRow.count == length else {
                throw UMT5Error.invalidInput(
                    "row \(b) has \(row.count) ids and \(maskRow.count) mask values, expected \(length) of each")
            }
            if let t = row.firstIndex(where: { !(0..<config.vocabSize).contains($0) }) {
                throw UMT5Error.invalidInput("id \(row[t]) at [\(b), \(t)] is outside the vocabulary 0..<\(config.vocabSize)")
            }
            if let t = maskRow.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw UMT5Error.invalidInput("mask value \(maskRow[t]) at [\(b), \(t)] is neither 0 nor 1")
            }
        }
        return (ids.count, length)
    }
}
