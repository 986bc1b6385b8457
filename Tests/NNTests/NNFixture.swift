#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NN
import Tensor
import TestSupport
import Testing

/// One fixture file of tools/fixtures/make_nn_fixtures.py, `Tests/Fixtures/nn/<name>.safetensors`:
/// a module's weights under their checkpoint keys and the `io.*` inputs and outputs beside them.
struct NNFixture {
    let file: SafeTensorsFile
    let usage = WeightUsage()

    init(_ name: String) throws {
        file = try SafeTensorsFile(path: fixturePath("nn/\(name).safetensors"))
    }

    /// The root scope over the file's weights, recording into ``usage``.
    var scope: WeightScope { WeightScope(file, usage: usage) }

    /// The tensor `io.<name>`.
    func io(_ name: String) throws -> Tensor { try file.tensor(named: "io.\(name)") }

    /// The tensor `name`.
    func tensor(_ name: String) throws -> Tensor { try file.tensor(named: name) }

    /// Throws unless the module loaded every weight of the file (the `io.*` tensors aside).
    func verifyAllWeightsUsed() throws {
        try usage.verifyAllUsed(file, ignoring: { $0.hasPrefix("io.") })
    }
}
