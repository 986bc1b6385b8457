import Tensor
import Testing
import WanVAE

extension WanVAETests {
    /// Reading `config.json`: class defaults for absent fields, typed errors, and the variants refused.
    @Suite struct ConfigTests {
        // The vae/config.json of Wan-AI/Wan2.1-T2V-1.3B-Diffusers, written by diffusers 0.33: it has
        // none of the fields added later (is_residual, in/out_channels, patch_size, scale factors,
        // decoder_base_dim), which must read as the class defaults.
        static let wan21 = """
            {"_class_name": "AutoencoderKLWan", "_diffusers_version": "0.33.0.dev0", "attn_scales": [],
             "base_dim": 96, "dim_mult": [1, 2, 4, 4], "dropout": 0.0,
             "latents_mean": [-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
                              0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921],
             "latents_std": [2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
                             3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.916],
             "num_res_blocks": 2, "temperal_downsample": [false, true, true], "z_dim": 16}
            """

        @Test func wan21ConfigIsTheDefault() throws {
            let config = try WanAutoencoder.Config(parsing: ConfigTests.wan21)
            #expect(config == WanAutoencoder.Config())
            #expect(try WanAutoencoder.Config(parsing: "{}") == WanAutoencoder.Config())
            #expect(config.baseDim == 96 && config.decoderBaseDim == nil && config.zDim == 16 && config.isResidual == false)
            #expect(config.scaleFactorSpatial == 8 && config.scaleFactorTemporal == 4 && config.spatialDownsamplings == 3)
        }

        @Test func fixtureConfigsRead() throws {
            let b = try VAEFixture("b").config
            #expect(b.baseDim == 3 && b.decoderBaseDim == 4 && b.zDim == 16 && b.dimMult == [1, 2, 4, 4])
            #expect(b.temperalDownsample == [true, true, false] && b.patchSize == nil)
            let a = try VAEFixture("a").config
            #expect(a.zDim == 4 && a.numResBlocks == 1 && a.latentsMean == [0.25, -0.5, 0.125, 1.0])
        }

        @Test func wan22IsRefused() {
            let error = #expect(throws: WanVAEError.self) {
                try WanAutoencoder.Config(parsing: #"{"is_residual": true, "base_dim": 160, "z_dim": 48, "patch_size": 2}"#)
            }
            #expect(error?.description
                    == "vae config: \"is_residual\" is true (the Wan 2.2 VAE), which is not supported; only the Wan 2.1 VAE is")
        }

        @Test(arguments: [
            (#"{"z_dim": "16"}"#, "vae config: \"z_dim\" must be a whole number, not \"16\""),
            (#"{"dim_mult": [1, 2.5]}"#, "vae config: \"dim_mult[1]\" must be a whole number, not 2.5"),
            (#"{"temperal_downsample": true}"#, "vae config: \"temperal_downsample\" must be a list, not true"),
            (#"{"z_dim": 4}"#, "vae config: \"latents_mean\" has 16 entries, expected z_dim = 4"),
            (#"{"patch_size": 2}"#, "vae config: \"patch_size\" is 2 (Wan 2.2 patchification), which is not supported"),
            (#"{"attn_scales": [0.5]}"#,
             "vae config: \"attn_scales\" is [0.5]; only [] is supported (diffusers' chunked encoder cannot run others)"),
            (#"{"temperal_downsample": [true, true, true]}"#,
             "vae config: \"temperal_downsample\" halves time 3 times; 4-frame chunks allow at most 2"),
            (#"{"temperal_downsample": [true]}"#, "vae config: \"temperal_downsample\" has 1 entries; dim_mult [1, 2, 4, 4] needs 3"),
            (#"{"base_dim": 0}"#, "vae config: \"base_dim\" is 0, expected a positive integer"),
            ("[1]", "vae config: \"(document)\" must be an object, not [1]"),
        ])
        func badConfigsAreNamed(json: String, message: String) {
            let error = #expect(throws: WanVAEError.self) { try WanAutoencoder.Config(parsing: json) }
            #expect(error?.description == message)
        }

        // Null means "use the default" (diffusers writes "patch_size": null, "decoder_base_dim": null).
        @Test func nullKeepsTheDefault() throws {
            let config = try WanAutoencoder.Config(parsing: #"{"patch_size": null, "decoder_base_dim": null}"#)
            #expect(config.patchSize == nil && config.decoderBaseDim == nil)
        }
    }
}
