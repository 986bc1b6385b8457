import ArgumentParser
import Pipelines
import Tensor
import WanDiT

/// `zoetrope inspect PATH`: the tensors in a safetensors file, a sharded set (its index or folder),
/// a PyTorch checkpoint or every component of a diffusers model folder, with totals.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List the tensors in weight files.",
        discussion: """
            PATH is a .safetensors or .gguf file, a sharded set's .safetensors.index.json, a folder holding one \
            of them, a PyTorch checkpoint (.pt, .pth, .ckpt, .bin; read without running its pickle), \
            or a diffusers model folder (one with model_index.json), whose components are listed one \
            after another.
            """)

    @Argument(help: "A weight file (safetensors, GGUF or PyTorch), sharded-set index, or model folder.")
    var path: String

    func run() throws {
        if ModelFolder.isModelFolder(path) {
            try inspectModelFolder()
        } else {
            let weights = try openWeights(path: path)
            print(title(weights))
            // A Wan transformer file: the family its shapes give (Wan's 16 latent channels assumed).
            if let config = try? WanTransformer.Config(detectingFrom: weights) {
                let family = ModelFamily(transformer: config, latentChannels: 16)
                print("  Wan transformer, \(config.numLayers) blocks of width \(config.innerDim); family: \(family.rawValue); modes: \(family.modes.joined(separator: ", "))")
            }
            printListing(weights)
        }
    }

    /// The path, and the shard count of a sharded set.
    private func title(_ weights: any WeightSource) -> String {
        if let file = weights as? GGUFFile {
            return "\(file.path) (GGUF version \(file.version)\(file.architecture.map { ", architecture \($0)" } ?? ""))"
        }
        guard let set = weights as? ShardedSafeTensors else { return (weights as? SafeTensorsFile)?.path ?? "\(weights)" }
        return "\(set.path) (\(set.shards.count) shard\(set.shards.count == 1 ? "" : "s"))"
    }

    /// Metadata, the table of tensors and the totals line.
    private func printListing(_ weights: any WeightSource) {
        var metadata: [String: String] = [:]
        if let file = weights as? SafeTensorsFile { metadata = file.metadata }
        if let set = weights as? ShardedSafeTensors { metadata = set.metadata.mapValues { $0.stringValue ?? $0.serialized } }
        if let file = weights as? GGUFFile { metadata = file.metadata.mapValues(ggufText) }
        if !metadata.isEmpty {
            print("  metadata: " + metadata.keys.sorted().map { "\($0)=\(metadata[$0] ?? "")" }.joined(separator: ", "))
        }
        // A GGUF tensor's type is its block type (Q4_K, ...), not the F32 a plain load gives.
        let gguf = weights as? GGUFFile
        printTable(weights.entries) { gguf?.info(named: $0.name)?.type.name ?? $0.dtype.rawValue }
        print("  " + totalsLine(count: weights.names.count, parameters: weights.parameterCount, bytes: weights.byteCount))
    }

    private func inspectModelFolder() throws {
        let model = try ModelFolder(path: path)
        print("\(path): \(model.className ?? "diffusers pipeline"), \(model.components.count) components")
        // What the model does, from its transformer's config (nothing is said when that cannot be read).
        if model.component(named: "transformer") != nil, let defaults = try? GenerationDefaults(folder: model) {
            print("family: \(defaults.family.rawValue); modes: \(defaults.family.modes.joined(separator: ", "))")
        }
        var count = 0, parameters = 0, bytes = 0
        for component in model.components {
            let declared = [component.library, component.className].compactMap { $0 }.joined(separator: " ")
            let title = "\n\(component.name)" + (declared.isEmpty ? "" : " (\(declared))")
            guard let weights = try component.openWeights() else {
                let files = component.files.isEmpty ? "no folder" : component.files.joined(separator: ", ")
                print("\(title): no weights; \(files)")
                continue
            }
            print("\(title): \(self.title(weights))")
            printListing(weights)
            count += weights.names.count
            parameters += weights.parameterCount
            bytes += weights.byteCount
        }
        print("\nall components: " + totalsLine(count: count, parameters: parameters, bytes: bytes))
    }

    /// One row per tensor, columns aligned.
    private func printTable(_ entries: [SafeTensorsEntry], type: (SafeTensorsEntry) -> String) {
        let rows = entries.map { [displayName($0.name), type($0), "[" + $0.shape.map(String.init).joined(separator: ", ") + "]"] }
        let header = ["name", "dtype", "shape"]
        let widths = (0..<2).map { column in (rows + [header]).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print("  " + pad(row[0], widths[0]) + "  " + pad(row[1], widths[1]) + "  " + row[2])
        }
    }

    /// A GGUF metadata value in a few words: numbers and strings as they are, arrays by their
    /// length when long (a tokenizer's vocabulary is hundreds of thousands of strings).
    private func ggufText(_ value: GGUFValue) -> String {
        switch value {
        case .string(let text): return displayName(String(text.prefix(80)))
        case .array(_, let elements) where elements.count > 8: return "[\(grouped(elements.count)) values]"
        case .array(_, let elements): return "[" + elements.map(ggufText).joined(separator: ", ") + "]"
        case .bool(let flag): return String(flag)
        case .float32(let number): return String(number)
        case .float64(let number): return String(number)
        case .uint64(let number): return String(number)
        default: return value.intValue.map(String.init) ?? "\(value)"
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    /// A name with control characters escaped, so that a hostile name cannot break the table.
    private func displayName(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private func totalsLine(count: Int, parameters: Int, bytes: Int) -> String {
        "\(grouped(count)) tensor\(count == 1 ? "" : "s"), \(grouped(parameters)) parameters, \(grouped(bytes)) bytes (\(humanBytes(bytes)))"
    }
}

/// `1234567` as `1,234,567`.
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, digit) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(digit)
    }
    return (value < 0 ? "-" : "") + out
}

/// Bytes in binary units with one decimal: `4.8 KiB`, `26.4 GiB`.
func humanBytes(_ bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    if unit == 0 { return "\(bytes) bytes" }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
}
