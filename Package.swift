// swift-tools-version: 6.0
import PackageDescription

// Layers depend only downward: Tensor <- CPUBackend <- NN <- (Models, Pipelines) <- zoetrope.
let package = Package(
    name: "Zoetrope",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "CPUBackend", targets: ["CPUBackend"]),
        .library(name: "NN", targets: ["NN"]),
        .executable(name: "zoetrope", targets: ["zoetrope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // oneDNN (Debian's libdnnl-dev) and the OpenMP runtime it runs on.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        // Hot loops in C, compiled per instruction set and dispatched at run time.
        .target(name: "CKernels"),
        .target(name: "Tensor"),
        .target(name: "CPUBackend", dependencies: ["Tensor", "CDNNL", "CKernels"]),
        .target(name: "NN", dependencies: ["Tensor"]),
        // Benchmarks behind `zoetrope bench`: the engine and its peers measured in one run.
        .target(name: "Bench", dependencies: ["Tensor", "CPUBackend", "CDNNL"]),
        .executableTarget(
            name: "zoetrope",
            dependencies: [
                "Tensor", "CPUBackend", "NN", "Bench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Parity assertions shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], path: "Tests/TensorTests"),
        .testTarget(name: "CPUBackendTests", dependencies: ["Tensor", "CPUBackend", "TestSupport"], path: "Tests/CPUBackendTests"),
        .testTarget(name: "NNTests", dependencies: ["Tensor", "CPUBackend", "NN", "TestSupport"], path: "Tests/NNTests"),
    ]
)
