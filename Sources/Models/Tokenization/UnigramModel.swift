/// The Unigram model of tokenizer.json (`"type": "Unigram"`): a vocabulary of pieces with
/// log-probability scores, encoded by the same Viterbi search as tokenizers' `encode_optimized`.
///
/// Pieces are compared as UTF-8 bytes, never as Swift `String`s, which would take "Å" (U+00C5) and
/// "A" + U+030A for the same piece.
struct UnigramModel: Sendable {
    /// Every piece in file order.
    let pieces: [[UInt8]]
    let scores: [Double]
    let unknownID: Int
    let byteFallback: Bool
    /// Piece bytes to id; a piece listed twice keeps its last id, as tokenizers' map does.
    private let ids: [ArraySlice<UInt8>: Int]
    private let longestPiece: Int
    /// The score a character that starts no piece gets: the lowest score less 10.
    private let unknownScore: Double

    init(_ field: JSONField) throws {
        let type = try field.typeName()
        guard type == "Unigram" else { throw field.error(.unsupported("model type \(quotedLine(type))")) }
        var pieces: [[UInt8]] = []
        var scores: [Double] = []
        let vocab = try field.member("vocab").array()
        pieces.reserveCapacity(vocab.count)
        scores.reserveCapacity(vocab.count)
        for entry in vocab {
            let pair = try entry.array()
            guard pair.count == 2 else { throw entry.error(.invalidValue("should be a [piece, score] pair")) }
            pieces.append(Array(try pair[0].string().utf8))
            scores.append(try pair[1].double())
        }
        guard let unknownField = field.optionalMember("unk_id") else {
            throw TokenizerError(field: field.path + ".unk_id", .unsupported("a Unigram model without unk_id"))
        }
        let unknownID = try unknownField.int()
        guard !pieces.isEmpty else { throw field.error(.invalidValue("the vocabulary is empty but needs at least the unknown piece")) }
        guard unknownID >= 0 && unknownID < pieces.count else {
            throw unknownField.error(.invalidValue("\(unknownID) is not an id of the \(pieces.count)-piece vocabulary"))
        }
        var ids: [ArraySlice<UInt8>: Int] = [:]
        ids.reserveCapacity(pieces.count)
        for (id, piece) in pieces.enumerated() { ids[piece[...]] = id }
        self.pieces = pieces
        self.scores = scores
        self.ids = ids
        self.unknownID = unknownID
        self.byteFallback = try field.flag("byte_fallback", default: false)
        self.longestPiece = pieces.map(\.count).max() ?? 0
        self.unknownScore = (scores.min() ?? 0) - 10
    }

    /// The id of the piece with exactly these bytes.
    func id(of piece: ArraySlice<UInt8>) -> Int? { ids[piece] }

    /// The ids of one pre-token (valid UTF-8): the best-scoring segmentation, unknown characters
    /// fused into one unknown token, as tokenizers' `Unigram::tokenize` returns them.
    func tokenize(_ text: [UInt8]) -> [Int] {
        guard !text.isEmpty else { return [] }
        let size = text.count
        // best[end]: the best path ending at byte `end`: its score, where its last piece starts, its id.
        var bestScore = [Double](repeating: 0, count: size + 1)
        var bestStart = [Int](repeating: -1, count: size + 1)
        var bestID = [Int](repeating: 0, count: size + 1)
        var start = 0
        while start < size {
            let scoreHere = bestScore[start]
            let charWidth = min(utf8Width(leadByte: text[start]), size - start)
            var hasSingleCharPiece = false
            // Every piece that is a prefix of the rest, shortest first (the order of tokenizers' trie).
            var end = start + charWidth
            while end <= min(size, start + longestPiece) {
                if let id = ids[text[start..<end]] {
                    let candidate = scores[id] + scoreHere
                    if bestStart[end] < 0 || candidate > bestScore[end] {
                        bestScore[end] = candidate
                        bestStart[end] = start
                        bestID[end] = id
                    }
                    if end - start == charWidth { hasSingleCharPiece = true }
                }
                guard end < size else { break }
                end += utf8Width(leadByte: text[end])
            }
            if !hasSingleCharPiece {
                let end = start + charWidth
                let candidate = unknownScore + scoreHere
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate
                    bestStart[end] = start
                    bestID[end] = unknownID
                }
            }
            start += charWidth
        }
        // Walk back; runs of unknown pieces become one string, then every string maps back to an id.
        var strings: [Range<Int>] = []
        var unknownRun: Range<Int>? = nil
        var end = size
        while end > 0 {
            let start = max(bestStart[end], 0)
            if bestID[end] == unknownID {
                unknownRun = start..<(unknownRun?.upperBound ?? end)
            } else {
                if let run = unknownRun { strings.append(run) }
                unknownRun = nil
                strings.append(start..<end)
            }
            end = start
        }
        if let run = unknownRun { strings.append(run) }
        return strings.reversed().flatMap { idsForPiece(text[$0]) }
    }

    /// tokenizers' string-to-id step: a known piece, else its bytes as `<0xXX>` pieces when byte
    /// fallback is on and all exist, else the unknown id.
    private func idsForPiece(_ piece: ArraySlice<UInt8>) -> [Int] {
        if let id = ids[piece] { return [id] }
        if byteFallback {
            let byteIDs = piece.map { byte -> Int? in
                let hex = String(byte, radix: 16, uppercase: true)
                return ids[Array(("<0x" + (hex.count == 1 ? "0" : "") + hex + ">").utf8)[...]]
            }
            if byteIDs.allSatisfy({ $0 != nil }) { return byteIDs.compactMap { $0 } }
        }
        return [unknownID]
    }
}
