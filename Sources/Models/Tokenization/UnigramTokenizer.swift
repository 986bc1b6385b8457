import Tensor

/// A SentencePiece-Unigram tokenizer read from a Hugging Face `tokenizer.json` (T5, umT5 and the
/// like), giving the same ids as the `tokenizers` library.
///
/// The file is interpreted generically, as tokenizers does: added tokens are cut out of the raw
/// text, each remaining piece is normalized (`Sequence`, `Precompiled`, `Replace`, `Strip`,
/// `Prepend`), cut into pre-tokens (`Metaspace`, `WhitespaceSplit`, `Sequence`), encoded by the
/// Unigram model's Viterbi search, and the `TemplateProcessing` post-processor adds its special
/// tokens. Anything else in the file is reported as unsupported when it loads.
///
/// ```swift
/// let tokenizer = try UnigramTokenizer(contentsOf: "tokenizer/tokenizer.json")
/// let encoding = try tokenizer.encode(PromptCleaner.clean(prompt), maxLength: 512)
/// // encoding.ids: 512 ids, </s> after the content, <pad> after that; encoding.length ones in the mask
/// ```
public struct UnigramTokenizer: Sendable {
    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizer?
    private let model: UnigramModel
    private let added: AddedVocabulary
    private let postProcessor: PostProcessor
    private let paddingID: Int?
    /// Where ``padTokenID`` comes from in the file, for errors: `padding.pad_id` or the `<pad>` token.
    public let padTokenSource: String
    /// The file the tokenizer was read from, as the caller named it; nil for bytes or JSON.
    public private(set) var path: String? = nil

    /// Reads a tokenizer.json file. Throws ``TokenizerError`` naming the file and field.
    public init(contentsOf path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch let error as TokenizerError {
            throw TokenizerError(path: path, field: error.field, error.reason)
        }
        do {
            try self.init(bytes: bytes)
        } catch let error as TokenizerError {
            throw TokenizerError(path: path, field: error.field, error.reason)
        }
        self.path = path
    }

    /// Reads tokenizer.json text given as UTF-8 bytes. Throws ``TokenizerError``.
    public init(bytes: [UInt8]) throws {
        let json: JSONValue
        do {
            json = try bytes.withUnsafeBytes { try JSONValue(parsing: $0) }
        } catch let error as JSONParseError {
            throw TokenizerError(.invalidJSON(error.description))
        }
        try self.init(json: json)
    }

    /// Interprets a parsed tokenizer.json document. Throws ``TokenizerError``.
    public init(json: JSONValue) throws {
        let root = JSONField(json, path: "")
        guard json.objectValue != nil else { throw root.error(.wrongKind(expected: "a JSON object", found: json.kindDescription)) }
        if let version = root.optionalMember("version"), try version.string() != "1.0" {
            throw version.error(.unsupported("tokenizer.json version \(quotedLine(try version.string()))"))
        }
        normalizer = try root.optionalMember("normalizer").map(Normalizer.init)
        preTokenizer = try root.optionalMember("pre_tokenizer").map(PreTokenizer.init)
        model = try UnigramModel(try root.member("model"))
        added = try AddedVocabulary(root.optionalMember("added_tokens"), model: model, normalizer: normalizer)
        postProcessor = try PostProcessor(root.optionalMember("post_processor"))
        if let padding = root.optionalMember("padding") {
            let field = try padding.member("pad_id")
            let id = try field.int()
            let size = max(model.pieces.count, (added.largestID ?? -1) + 1)
            guard (0..<size).contains(id) else {
                throw field.error(.invalidValue("is \(id), outside the tokenizer's vocabulary 0..<\(size)"))
            }
            paddingID = id
            padTokenSource = field.path
        } else {
            let pad = Array("<pad>".utf8)[...]
            paddingID = added.id(of: pad) ?? model.id(of: pad)
            padTokenSource = "the \"<pad>\" token"
        }
    }

    /// The number of ids: the model's pieces and any added tokens beyond them.
    public var vocabularySize: Int { max(model.pieces.count, (added.largestID ?? -1) + 1) }

    /// The id of the unknown token (`model.unk_id`).
    public var unknownTokenID: Int { model.unknownID }

    /// The id padding uses: `padding.pad_id` of the file, else the id of `<pad>`; nil if neither.
    public var padTokenID: Int? { paddingID }

    /// The id of a token given by its exact text (an added token, else a model piece), or nil.
    public func tokenID(for token: String) -> Int? {
        let bytes = Array(token.utf8)[...]
        return added.id(of: bytes) ?? model.id(of: bytes)
    }

    /// The text after the file's normalizer alone, as tokenizers' `normalizer.normalize_str` gives it.
    /// Throws ``TokenizerError`` when a rule of the file would grow the text past 4 MiB.
    public func normalize(_ text: String) throws -> String {
        var normalized = NormalizedText(original: Array(text.utf8)[...], at: 0)
        try naming { try normalizer?.normalize(&normalized) }
        return normalized.string
    }

    /// The ids of `text`, with the post-processor's special tokens (T5: `</s>` at the end) unless
    /// `addSpecialTokens` is false. No truncation, no padding. Throws ``TokenizerError`` when a
    /// normalizer rule of the file would grow the text past 4 MiB.
    public func encode(_ text: String, addSpecialTokens: Bool = true) throws -> [Int] {
        let content = try naming { try contentIDs(text) }
        return addSpecialTokens ? postProcessor.prefix + content + postProcessor.suffix : content
    }

    /// `body`, with ``path`` put into the ``TokenizerError`` it throws.
    private func naming<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as TokenizerError {
            throw TokenizerError(path: error.path ?? path, field: error.field, error.reason)
        }
    }

    /// The ids of `text` exactly `maxLength` long, as the Wan pipeline asks transformers for them
    /// (`padding="max_length", max_length=512, truncation=True, add_special_tokens=True`): the content
    /// is cut to `maxLength` less the special tokens, the special tokens are added, and pad ids fill
    /// the rest. Throws ``TokenizerError`` if there is no pad token or no room for the special tokens.
    public func encode(_ text: String, maxLength: Int) throws -> TokenEncoding {
        guard maxLength >= postProcessor.addedCount else {
            throw TokenizerError(path: path, .maxLengthTooSmall(maxLength: maxLength, specialTokens: postProcessor.addedCount))
        }
        let content = try naming { try contentIDs(text) }.prefix(maxLength - postProcessor.addedCount)
        let ids = postProcessor.prefix + content + postProcessor.suffix
        guard ids.count == maxLength || paddingID != nil else { throw TokenizerError(path: path, .noPadToken) }
        let padding = maxLength - ids.count
        return TokenEncoding(
            ids: ids + repeatElement(paddingID ?? 0, count: padding),
            attentionMask: [Int](repeating: 1, count: ids.count) + repeatElement(0, count: padding))
    }

    /// Added tokens out first, then normalize, pre-tokenize and run the model on the rest.
    private func contentIDs(_ text: String) throws -> [Int] {
        let raw = Array(text.utf8)
        var ids: [Int] = []
        for (range, id) in added.split(raw, with: added.raw) {
            if let id {
                ids.append(id)
                continue
            }
            var piece = NormalizedText(original: raw[range], at: range.lowerBound)
            try normalizer?.normalize(&piece)
            for (subrange, id) in added.split(piece.bytes, with: added.normalizedMatcher) {
                if let id {
                    ids.append(id)
                    continue
                }
                let part = piece.slice(subrange)
                for pretoken in preTokenizer?.split([part]) ?? [part] {
                    ids += model.tokenize(pretoken.bytes)
                }
            }
        }
        return ids
    }
}

/// Ids of a fixed length with their attention mask.
public struct TokenEncoding: Equatable, Sendable {
    /// The token ids, padding included.
    public let ids: [Int]
    /// 1 for the content and special tokens, 0 for padding.
    public let attentionMask: [Int]

    /// The number of ids that are not padding (the pipeline's `seq_len`).
    public var length: Int { attentionMask.reduce(0, +) }
}
