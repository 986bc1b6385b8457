/// Opens the job store a URL names.
public enum JobStores {
    /// Where a URL points, before anything is opened.
    public enum Location: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    /// Opens the store at `url`: `postgres://…` or `postgresql://…` (see ``PostgresURL``) for
    /// ``PostgresJobStore``; `sqlite:///absolute/path.db`, `sqlite:relative.db` or a plain file path
    /// for ``SQLiteJobStore``.
    ///
    /// - Throws: ``JobStoreError/invalidURL(_:)`` for a URL it cannot use, ``JobStoreError/database(_:)``
    ///   when the database cannot be opened.
    public static func open(_ url: String) async throws -> any JobStore {
        switch try location(of: url) {
        case .sqlite(let path): return try await SQLiteJobStore(path: path)
        case .postgres(let url): return try await PostgresJobStore(url: url)
        }
    }

    /// Parses `url` without opening anything.
    public static func location(of url: String) throws -> Location {
        let trimmed = String(url.trimmingWhitespace)
        guard !trimmed.isEmpty else { throw JobStoreError.invalidURL("the URL is empty") }
        let lowered = trimmed.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            _ = try PostgresURL(trimmed)  // fail here, before any connection, on a malformed URL
            return .postgres(url: trimmed)
        }
        if lowered.hasPrefix("sqlite:") {
            var path = trimmed.dropFirst("sqlite:".count)
            if path.hasPrefix("//") {
                // sqlite:///abs/path.db: an empty authority, then the absolute path.
                path = path.dropFirst(2)
                guard path.hasPrefix("/") else {
                    throw JobStoreError.invalidURL("write sqlite:///absolute/path.db (three slashes) or sqlite:relative/path.db, not \"\(trimmed)\"")
                }
            }
            guard !path.isEmpty else { throw JobStoreError.invalidURL("\"\(trimmed)\" names no file") }
            return .sqlite(path: String(path))
        }
        if let scheme = Self.scheme(of: trimmed) {
            throw JobStoreError.invalidURL("unknown scheme \"\(scheme)\" (use postgres://, sqlite: or a file path)")
        }
        return .sqlite(path: trimmed)
    }

    /// The scheme of `text` when it has the shape `scheme://…`.
    private static func scheme(of text: String) -> Substring? {
        guard let separator = text.firstRange(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound]
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) else { return nil }
        return scheme
    }
}

extension String {
    fileprivate var trimmingWhitespace: Substring {
        let start = firstIndex(where: { !$0.isWhitespace }) ?? endIndex
        let end = lastIndex(where: { !$0.isWhitespace }).map { index(after: $0) } ?? endIndex
        return start < end ? self[start..<end] : ""
    }
}
