#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import Tensor

/// A fresh folder under the system's temporary folder, removed when released.
final class TemporaryFolder {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/zoetrope-tensor-tests-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`.
    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `name` (creating intermediate folders) and returns the file's path.
    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let target = file(name)
        let folder = String(target[..<(target.lastIndex(of: "/") ?? target.endIndex)])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    @discardableResult
    func write(_ text: String, to name: String) throws -> String { try write(Array(text.utf8), to: name) }

    /// The bytes of a file in the folder.
    func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    /// Removes a file or subfolder.
    func remove(_ name: String) throws { try FileManager.default.removeItem(atPath: file(name)) }

    /// Makes a subfolder.
    func makeFolder(_ name: String) throws {
        try FileManager.default.createDirectory(atPath: file(name), withIntermediateDirectories: true)
    }

    /// The names in a subfolder (or the folder itself), sorted.
    func list(_ name: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: name.isEmpty ? path : file(name)).sorted()
    }
}

/// A safetensors file by hand: the length field (the header's size unless overridden), the header
/// text, then `data`.
func safetensorsBytes(header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    let length = headerLength ?? UInt64(headerBytes.count)
    return withUnsafeBytes(of: length.littleEndian) { Array($0) } + headerBytes + data
}

/// Little-endian bytes of fixed-width values.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}

func float32Bytes(_ values: [Float]) -> [UInt8] { littleEndianBytes(values.map(\.bitPattern)) }

/// Runs `body`, expecting a ``WeightFileError`` whose description names `file` (a path suffix) and,
/// when given, `tensor` in quotes; returns the error for further checks.
@discardableResult
func expectWeightError(file: String, tensor: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () throws -> Void) -> WeightFileError? {
    let error = #expect(throws: WeightFileError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return nil }
    let line = error.description
    #expect(line.contains(file), "\(line) does not name \(file)", sourceLocation: sourceLocation)
    #expect(!line.contains("\n"), "\(line) spans several lines", sourceLocation: sourceLocation)
    if let tensor {
        #expect(error.tensor == tensor, sourceLocation: sourceLocation)
        #expect(line.contains("tensor \"\(tensor)\""), "\(line) does not name \(tensor)", sourceLocation: sourceLocation)
    }
    return error
}
