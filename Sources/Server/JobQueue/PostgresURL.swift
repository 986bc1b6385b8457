import PostgresNIO

/// A PostgreSQL connection URL as libpq writes it:
/// `postgres://user:password@host:port/database?sslmode=disable` (`postgresql://` too).
///
/// User, password and database may be percent-encoded. The query may hold `sslmode` (`disable`, the
/// default; `prefer`, `require`, which encrypt without checking the certificate; `verify-full`) and
/// `host`: a folder holding the server's Unix socket (`host=/var/run/postgresql`, the socket file
/// `.s.PGSQL.<port>` in it) or the socket file itself, which then replaces the URL's host.
public struct PostgresURL: Sendable, Equatable {
    /// Where the server listens.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The socket file itself (`<folder>/.s.PGSQL.<port>`).
        case unixSocket(path: String)
    }

    /// libpq's `sslmode` values this store honours.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP (the default: a test cluster or a private network).
        case disable
        /// TLS when the server offers it, the certificate unchecked.
        case prefer
        /// TLS or nothing, the certificate unchecked.
        case require
        /// TLS with the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    /// `postgres` when the URL names no user.
    public var username: String
    /// Nil when the URL has none (`user@host`); empty for `user:@host`.
    public var password: String?
    /// Nil: the server's default (the user's name).
    public var database: String?
    public var sslMode: SSLMode

    /// Parses `string`.
    ///
    /// - Throws: ``JobStoreError/invalidURL(_:)`` saying what is wrong.
    public init(_ string: String) throws {
        func invalid(_ reason: String) -> JobStoreError { .invalidURL("\(reason) in \"\(Self.redacted(string))\"") }

        guard let schemeEnd = string.firstRange(of: "://"),
              ["postgres", "postgresql"].contains(string[..<schemeEnd.lowerBound].lowercased()) else {
            throw invalid("a PostgreSQL URL starts with postgres:// or postgresql://")
        }
        var rest = string[schemeEnd.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var userInfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }

        // host[:port], the host possibly an IPv6 address in brackets.
        var host = rest
        var port = 5432
        let portSeparator: Substring.Index? = if rest.hasPrefix("[") {
            rest.firstIndex(of: "]").flatMap { close in rest[close...].firstIndex(of: ":") }
        } else {
            rest.lastIndex(of: ":")
        }
        if let colon = portSeparator {
            let digits = rest[rest.index(after: colon)...]
            guard let number = Int(digits), (1...65535).contains(number) else { throw invalid("the port \"\(digits)\" is not a number from 1 to 65535") }
            port = number
            host = rest[..<colon]
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }

        username = "postgres"
        if let userInfo {
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let user = Self.percentDecoded(parts[0]), let secret = parts.count > 1 ? Self.percentDecoded(parts[1]) : "" else {
                throw invalid("the user or password has a bad percent escape")
            }
            if !user.isEmpty { username = user }
            password = parts.count > 1 ? secret : nil
        }
        if path.isEmpty {
            database = nil
        } else {
            guard let name = Self.percentDecoded(path), !name.contains("/") else { throw invalid("the database name \"\(path)\" is not valid") }
            database = name
        }

        sslMode = .disable
        var socket: String?
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard keyValue.count == 2, let value = Self.percentDecoded(keyValue[1]) else { throw invalid("the parameter \"\(pair)\" has no value") }
            switch keyValue[0] {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw invalid("sslmode \"\(value)\" is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "host":
                guard value.hasPrefix("/") else { throw invalid("the host parameter must be an absolute socket path") }
                socket = value
            default:
                throw invalid("unknown parameter \"\(keyValue[0])\" (known: sslmode, host)")
            }
        }
        if let socket {
            let isSocketFile = socket.split(separator: "/").last?.hasPrefix(".s.PGSQL.") ?? false
            endpoint = .unixSocket(path: isSocketFile ? socket : "\(socket.hasSuffix("/") ? String(socket.dropLast()) : socket)/.s.PGSQL.\(port)")
        } else {
            guard !host.isEmpty else { throw invalid("no host (write postgres://host/db, or ?host=/socket/folder)") }
            endpoint = .tcp(host: String(host), port: port)
        }
    }

    /// The pool's configuration.
    func clientConfiguration() -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS = switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(Self.tlsConfiguration(verify: false))
            case .require: .require(Self.tlsConfiguration(verify: false))
            case .verifyFull: .require(Self.tlsConfiguration(verify: true))
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        case .unixSocket(let path):
            configuration = .init(unixSocketPath: path, username: username, password: password, database: database)
        }
        return configuration
    }

    /// The configuration of one connection outside the pool (the LISTEN connection).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        switch endpoint {
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS = switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: Self.tlsConfiguration(verify: false)))
            case .require: .require(try NIOSSLContext(configuration: Self.tlsConfiguration(verify: false)))
            case .verifyFull: .require(try NIOSSLContext(configuration: Self.tlsConfiguration(verify: true)))
            }
            return .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        case .unixSocket(let path):
            return .init(unixSocketPath: path, username: username, password: password, database: database)
        }
    }

    /// Where the URL points, without its password (for messages).
    public var displayName: String {
        let place = switch endpoint {
        case .tcp(let host, let port): "\(host):\(port)"
        case .unixSocket(let path): path
        }
        return "PostgreSQL \(username)@\(place)/\(database ?? username)"
    }

    private static func tlsConfiguration(verify: Bool) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !verify { configuration.certificateVerification = .none }
        return configuration
    }

    /// `string` with the password replaced by `***`, so errors can quote it.
    static func redacted(_ string: String) -> String {
        guard let schemeEnd = string.firstRange(of: "://") else { return string }
        let authority = string[schemeEnd.upperBound...].prefix(while: { $0 != "/" && $0 != "?" })
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return string }
        return String(string[..<authority.index(after: colon)]) + "***" + String(string[at...])
    }

    /// Decodes `%XX` escapes; nil for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
