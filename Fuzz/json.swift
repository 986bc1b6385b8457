// The JSON parser behind every config, header and index (JSONValue(parsing:)), and
// JSONValueDecoder into real config types: the Wan transformer's config.json and the scheduler's
// scheduler_config.json, decoded and validated as the loaders do, then the derived sizes the model
// reads next. A parsed document must also survive its own serialization unchanged.
import Sampling
import Tensor
import WanDiT

/// Whether `value` holds a non-finite double, which serializes as null (so does not round-trip).
private func holdsNonFinite(_ value: JSONValue) -> Bool {
    switch value {
    case .double(let number): return !number.isFinite
    case .array(let elements): return elements.contains(where: holdsNonFinite)
    case .object(let members): return members.values.contains(where: holdsNonFinite)
    default: return false
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    ignoringErrors {
        let value = try bytes.withUnsafeBytes { try JSONValue(parsing: $0) }
        let text = value.serialized
        if !holdsNonFinite(value) {
            let again = try JSONValue(parsing: text)
            precondition(again == value, "serialized JSON parses to a different value: \(text)")
        }
        ignoringErrors {
            let config = try WanTransformer.Config(json: value)
            _ = (config.innerDim, config.patchFeaturesOut, config.takesImage, config.variantName)
        }
        ignoringErrors { _ = try SchedulerConfig(json: value) }
    }
    return 0
}
