import NN
import Tensor
import WanDiT

/// A LoRA or delta file to merge into the transformer as it loads, at a strength. Lives in
/// ``ModelSource`` (a path, so never in a request): a model with LoRAs is another model to the
/// ``ModelStore`` and the ``ModelCache``.
public struct LoRA: Sendable, Hashable, CustomStringConvertible {
    /// The file (safetensors; any weight file ``Tensor/openWeights(path:)`` reads).
    public var path: String
    /// The strength: 1 applies the file as trained, 0 not at all, negative values subtract it.
    public var scale: Double

    public init(path: String, scale: Double = 1) {
        self.path = path
        self.scale = scale
    }

    /// `path:scale`, as the command line takes it.
    public var description: String { "\(path):\(scale)" }

    /// Parses the command line's `FILE[:SCALE]`: the text after the last colon is the scale when it
    /// is a finite number, else the whole text is the path and the scale is 1.
    public init(argument: String) {
        if let colon = argument.lastIndex(of: ":"), let scale = Double(argument[argument.index(after: colon)...]),
           scale.isFinite, colon != argument.startIndex {
            self.init(path: String(argument[..<colon]), scale: scale)
        } else {
            self.init(path: argument)
        }
    }
}

extension WanModelFiles {
    /// The transformer weights `weights` with ``loras`` merged in as they load (the weights
    /// themselves when there are none). Throws ``NN/LoRAError`` for a file that does not fit them
    /// and the reader's error for one that cannot be read.
    func mergingLoRAs(into weights: any WeightSource, backend: (any Backend)?) throws -> any WeightSource {
        guard !loras.isEmpty else { return weights }
        let names = try WanTransformer.loraNames(for: weights)
        let adapters = try loras.map { lora in
            let file = try openWeights(path: lora.path)
            return try LoRAAdapter(path: lora.path, weights: file, scale: Float(lora.scale), base: weights, names: names,
                                   ignoringUnmatched: ignoresUnmatchedLoRAKeys,
                                   metadata: (file as? SafeTensorsFile)?.metadata ?? [:])
        }
        return LoRAMergedWeights(base: weights, adapters: adapters, backend: backend)
    }
}
