import Tensor

/// The whole contents of a tokenizer file: only a regular file, opened without blocking, at most
/// ``maximumTokenizerFileBytes``. A failure is a ``TokenizerError`` saying what the path is instead.
func readFile(_ path: String) throws -> [UInt8] {
    do {
        return try RegularFile.read(path, limit: maximumTokenizerFileBytes)
    } catch {
        throw TokenizerError(.invalidValue(error.reason))
    }
}

/// The largest tokenizer.json read: UMT5's is 16 MiB; a file of gigabytes is not a tokenizer.
let maximumTokenizerFileBytes = 256 << 20
