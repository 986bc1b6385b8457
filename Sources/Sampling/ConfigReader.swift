import Tensor

/// Typed access to the fields of a scheduler config, throwing ``SamplingError`` for a field of the
/// wrong kind. Every accessor returns nil for an absent field (and for `null`, which
/// `save_config` writes for unset optional fields), so the caller supplies the class default.
struct ConfigReader {
    let members: [String: JSONValue]
    let file: String?

    init(_ json: JSONValue, file: String?) throws {
        guard let members = json.objectValue else {
            throw SamplingError.invalidConfig(file: file, field: "(document)", detail: "is \(json.kindDescription), not an object")
        }
        self.members = members
        self.file = file
    }

    func error(_ field: String, _ detail: String) -> SamplingError {
        .invalidConfig(file: file, field: field, detail: detail)
    }

    /// The raw value; nil when absent.
    func value(_ field: String) -> JSONValue? { members[field] }

    private func present(_ field: String) -> JSONValue? {
        guard let value = members[field], !value.isNull else { return nil }
        return value
    }

    func string(_ field: String) throws -> String? {
        guard let value = present(field) else { return nil }
        guard let string = value.stringValue else { throw error(field, "must be a string, not \(value.kindDescription)") }
        return string
    }

    func number(_ field: String) throws -> Double? {
        guard let value = present(field) else { return nil }
        guard let number = value.doubleValue else { throw error(field, "must be a number, not \(value.kindDescription)") }
        return number
    }

    func integer(_ field: String) throws -> Int? {
        guard let value = present(field) else { return nil }
        guard let integer = value.intValue else { throw error(field, "must be an integer, not \(value.serialized)") }
        return integer
    }

    func bool(_ field: String) throws -> Bool? {
        guard let value = present(field) else { return nil }
        guard let flag = value.boolValue else { throw error(field, "must be true or false, not \(value.serialized)") }
        return flag
    }

    func integers(_ field: String) throws -> [Int]? {
        guard let value = present(field) else { return nil }
        guard let elements = value.arrayValue else { throw error(field, "must be an array of integers, not \(value.kindDescription)") }
        return try elements.map { element in
            guard let integer = element.intValue else { throw error(field, "must hold integers only, not \(element.serialized)") }
            return integer
        }
    }

    /// Throws unless the flag (or its class default when absent) equals `expected`.
    func require(_ field: String, equals expected: Bool, default defaultValue: Bool, because reason: String) throws {
        let actual = try bool(field) ?? defaultValue
        guard actual == expected else {
            throw error(field, "\(actual) is not supported: \(reason)")
        }
    }

    /// Throws unless the field is absent, null or 0 (diffusers tests it for truth).
    func requireNullOrZero(_ field: String) throws {
        guard let value = present(field) else { return }
        guard value.doubleValue == 0 else {
            throw error(field, "\(value.serialized) is not supported: stretching the schedule to a terminal value is not implemented")
        }
    }
}
