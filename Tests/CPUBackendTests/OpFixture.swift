#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor
import TestSupport
import Testing

/// One fixture file of tools/fixtures/make_op_fixtures.py: `Tests/Fixtures/ops/<family>.safetensors`,
/// tensors named `<case>.<input>` and `<case>.out`.
struct OpFixture {
    let file: SafeTensorsFile

    init(_ family: String) throws {
        file = try SafeTensorsFile(path: fixturePath("ops/\(family).safetensors"))
    }

    /// The tensor `<case>.<name>`.
    func tensor(_ testCase: String, _ name: String) throws -> Tensor {
        try file.tensor(named: "\(testCase).\(name)")
    }

    /// The tensor `<case>.<name>`, or nil when the case has none (an optional bias, say).
    func optionalTensor(_ testCase: String, _ name: String) throws -> Tensor? {
        file.entry(named: "\(testCase).\(name)") == nil ? nil : try tensor(testCase, name)
    }

    /// The expected output, `<case>.out`.
    func expected(_ testCase: String) throws -> Tensor { try tensor(testCase, "out") }

    /// Every case name in the file whose name starts with `prefix`.
    func cases(prefix: String = "") -> Set<String> {
        Set(file.entries.compactMap { entry in
            entry.name.split(separator: ".").first.map(String.init)
        }.filter { $0.hasPrefix(prefix) })
    }
}


/// The tolerance for a result of `dtype` compared with a PyTorch result of the same dtype.
func tolerance(for dtype: DType, float32: Tolerance) -> Tolerance {
    dtype == .float32 ? float32 : .bfloat16
}
