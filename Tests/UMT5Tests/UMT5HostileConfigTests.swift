import Tensor
import Testing
import UMT5

/// Sizes in a text encoder's `config.json` that would overflow `num_heads × d_kv` or ask for huge
/// tables: one line naming the file, the field and the bound, never a trap (issue 20).
@Suite struct UMT5HostileConfigTests {
    @Test(arguments: [
        (#"{"num_heads": 4611686018427387904}"#, #"text_encoder/config.json: "num_heads" is 4611686018427387904, above the largest this port takes, 1024"#),
        (#"{"d_kv": 4611686018427387904}"#, #"text_encoder/config.json: "d_kv" is 4611686018427387904, above the largest this port takes, 1024"#),
        (#"{"num_heads": 1024, "d_kv": 1024}"#,
         #"text_encoder/config.json: "num_heads" × d_kv is 1024 × 1024 = 1048576, above the largest attention width this port takes, 65536"#),
        (#"{"vocab_size": 4611686018427387904}"#, #"text_encoder/config.json: "vocab_size" is 4611686018427387904, above the largest this port takes, 4194304"#),
        (#"{"num_layers": 1000000000}"#, #"text_encoder/config.json: "num_layers" is 1000000000, above the largest this port takes, 1000"#),
        (#"{"relative_attention_max_distance": 4611686018427387904}"#, #""relative_attention_max_distance" is 4611686018427387904, above the largest"#),
        (#"{"d_ff": -3}"#, #"text_encoder/config.json: "d_ff" is -3, expected a positive integer"#),
    ])
    func oversizedFieldsAreRefusedNamingFileAndField(text: String, message: String) throws {
        let error = #expect(throws: UMT5Error.self) {
            try UMT5Encoder.Config(json: JSONValue(parsing: text), file: "text_encoder/config.json")
        }
        #expect(error?.description == message || error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func umt5XXLIsWithinTheBounds() throws {
        try UMT5Encoder.Config().validate()
        try UMT5Encoder.Config(dKV: 64, numHeads: 1024).validate()  // 65,536 wide: the largest accepted
    }
}
