import Tensor
import Testing
import WanVAE

extension WanVAETests {
    /// Sizes in a `vae/config.json` that would overflow a level's width or shift the compression
    /// past 64 bits: one line naming the file, the field and the bound, never a trap (issue 20).
    @Suite struct HostileConfigTests {
        @Test(arguments: [
            (#"{"dim_mult": [1, 4611686018427387904, 1, 1]}"#,
             #"vae/config.json: "dim_mult[1]" is 4611686018427387904, above the largest this port takes, 64"#),
            (#"{"dim_mult": [1, 1, 1, 1, 1, 1, 1, 1, 1], "temperal_downsample": [false, false, false, false, false, false, false, false]}"#,
             #"vae/config.json: "dim_mult" has 9 levels, more than the 8 this port takes"#),
            (#"{"base_dim": 4096, "dim_mult": [1, 2, 64, 4]}"#,
             #"vae/config.json: "dim_mult[2]" makes a level 4096 × 64 = 262144 wide, above the largest width this port takes, 65536"#),
            (#"{"base_dim": 4611686018427387904}"#, #"vae/config.json: "base_dim" is 4611686018427387904, above the largest this port takes, 4096"#),
            (#"{"decoder_base_dim": 4097}"#, #"vae/config.json: "decoder_base_dim" is 4097, above the largest this port takes, 4096"#),
            (#"{"num_res_blocks": 1000000000}"#, #"vae/config.json: "num_res_blocks" is 1000000000, above the largest this port takes, 64"#),
            (#"{"is_residual": true}"#, #"vae/config.json: "is_residual" is true (the Wan 2.2 VAE)"#),
        ])
        func oversizedFieldsAreRefusedNamingFileAndField(json: String, message: String) throws {
            let error = #expect(throws: WanVAEError.self) { try WanAutoencoder.Config(json: JSONValue(parsing: json), file: "vae/config.json") }
            #expect(error?.description.hasPrefix(message) == true, "\(String(describing: error))")
        }

        @Test func latentStatisticsMustBeFinite() throws {
            var config = WanAutoencoder.Config()
            config.latentsStd[3] = .infinity
            let error = #expect(throws: WanVAEError.self) { try config.validate() }
            #expect(error?.description == #"vae config: "latents_std[3]" is inf, expected a finite number"#)
            try WanAutoencoder.Config().validate()
        }
    }
}
