#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Tensor

@Suite struct ModelFolderTests {
    let folder: TemporaryFolder

    /// A tiny Wan-style diffusers folder: a sharded transformer, a single-file VAE, a text encoder
    /// with `model.safetensors`, a tokenizer and scheduler without weights, and a null component.
    init() throws {
        folder = try TemporaryFolder()
        try folder.write("""
            {"_class_name": "WanPipeline", "_diffusers_version": "0.35.0",
             "boundary_ratio": 0.875,
             "transformer": ["diffusers", "WanTransformer3DModel"],
             "transformer_2": [null, null],
             "vae": ["diffusers", "AutoencoderKLWan"],
             "text_encoder": ["transformers", "UMT5EncoderModel"],
             "tokenizer": ["transformers", "T5TokenizerFast"],
             "scheduler": ["diffusers", "UniPCMultistepScheduler"]}
            """, to: "wan/model_index.json")
        try folder.write(#"{"_class_name": "WanTransformer3DModel", "num_layers": 2, "patch_size": [1, 2, 2]}"#,
                         to: "wan/transformer/config.json")
        try SafeTensorsWriter.write([(name: "blocks.0.w", tensor: try Tensor([1, 2], shape: [2]))],
                                    to: folder.file("wan/transformer/diffusion_pytorch_model-00001-of-00001.safetensors"))
        try folder.write(#"{"weight_map": {"blocks.0.w": "diffusion_pytorch_model-00001-of-00001.safetensors"}}"#,
                         to: "wan/transformer/diffusion_pytorch_model.safetensors.index.json")
        try folder.write(#"{"z_dim": 16}"#, to: "wan/vae/config.json")
        try SafeTensorsWriter.write([(name: "decoder.w", tensor: try Tensor([3], shape: [1], dtype: .bfloat16))],
                                    to: folder.file("wan/vae/diffusion_pytorch_model.safetensors"))
        try folder.write(#"{"d_model": 8}"#, to: "wan/text_encoder/config.json")
        try SafeTensorsWriter.write([(name: "shared.weight", tensor: try Tensor([4, 5], shape: [1, 2]))],
                                    to: folder.file("wan/text_encoder/model.safetensors"))
        try folder.write("{}", to: "wan/tokenizer/tokenizer_config.json")
        try folder.write("{}", to: "wan/tokenizer/tokenizer.json")
        try folder.write(#"{"num_train_timesteps": 1000}"#, to: "wan/scheduler/scheduler_config.json")
    }

    @Test func discoversComponents() throws {
        let model = try ModelFolder(path: folder.file("wan"))
        #expect(model.className == "WanPipeline")
        #expect(model.index["boundary_ratio"] == .double(0.875))
        #expect(model.components.map(\.name) == ["scheduler", "text_encoder", "tokenizer", "transformer", "transformer_2", "vae"])
        #expect(ModelFolder.isModelFolder(folder.file("wan")))

        let transformer = try #require(model.component(named: "transformer"))
        #expect(transformer.library == "diffusers" && transformer.className == "WanTransformer3DModel")
        #expect(transformer.config?["num_layers"] == .int(2))
        #expect(transformer.configText?.contains("\"patch_size\"") == true)
        #expect(transformer.weightsPath?.hasSuffix("transformer/diffusion_pytorch_model.safetensors.index.json") == true)
        #expect(try transformer.openWeights()?.names == ["blocks.0.w"])

        let vae = try #require(model.component(named: "vae"))
        #expect(try vae.openWeights()?.tensor(named: "decoder.w").dtype == .bfloat16)
        #expect(model.component(named: "text_encoder")?.weightsPath?.hasSuffix("text_encoder/model.safetensors") == true)

        let tokenizer = try #require(model.component(named: "tokenizer"))
        #expect(tokenizer.weightsPath == nil && tokenizer.config == nil)
        #expect(tokenizer.files == ["tokenizer.json", "tokenizer_config.json"])
        #expect(try tokenizer.openWeights() == nil)
        #expect(model.component(named: "scheduler")?.config?["num_train_timesteps"] == .int(1000))

        let empty = try #require(model.component(named: "transformer_2"))
        #expect(empty.path == nil && empty.className == nil && empty.files.isEmpty)
    }

    @Test func missingModelIndex() throws {
        try folder.makeFolder("plain")
        let error = expectWeightError(file: "plain") { _ = try ModelFolder(path: folder.file("plain")) }
        #expect(error?.description.contains("model_index.json") == true)
        #expect(!ModelFolder.isModelFolder(folder.file("plain")))
        expectWeightError(file: "nowhere") { _ = try ModelFolder(path: folder.file("nowhere")) }
    }

    @Test func missingComponentFolder() throws {
        try folder.remove("wan/vae")
        let error = expectWeightError(file: "wan") { _ = try ModelFolder(path: folder.file("wan")) }
        #expect(error?.description.contains("\"vae\"") == true)
    }

    @Test func invalidConfigJSONNamesTheFile() throws {
        try folder.write(#"{"num_layers": 2,}"#, to: "wan/transformer/config.json")
        let error = expectWeightError(file: "transformer/config.json") { _ = try ModelFolder(path: folder.file("wan")) }
        #expect(error.map { if case .invalidJSON = $0.reason { true } else { false } } == true)
    }

    @Test func invalidModelIndexNamesTheFile() throws {
        try folder.write("[\"WanPipeline\"]", to: "wan/model_index.json")
        expectWeightError(file: "wan/model_index.json") { _ = try ModelFolder(path: folder.file("wan")) }
        try folder.write("{\"_class_name\": ", to: "wan/model_index.json")
        expectWeightError(file: "wan/model_index.json") { _ = try ModelFolder(path: folder.file("wan")) }
    }

    /// A component name is a folder inside the model folder: one that climbs out, or holds a slash
    /// or a control character, is refused before any folder is listed.
    @Test func componentNamesStayInsideTheFolder() throws {
        for name in ["../../../../../../etc", "/etc", "a/b", "..", ".", "", "tab\there"] {
            let escaped = name.replacingOccurrences(of: "\t", with: "\\t")
            try folder.write("{\"_class_name\": \"WanPipeline\", \"\(escaped)\": [\"diffusers\", \"X\"]}", to: "wan/model_index.json")
            let error = expectWeightError(file: "wan/model_index.json") { _ = try ModelFolder(path: folder.file("wan")) }
            #expect(error?.description.hasSuffix("is not a plain folder name (no '/', '..' or control characters)") == true, "\(name)")
        }
    }

    /// Outputs replace only regular files, and their folder must exist.
    @Test func writerDestinationsAreChecked() throws {
        let fifo = folder.file("pipe.safetensors")
        #expect(mkfifo(fifo, 0o600) == 0)
        let tensor = [(name: "x", tensor: try Tensor([1], shape: [1]))]
        let cases = [(fifo, "is a FIFO (named pipe), not a regular file, so it is not replaced"),
                     ("/dev/null", "is a character device, not a regular file, so it is not replaced"),
                     (folder.file("none/x.safetensors"), "its folder \(folder.file("none")) does not exist"),
                     (folder.file("wan"), "is a folder, not a file, so it is not replaced")]
        for (path, reason) in cases {
            #expect(throws: WeightFileError(path: path, .writeFailed(reason))) { try SafeTensorsWriter.checkDestination(path) }
            #expect(throws: WeightFileError(path: path, .writeFailed(reason))) { try SafeTensorsWriter.write(tensor, to: path) }
        }
        #expect(FileManager.default.fileExists(atPath: fifo))
    }

    @Test func ambiguousWeightsAreAnError() throws {
        try SafeTensorsWriter.write([(name: "x", tensor: try Tensor([1], shape: [1]))],
                                    to: folder.file("wan/tokenizer/a.safetensors"))
        try SafeTensorsWriter.write([(name: "x", tensor: try Tensor([1], shape: [1]))],
                                    to: folder.file("wan/tokenizer/b.safetensors"))
        expectWeightError(file: "wan/tokenizer") { _ = try ModelFolder(path: folder.file("wan")) }
    }
}
