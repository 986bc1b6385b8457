import ArgumentParser
import Pipelines

/// The options every generating command shares: the model, the size and timing, the sampler, the
/// seed and noise, and what to save besides the video.
struct GenerationOptions: ParsableArguments {
    @Option(help: "What the video should not show.")
    var negativePrompt: String?

    @Option(help: "A diffusers Wan model folder (model_index.json, transformer/, vae/, text_encoder/, tokenizer/, scheduler/); default: the bundled models/zoetrope-tiny, or $ZOETROPE_MODEL.")
    var model: String?

    @Option(help: "A transformer weight file replacing the folder's (diffusers or original Wan / ComfyUI names).")
    var transformer: String?

    @Option(help: "A VAE weight file replacing the folder's.")
    var vae: String?

    @Option(help: "A UMT5 text-encoder weight file replacing the folder's.")
    var textEncoder: String?

    @Option(help: "Width in pixels, a multiple of 16 (32 for the bundled model); default: the model's (256 bundled, 832 Wan).")
    var width: Int?

    @Option(help: "Height in pixels, like --width; default: the model's (256 bundled, 480 Wan).")
    var height: Int?

    @Option(help: "Frames per second; default: the model's (8 bundled, 16 Wan).")
    var fps: Int?

    @Option(help: "Denoising steps; default: the model's (20 bundled, 50 Wan).")
    var steps: Int?

    @Option(help: "Classifier-free guidance scale, 1 or less turns guidance off; default: the model's (5).")
    var guidance: Double?

    @Option(help: "Flow shift (default: the model folder's scheduler config).")
    var shift: Double?

    @Option(help: "unipc or euler (default: the model folder's scheduler config).")
    var sampler: String?

    @Option(help: "Noise seed (default: random, printed).")
    var seed: UInt64?

    @Option(help: "All the Gaussian noise the run draws: a safetensors file with one tensor of the run's latent shape (printed when it does not fit).")
    var noise: String?

    @Option(help: "Also save the final latents (before decoding) to this safetensors file.")
    var saveLatents: String?

    @Option(help: "Precision: reference (bf16 transformer and text encoder, fp32 VAE, as diffusers runs Wan) or f32.")
    var precision: String = "reference"

    /// The model folder: --model, else the bundled one.
    func modelFolder() throws -> String { try model ?? BundledModel.folder() }

    /// A store holding the one model these options name, as the default.
    func store() throws -> ModelStore {
        try ModelStore(single: ModelSource(folder: try modelFolder(), transformer: transformer, vae: vae, textEncoder: textEncoder))
    }

    func wanPrecision() throws -> WanPrecision {
        switch precision {
        case "reference": return .reference
        case "f32": return .float32
        default: throw ValidationError("--precision must be reference or f32, not \(precision)")
        }
    }

    /// A request with these options filled in.
    func request(prompt: String, frames: Int?, seconds: Double?, width: Int?, height: Int?,
                 conditioning: Conditioning) -> GenerationRequest {
        GenerationRequest(prompt: prompt, negativePrompt: negativePrompt, width: width, height: height, frames: frames,
                          seconds: seconds, fps: fps, steps: steps, guidance: guidance, shift: shift, sampler: sampler,
                          seed: seed, conditioning: conditioning)
    }
}
