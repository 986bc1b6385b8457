import Tensor
import Testing

/// `JSONValueDecoder` and the one `DecodingError` → sentence mapper, `ConfigFieldError`.
@Suite struct JSONValueDecoderTests {
    struct Block: Decodable, Equatable {
        var dim: Int
        var scale: Double?
        enum CodingKeys: String, CodingKey { case dim, scale = "scale_factor" }
    }

    struct Model: Decodable, Equatable {
        var name: String
        var blocks: [Block]
        var grid: [[Int]]
        var enabled: Bool
        var eps: Float
        enum CodingKeys: String, CodingKey { case name = "model_name", blocks, grid, enabled, eps }
    }

    /// A config in the style of the model configs: defaults for absent keys, null refused or allowed.
    struct Defaulted: Decodable, Equatable {
        var layers = 30
        var shift = 3.0
        var tag: String? = "default"
        enum CodingKeys: String, CodingKey { case layers = "num_layers", shift = "flow_shift", tag }

        init() {}
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            layers = try c.decode(forKey: .layers, default: layers)  // null refused
            shift = try c.decodeIfPresent(forKey: .shift, default: shift)  // null is the default
            if c.contains(.tag) { tag = try c.decodeIfPresent(String.self, forKey: .tag) }  // null is nil
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONValueDecoder().decode(type, from: JSONValue(parsing: text))
    }

    /// The sentence the decoding error of `text` maps to, naming `file`.
    func sentence<T: Decodable>(_ type: T.Type, _ text: String, file: String? = "config.json") throws -> String {
        do {
            _ = try decode(type, text)
        } catch let error as DecodingError {
            return ConfigFieldError(error, file: file).description
        }
        Issue.record("\(text) decoded as \(type)")
        return ""
    }

    @Test func decodesNestedStructsListsAndOptionals() throws {
        let model = try decode(Model.self, """
            {"model_name": "tiny", "blocks": [{"dim": 4, "scale_factor": 0.5}, {"dim": 8, "scale_factor": null}, {"dim": 2}],
             "grid": [[1, 2], [], [3]], "enabled": false, "eps": 1e-6, "_class_name": "Ignored", "extra": {"x": [1]}}
            """)
        #expect(model == Model(name: "tiny", blocks: [Block(dim: 4, scale: 0.5), Block(dim: 8, scale: nil), Block(dim: 2, scale: nil)],
                               grid: [[1, 2], [], [3]], enabled: false, eps: 1e-6))
        #expect(try decode([Int?].self, "[1, null, 3]") == [1, nil, 3])
        #expect(try decode(Int?.self, "null") == nil)
        #expect(try decode([String: [Bool]].self, #"{"a": [true], "b": []}"#) == ["a": [true], "b": []])
        #expect(try decode(JSONValue.self, #"{"k": [1, 2.5, null]}"#) == .object(["k": .array([.int(1), .double(2.5), .null])]))
    }

    @Test func defaultsFillAbsentKeysAndNullFollowsTheHelper() throws {
        #expect(try decode(Defaulted.self, "{}") == Defaulted())
        var expected = Defaulted()
        expected.layers = 2
        expected.tag = nil
        #expect(try decode(Defaulted.self, #"{"num_layers": 2, "flow_shift": null, "tag": null}"#) == expected)
        #expect(try sentence(Defaulted.self, #"{"num_layers": null}"#)
                == #"config.json: "num_layers" must be a whole number, not null"#)
    }

    // Whole doubles are integers; fractions, infinities and out-of-range values never truncate or wrap.
    @Test func integersMustBeWholeAndInRange() throws {
        #expect(try decode([Int].self, "[2.0, 1e3, -0, 9223372036854775807]") == [2, 1000, 0, Int.max])
        #expect(try decode(UInt8.self, "255") == 255)
        let cases: [(String, String)] = [
            ("2.5", "config.json must be a whole number, not 2.5"),
            ("1e300", "config.json must be a whole number from -9223372036854775808 to 9223372036854775807, not 1e+300"),
            ("9223372036854775808",
             "config.json must be a whole number from -9223372036854775808 to 9223372036854775807, not 9.223372036854776e+18"),
            ("1e999", "config.json must be a whole number, not a number too large for a Double"),
            (#""7""#, #"config.json must be a whole number, not "7""#),
            ("true", "config.json must be a whole number, not true"),
        ]
        for (text, message) in cases { #expect(try sentence(Int.self, text) == message, "\(text)") }
        #expect(try sentence(UInt8.self, "256") == "config.json must be a whole number from 0 to 255, not 256")
        #expect(try sentence(UInt.self, "-1") == "config.json must be a whole number from 0 to 18446744073709551615, not -1")
        #expect(try sentence(Int32.self, "-3e9") == "config.json must be a whole number from -2147483648 to 2147483647, not -3000000000.0")
    }

    @Test func numbersMustBeFiniteAndFitFloat() throws {
        #expect(try decode([Double].self, "[1, 2.5, -1e-300]") == [1, 2.5, -1e-300])
        #expect(try sentence(Double.self, "1e999") == "config.json must be a finite number, not a number too large for a Double")
        #expect(try sentence(Float.self, "1e300") == "config.json must be a number within ±3.4028235e+38, not 1e+300")
        #expect(try sentence(Double.self, #""1.5""#) == #"config.json must be a number, not "1.5""#)
    }

    @Test func wrongKindsNameTheKeyPath() throws {
        let model = #"{"model_name": "m", "grid": [], "enabled": true, "eps": 1, "blocks": "#
        let cases: [(String, String)] = [
            (model + #"[{"dim": 1}, {"dim": "8"}]}"#, #"config.json: "blocks[1].dim" must be a whole number, not "8""#),
            (model + #"[{"dim": 1, "scale_factor": [0.5]}]}"#, #"config.json: "blocks[0].scale_factor" must be a number, not [0.5]"#),
            (model + #"{"dim": 1}}"#, #"config.json: "blocks" must be a list, not {"dim":1}"#),
            (model + #"[{}]}"#, #"config.json: "blocks[0].dim" is missing"#),
            (model + #"[null]}"#, #"config.json: "blocks[0]" must be an object, not null"#),
            (#"{"blocks": [], "grid": [[1], [2, 0.5]], "model_name": "m", "enabled": true, "eps": 1}"#,
             #"config.json: "grid[1][1]" must be a whole number, not 0.5"#),
            (#"{"blocks": [], "grid": [], "model_name": 3, "enabled": true, "eps": 1}"#,
             #"config.json: "model_name" must be a string, not 3"#),
            (#"{"blocks": [], "grid": [], "model_name": "m", "enabled": 1, "eps": 1}"#,
             #"config.json: "enabled" must be true or false, not 1"#),
            ("[1]", "config.json must be an object, not [1]"),
        ]
        for (text, message) in cases { #expect(try sentence(Model.self, text) == message, "\(text)") }
        let long = "[" + Array(repeating: "1000", count: 20).joined(separator: ",") + "]"
        #expect(try sentence(Block.self, long, file: nil) == "config must be an object, not an array of 20 entries")
    }

    // A tuple-like type reading a fixed number of elements: running out is named by index.
    struct Pair: Decodable {
        init(from decoder: any Decoder) throws {
            var list = try decoder.unkeyedContainer()
            _ = try list.decode(Int.self)
            _ = try list.decode(Int.self)
        }
    }

    @Test func listsNameTheMissingEntry() throws {
        #expect(try sentence(Pair.self, "[1]") == #"config.json: "[1]" is missing: the list has only 1 entries"#)
        // A failed read leaves the position, so a caller may retry the element as another type.
        var list = try JSONValueDecoderTests.unkeyed("[\"a\", 2]")
        #expect(throws: DecodingError.self) { _ = try list.decode(Int.self) }
        #expect(list.currentIndex == 0)
        #expect(try list.decode(String.self) == "a")
        #expect(try list.decode(Int.self) == 2)
        #expect(list.isAtEnd)
    }

    struct Unkeyed: Decodable {
        var container: any UnkeyedDecodingContainer
        init(from decoder: any Decoder) throws { container = try decoder.unkeyedContainer() }
    }

    static func unkeyed(_ text: String) throws -> any UnkeyedDecodingContainer {
        try JSONValueDecoder().decode(Unkeyed.self, from: JSONValue(parsing: text)).container
    }

    // The helpers a config's init(from:) uses to refuse a value in its own words.
    struct Patch: Decodable {
        var sizes: [Int]
        enum CodingKeys: String, CodingKey { case sizes = "patch_size", kind }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if try c.decodeIfPresent(forKey: .kind, default: "wan") != "wan" {
                throw c.invalidValue(forKey: .kind, "is not supported; only \"wan\" is")
            }
            do { sizes = try c.decode([Int].self, forKey: .sizes) } catch is DecodingError {
                throw c.mismatch(forKey: .sizes, expected: "a list of 3 whole numbers")
            }
            guard sizes.count == 3 else { throw c.mismatch(forKey: .sizes, expected: "a list of 3 whole numbers") }
        }
    }

    @Test func customRefusalsReadAsOneSentence() throws {
        let file = "transformer/config.json"
        #expect(try sentence(Patch.self, #"{"patch_size": "x"}"#, file: file)
                == #"transformer/config.json: "patch_size" must be a list of 3 whole numbers, not "x""#)
        #expect(try sentence(Patch.self, #"{"patch_size": [1, 2]}"#, file: file)
                == #"transformer/config.json: "patch_size" must be a list of 3 whole numbers, not [1,2]"#)
        #expect(try sentence(Patch.self, "{}", file: file)
                == #"transformer/config.json: "patch_size" is missing; it must be a list of 3 whole numbers"#)
        #expect(try sentence(Patch.self, #"{"patch_size": [1, 2, 2], "kind": "ltx"}"#, file: file)
                == #"transformer/config.json: "kind" is not supported; only "wan" is"#)
        #expect(try decode(Patch.self, #"{"patch_size": [1, 2, 2]}"#).sizes == [1, 2, 2])
    }

    enum Mode: String, Decodable { case fast }
    struct Keys: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    // Errors not worded by this decoder (a RawRepresentable's synthesized init, or built by hand)
    // still map to a sentence about the field.
    @Test func otherDecodingErrorsMapToo() throws {
        let raw = try sentence([String: Mode].self, #"{"mode": "slow"}"#)
        #expect(raw.hasPrefix(#"config.json: "mode" is not valid: "#) && !raw.contains("\n"))
        let path: [any CodingKey] = [Keys(stringValue: "blocks"), JSONIndexLike(3)]
        let mismatch = DecodingError.typeMismatch(Int.self, .init(codingPath: path, debugDescription: "Expected Int"))
        #expect(ConfigFieldError(mismatch).description == #"config: "blocks[3]" must be a whole number"#)
        let null = DecodingError.valueNotFound(String.self, .init(codingPath: path, debugDescription: ""))
        #expect(ConfigFieldError(null, file: "a.json").description == #"a.json: "blocks[3]" must be a string, not null"#)
        let missing = DecodingError.keyNotFound(Keys(stringValue: "dim"), .init(codingPath: path, debugDescription: ""))
        #expect(ConfigFieldError(missing) == ConfigFieldError(field: "blocks[3].dim", detail: "is missing"))
    }

    /// Another decoder's list index, spelled as Foundation spells it.
    struct JSONIndexLike: CodingKey {
        let index: Int
        init(_ index: Int) { self.index = index }
        var stringValue: String { "Index \(index)" }
        var intValue: Int? { index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.init(intValue) }
    }
}
