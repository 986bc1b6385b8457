#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor
import Testing

/// Checks shape, dtype and values of `actual` against a fixture's `expected` under `tolerance`.
/// With `ZOETROPE_PARITY_REPORT` set in the environment, prints the measured metrics.
@discardableResult
public func expectMatch(_ actual: Tensor, _ expected: Tensor, _ tolerance: Tolerance, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) -> Tolerance.Report? {
    #expect(actual.shape == expected.shape, "\(label): shape \(actual.shape) != \(expected.shape)",
            sourceLocation: sourceLocation)
    #expect(actual.dtype == expected.dtype, "\(label): dtype \(actual.dtype) != \(expected.dtype)",
            sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return nil }
    let report = tolerance.check(actual: actual.floats(), expected: expected.floats())
    #expect(report.passed, "\(label): \(report)", sourceLocation: sourceLocation)
    if getenv("ZOETROPE_PARITY_REPORT") != nil {
        print("parity \(label) [\(actual.dtype.rawValue)]: relative max error \(report.relativeMaxError), cosine \(report.cosine)")
    }
    return report
}
