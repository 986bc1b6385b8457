// swift-tools-version: 6.1
import PackageDescription

// Layers depend only downward: Tensor <- CPUBackend <- NN <- (Models, Pipelines) <- zoetrope;
// Audio stands alone beside them.
//
// Platforms: built and tested on Linux (x86-64, Debian 12) only. The CPU backend needs oneDNN
// (Debian's libdnnl-dev) and the code uses Glibc; macOS is not built or tested, so no Apple
// platform is declared.
let package = Package(
    name: "Zoetrope",
    products: [
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "CPUBackend", targets: ["CPUBackend"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Tokenization", targets: ["Tokenization"]),
        .library(name: "UMT5", targets: ["UMT5"]),
        .library(name: "WanVAE", targets: ["WanVAE"]),
        .library(name: "WanDiT", targets: ["WanDiT"]),
        .library(name: "TinyDecoder", targets: ["TinyDecoder"]),
        .library(name: "CLIPVision", targets: ["CLIPVision"]),
        .library(name: "Sampling", targets: ["Sampling"]),
        .library(name: "Pipelines", targets: ["Pipelines"]),
        .library(name: "Media", targets: ["Media"]),
        .library(name: "Audio", targets: ["Audio"]),
        .library(name: "JobQueue", targets: ["JobQueue"]),
        .library(name: "Server", targets: ["Server"]),
        .executable(name: "zoetrope", targets: ["zoetrope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The server: HTTP (without the configuration trait, which the server does not use), multipart
        // uploads, and the job store on SQLite (one file, no set-up) or PostgreSQL (several workers).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        // oneDNN (Debian's libdnnl-dev) and the OpenMP runtime it runs on.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        // Hot loops in C, compiled per instruction set and dispatched at run time.
        .target(name: "CKernels"),
        // Tensor decodes GGUF blocks with the C kernels.
        .target(name: "Tensor", dependencies: ["CKernels"]),
        .target(name: "CPUBackend", dependencies: ["Tensor", "CDNNL", "CKernels"]),
        .target(name: "NN", dependencies: ["Tensor"]),
        // Models, one module each (one model family per folder under Sources/Models), so each
        // builds and tests on its own. Module names differ from their main types on purpose:
        // a module named like its type makes `WanTransformer.Config` ambiguous in Swift.
        // SentencePiece-Unigram tokenizers read from Hugging Face tokenizer.json, and prompt cleaning.
        .target(name: "Tokenization", dependencies: ["Tensor"], path: "Sources/Models/Tokenization"),
        // The UMT5 text encoder (transformers' UMT5EncoderModel).
        .target(name: "UMT5", dependencies: ["Tensor", "NN"], path: "Sources/Models/UMT5"),
        // The Wan 2.1 causal video VAE (diffusers' AutoencoderKLWan).
        .target(name: "WanVAE", dependencies: ["Tensor", "NN"], path: "Sources/Models/WanVAE"),
        // The Wan 2.1 diffusion transformer (diffusers' WanTransformer3DModel).
        .target(name: "WanDiT", dependencies: ["Tensor", "NN"], path: "Sources/Models/WanDiT"),
        // The TAEHV tiny video decoder for Wan 2.1 latents (madebyollin's taehv.py, decoder only).
        .target(name: "TinyDecoder", dependencies: ["Tensor", "NN"], path: "Sources/Models/TinyDecoder"),
        // The CLIP vision encoder of Wan I2V / FLF2V (transformers' CLIPVisionModel) and its image processor.
        .target(name: "CLIPVision", dependencies: ["Tensor", "NN"], path: "Sources/Models/CLIPVision"),
        // Flow-matching samplers (UniPC, Euler) and their schedules: pure numerics, no model types.
        .target(name: "Sampling", dependencies: ["Tensor"]),
        // The generation engine: model store, requests, canvas, denoise loop and strategies, decode;
        // it reads input frames as Media's decoded clips.
        .target(name: "Pipelines", dependencies: ["Tensor", "NN", "Tokenization", "UMT5", "WanDiT", "WanVAE", "CLIPVision", "Sampling", "Media", "TinyDecoder"],
                // PipelinesTests check internal stages (the VACE control context) with @testable.
                swiftSettings: [.unsafeFlags(["-enable-testing"])]),
        // Video and image files: frames streamed into ffmpeg (MP4, WebM, GIF) or PNG folders, and
        // images, videos and PNG folders read back into frames.
        .target(name: "Media", dependencies: ["Tensor"]),
        // Audio analysis on samples (Media reads them from files): librosa's onset envelope, tempo
        // and beat tracker, with its own FFT; it depends on nothing.
        .target(name: "Audio"),
        // Video jobs that are never lost: the store behind one protocol, on SQLite or PostgreSQL
        // (claims with leases, heartbeats, a reaper, wake-ups). It knows nothing of HTTP or models.
        .target(name: "JobQueue", dependencies: [
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], path: "Sources/Server/JobQueue"),
        // `zoetrope serve`: the OpenAI-compatible Videos API, the worker that runs jobs through the
        // Generator, and the web page. It translates requests and events; it holds no generation logic.
        .target(name: "Server", dependencies: [
            "JobQueue", "Pipelines", "Media", "Tensor", "CPUBackend",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "MultipartKit", package: "multipart-kit"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], path: "Sources/Server/API",
        // ServerTests reach the request parsing and checks with @testable, which a release build
        // (the tests' configuration: the model code is too slow in debug) only allows with this flag.
        swiftSettings: [.unsafeFlags(["-enable-testing"])]),
        // Benchmarks behind `zoetrope bench`: the engine and its peers measured in one run.
        .target(name: "Bench", dependencies: ["Tensor", "CPUBackend", "CDNNL", "Pipelines", "TinyDecoder", "UMT5", "WanDiT"]),
        .executableTarget(
            name: "zoetrope",
            dependencies: [
                "Tensor", "CPUBackend", "NN", "Bench", "Pipelines", "Media", "Audio", "Server", "JobQueue", "Sampling", "WanDiT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Parity assertions shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], path: "Tests/TensorTests"),
        .testTarget(name: "CPUBackendTests", dependencies: ["Tensor", "CPUBackend", "TestSupport"], path: "Tests/CPUBackendTests"),
        .testTarget(name: "NNTests", dependencies: ["Tensor", "CPUBackend", "NN", "TestSupport"], path: "Tests/NNTests"),
        .testTarget(name: "TokenizationTests", dependencies: ["Tensor", "Tokenization", "TestSupport"], path: "Tests/TokenizationTests"),
        .testTarget(name: "UMT5Tests", dependencies: ["Tensor", "CPUBackend", "NN", "UMT5", "TestSupport"], path: "Tests/UMT5Tests"),
        .testTarget(name: "WanVAETests", dependencies: ["Tensor", "CPUBackend", "NN", "WanVAE", "TestSupport"], path: "Tests/WanVAETests"),
        .testTarget(name: "SamplingTests", dependencies: ["Tensor", "CPUBackend", "Sampling", "TestSupport"], path: "Tests/SamplingTests"),
        .testTarget(name: "PipelinesTests", dependencies: ["Tensor", "CPUBackend", "NN", "Pipelines", "Media", "Sampling", "TestSupport", "TinyDecoder", "CLIPVision"], path: "Tests/PipelinesTests"),
        .testTarget(name: "MediaTests", dependencies: ["Tensor", "Media", "TestSupport"], path: "Tests/MediaTests"),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "Tensor", "TestSupport"], path: "Tests/AudioTests"),
        // The drivers too: the tests make and break databases (a schema from the future, a dropped LISTEN).
        .testTarget(name: "JobQueueTests", dependencies: [
            "JobQueue",
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], path: "Tests/JobQueueTests"),
        // The API's parsing and checks without a socket; the HTTP routes are tested with real clients
        // against a running server (scripts/test-server.sh).
        .testTarget(name: "ServerTests", dependencies: ["Server", "JobQueue", "Pipelines", "Media", "Tensor", "TestSupport"],
                    path: "Tests/ServerTests"),
        .testTarget(name: "WanDiTTests", dependencies: ["Tensor", "CPUBackend", "NN", "WanDiT", "TestSupport"], path: "Tests/WanDiTTests"),
        .testTarget(name: "TinyDecoderTests", dependencies: ["Tensor", "CPUBackend", "NN", "TinyDecoder", "TestSupport"], path: "Tests/TinyDecoderTests"),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "Pipelines", "TestSupport"], path: "Tests/BenchTests"),
        .testTarget(name: "CLIPVisionTests", dependencies: ["Tensor", "CPUBackend", "NN", "CLIPVision", "TestSupport"], path: "Tests/CLIPVisionTests"),
    ]
)
