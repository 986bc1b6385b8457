/// The single-sequence template of a `TemplateProcessing` post-processor (`"$A </s>"` for T5):
/// which special-token ids go before and after the content. No post-processor adds nothing.
struct PostProcessor: Sendable {
    /// Ids put before the content.
    let prefix: [Int]
    /// Ids put after the content.
    let suffix: [Int]

    /// The number of ids the template adds to a single sequence.
    var addedCount: Int { prefix.count + suffix.count }

    static let none = PostProcessor(prefix: [], suffix: [])

    private init(prefix: [Int], suffix: [Int]) {
        self.prefix = prefix
        self.suffix = suffix
    }

    init(_ field: JSONField?) throws {
        guard let field else {
            self = .none
            return
        }
        let type = try field.typeName()
        guard type == "TemplateProcessing" else { throw field.error(.unsupported("post-processor type \(quotedLine(type))")) }
        var specials: [String: [Int]] = [:]
        if let table = field.optionalMember("special_tokens") {
            for (key, entry) in try table.objectMembers() {
                specials[key] = try entry.member("ids").array().map { try $0.int() }
            }
        }
        var prefix: [Int] = []
        var suffix: [Int] = []
        var seenSequence = false
        for item in try field.member("single").array() {
            switch try Self.piece(item) {
            case .sequence(let name):
                guard name == "A", !seenSequence else {
                    throw item.error(.invalidValue("a single-sequence template holds $A once and no other sequence"))
                }
                seenSequence = true
            case .special(let name):
                guard let ids = specials[name] else {
                    throw item.error(.invalidValue("special token \(quotedLine(name)) is not in special_tokens"))
                }
                if seenSequence { suffix += ids } else { prefix += ids }
            }
        }
        guard seenSequence else { throw field.error(.invalidValue("the single template has no $A")) }
        self.init(prefix: prefix, suffix: suffix)
    }

    private enum Piece {
        case sequence(String)
        case special(String)
    }

    /// `{"Sequence": {"id": "A", ...}}`, `{"SpecialToken": {"id": "</s>", ...}}`, or the string forms
    /// `"$A"`, `"$A:1"`, `"$"`, `"</s>"`, `"</s>:1"`.
    private static func piece(_ item: JSONField) throws -> Piece {
        if let sequence = item.optionalMember("Sequence") {
            return .sequence(try sequence.member("id").string())
        }
        if let special = item.optionalMember("SpecialToken") {
            return .special(try special.member("id").string())
        }
        guard let text = item.value.stringValue else {
            throw item.error(.wrongKind(expected: "a template piece", found: item.value.kindDescription))
        }
        var name = Substring(text)
        if let colon = name.lastIndex(of: ":"), Int(name[name.index(after: colon)...]) != nil {
            name = name[..<colon]
        }
        if name.hasPrefix("$") {
            let sequence = name.dropFirst()
            switch sequence {
            case "", "A", "a": return .sequence("A")
            case "B", "b": return .sequence("B")
            default: return .sequence(Int(sequence) != nil ? "A" : String(sequence))
            }
        }
        return .special(String(name))
    }
}
