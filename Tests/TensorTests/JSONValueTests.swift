import Testing
import Tensor

@Suite struct JSONValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue(parsing: #"""
             {"a": [1, -2, 3.5, 1e3, -0, 9223372036854775807, 9223372036854775808],
              "b": {"c": null, "d": true, "e": false},
              "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00 ünï"}
            """#)
        #expect(value["a"] == .array([.int(1), .int(-2), .double(3.5), .double(1000), .int(0),
                                      .int(Int.max), .double(9223372036854775808)]))
        #expect(value["b"] == .object(["c": .null, "d": .bool(true), "e": .bool(false)]))
        #expect(value["s"]?.stringValue == "q\"\\/\u{8}\u{c}\n\r\té😀 ünï")
        #expect(value["a"]?.arrayValue?[3].intValue == 1000)
        #expect(value["missing"] == nil)
    }

    @Test func serializesAndParsesBack() throws {
        let value = JSONValue.object(["k\n\"": .array([.int(1), .string("\u{1}x"), .null, .bool(true)])])
        #expect(try JSONValue(parsing: value.serialized) == value)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\\x\"", "\"\u{1}\"", "tru", "{} x",
        "\"\\ud800\"", "\"\\ud800\\u0041\"", "{\"a\" 1}", "{1: 2}", "\"unterminated", "[1 2]", "{\"a\":1,\"a\":2}",
    ])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { _ = try JSONValue(parsing: text) }
    }
}
