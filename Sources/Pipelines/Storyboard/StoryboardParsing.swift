import Tensor

extension Storyboard {
    /// The keys a board may have; anything else is refused so that a typo does not pass unnoticed.
    static let boardKeys: Set<String> = ["size", "fps", "seed", "model", "sampler", "steps", "guidance", "shift",
                                         "negative_prompt", "seconds", "zoom", "strength", "cards"]
    static let cardKeys: Set<String> = ["prompt", "seconds", "image", "video", "factor", "every"]
    static let zoomKeys: Set<String> = ["factor", "every", "direction"]

    /// The most cards a board may hold.
    public static let maximumCards = 10_000

    /// Reads a board from its JSON text. Throws ``StoryboardError`` naming the card and field of the
    /// first problem (`card 2: "seconds" must be above 0, not 0`).
    public init(json text: String) throws {
        let document: JSONValue
        do { document = try JSONValue(parsing: text) } catch {
            throw StoryboardError("the board is not valid JSON (\(error))")
        }
        guard case .object(let board) = document else {
            throw StoryboardError("the board must be a JSON object with \"cards\", not \(document.kindDescription)")
        }
        let fields = Fields(members: board, place: "board", allowed: Self.boardKeys)
        try fields.checkKeys()
        var size: (Int, Int)?
        if let text = try fields.string("size") { size = try Self.size(text) }
        let zoom = try fields.object("zoom").map { members -> ZoomSettings in
            let fields = Fields(members: members, place: "zoom", allowed: Self.zoomKeys)
            try fields.checkKeys()
            var zoom = ZoomSettings()
            if let factor = try fields.factor("factor") { zoom.factor = factor }
            if let every = try fields.positive("every") { zoom.every = every }
            if let name = try fields.string("direction") {
                guard let direction = ZoomDirection(rawValue: name) else {
                    throw StoryboardError("zoom: \"direction\" must be \"in\" or \"out\", not \"\(name)\"")
                }
                zoom.direction = direction
            }
            return zoom
        } ?? ZoomSettings()
        guard let cardValues = board["cards"] else { throw StoryboardError("the board has no \"cards\"") }
        guard case .array(let list) = cardValues else {
            throw StoryboardError("board: \"cards\" must be a list of cards, not \(cardValues.kindDescription)")
        }
        guard !list.isEmpty else { throw StoryboardError("the board has no cards; add at least one {\"prompt\": ..., \"seconds\": ...}") }
        guard list.count <= Self.maximumCards else {
            throw StoryboardError("the board has \(list.count) cards, more than the \(Self.maximumCards) allowed")
        }
        let cards = try list.enumerated().map { try Self.card($1, number: $0 + 1) }
        let strength = try fields.number("strength")
        if let value = strength, !(value >= 0 && value <= 1) {
            throw StoryboardError("board: \"strength\" must be between 0 and 1, not \(value)")
        }
        self.init(width: size?.0, height: size?.1, fps: try fields.integer("fps", in: 1...240),
                  seed: try fields.integer("seed", in: 0...Int.max).map { UInt64($0) },
                  model: try fields.string("model"), sampler: try fields.string("sampler"),
                  steps: try fields.integer("steps", in: 1...1000), guidance: try fields.nonNegative("guidance"),
                  shift: try fields.positive("shift"), negativePrompt: try fields.string("negative_prompt"),
                  seconds: try fields.positive("seconds"), zoom: zoom, strength: strength, cards: cards)
    }

    private static func card(_ value: JSONValue, number: Int) throws -> StoryboardCard {
        let place = "card \(number)"
        guard case .object(let members) = value else {
            throw StoryboardError("\(place) must be an object with \"prompt\" and \"seconds\", not \(value.kindDescription)")
        }
        let fields = Fields(members: members, place: place, allowed: cardKeys)
        try fields.checkKeys()
        guard let prompt = try fields.string("prompt") else { throw StoryboardError("\(place) has no \"prompt\"") }
        guard !prompt.allSatisfy(\.isWhitespace) else { throw StoryboardError("\(place): \"prompt\" is empty") }
        guard members["seconds"] != nil else { throw StoryboardError("\(place) has no \"seconds\"") }
        guard let seconds = try fields.positive("seconds") else { throw StoryboardError("\(place) has no \"seconds\"") }
        let image = try fields.string("image"), video = try fields.string("video")
        if image != nil, video != nil { throw StoryboardError("\(place): give an \"image\" or a \"video\", not both") }
        for (key, name) in [("image", image), ("video", video)] where name?.isEmpty == true {
            throw StoryboardError("\(place): \"\(key)\" is empty")
        }
        return StoryboardCard(prompt: prompt, seconds: seconds, image: image, video: video,
                              factor: try fields.factor("factor"), every: try fields.positive("every"))
    }

    /// "WxH" as two positive integers.
    static func size(_ text: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else {
            throw StoryboardError("board: \"size\" must be WIDTHxHEIGHT, like \"256x256\", not \"\(text)\"")
        }
        return (width, height)
    }
}

/// Typed access to one JSON object's members, with errors that name the object and the key.
private struct Fields {
    let members: [String: JSONValue]
    let place: String
    let allowed: Set<String>

    func checkKeys() throws {
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw StoryboardError("\(place): unknown key \"\(unknown)\" (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    private func present(_ key: String) -> JSONValue? {
        guard let value = members[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard let text = value.stringValue else { throw wrongKind(key, "a string", value) }
        return text
    }

    func object(_ key: String) throws -> [String: JSONValue]? {
        guard let value = present(key) else { return nil }
        guard let object = value.objectValue else { throw wrongKind(key, "an object", value) }
        return object
    }

    func number(_ key: String) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard let number = value.doubleValue, number.isFinite else { throw wrongKind(key, "a number", value) }
        return number
    }

    func positive(_ key: String) throws -> Double? {
        guard let value = try number(key) else { return nil }
        guard value > 0 else { throw StoryboardError("\(place): \"\(key)\" must be above 0, not \(Self.format(value))") }
        return value
    }

    func nonNegative(_ key: String) throws -> Double? {
        guard let value = try number(key) else { return nil }
        guard value >= 0 else { throw StoryboardError("\(place): \"\(key)\" must be 0 or more, not \(Self.format(value))") }
        return value
    }

    /// A zoom factor: above 1 (a factor of 1 or less does not zoom in the direction asked).
    func factor(_ key: String) throws -> Double? {
        guard let value = try number(key) else { return nil }
        guard value > 1 else {
            throw StoryboardError("\(place): \"\(key)\" must be above 1 (2 doubles the scale each period), not \(Self.format(value)); use \"direction\": \"out\" to zoom out")
        }
        guard value <= 1000 else { throw StoryboardError("\(place): \"\(key)\" must be at most 1000, not \(Self.format(value))") }
        return value
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = present(key) else { return nil }
        guard let integer = value.intValue else { throw wrongKind(key, "a whole number", value) }
        guard range.contains(integer) else {
            throw StoryboardError("\(place): \"\(key)\" must be between \(range.lowerBound) and \(range.upperBound), not \(integer)")
        }
        return integer
    }

    private func wrongKind(_ key: String, _ expected: String, _ value: JSONValue) -> StoryboardError {
        StoryboardError("\(place): \"\(key)\" must be \(expected), not \(value.kindDescription)")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
