import Tensor

extension TAEHV {
    /// A decode in progress, one latent frame at a time (the reference's sequential mode, which
    /// agrees with its parallel mode): it carries each memory block's last input and nothing else,
    /// so its memory does not grow with the clip. Each latent frame is run depth first: every time
    /// step a `TGrow` makes goes through the rest of the decoder before the next one, the order the
    /// reference's work queue visits them in.
    public struct Stream {
        let model: TAEHV
        let backend: any Backend
        /// How many leading frames are still to be dropped.
        private var toTrim: Int
        /// Each memory block's input at the previous time step, per stage; nil before the first.
        private var memory: [[Tensor?]]

        init(model: TAEHV, backend: any Backend, trimming: Bool) {
            self.model = model
            self.backend = backend
            toTrim = trimming ? model.config.framesToTrim : 0
            memory = Array(repeating: Array(repeating: nil, count: 3), count: model.stages.count)
        }

        /// Decodes the next latent frame `[B, C, h, w]` into its pixel frames `[B, 3, 8h, 8w]` in
        /// [0, 1], in time order: ``Config/temporalUpscale`` of them, fewer while the leading
        /// frames are being trimmed (none for the first latent frame's first three, Wan 2.1).
        public mutating func decode(_ latent: Tensor) throws -> [Tensor] {
            guard latent.rank == 4, latent.shape[1] == model.config.latentChannels else {
                throw TinyDecoderError.invalidInput(operation: "Stream.decode", detail: "latent frame \(latent.shape) is not [B, \(model.config.latentChannels), h, w]")
            }
            let x = try backend.cast(latent, to: model.weightType)  // [B, C, h, w]
            // tanh(x/3)·3: the reference's soft clamp of the latents to (−3, 3).
            var h = try backend.affine(try backend.unary(.tanh, try backend.affine(x, scale: 1 / 3, offset: 0)), scale: 3, offset: 0)
            h = try relu(try model.inputConv(h, on: backend), on: backend)  // [B, n0, h, w]
            var frames: [Tensor] = []
            try run(stage: 0, h, into: &frames)
            return frames
        }

        private mutating func run(stage s: Int, _ x: Tensor, into frames: inout [Tensor]) throws {
            let stage = model.stages[s]
            var h = x
            for (b, block) in stage.blocks.enumerated() {
                let past = try memory[s][b] ?? backend.upload(Tensor(zeros: h.shape, dtype: h.dtype))
                memory[s][b] = h
                h = try block(h, past: past, on: backend)  // [B, n_s, H, W]
            }
            h = try backend.upsampleNearest(h, factors: [2, 2])  // [B, n_s, 2H, 2W]
            for step in try stage.grow(h, on: backend) {
                let next = try stage.conv(step, on: backend)  // [B, n_{s+1}, 2H, 2W]
                if s + 1 < model.stages.count {
                    try run(stage: s + 1, next, into: &frames)
                } else {
                    try finish(next, into: &frames)
                }
            }
        }

        /// The output head: ReLU, the RGB convolution, clamped to [0, 1]; trimmed frames are computed
        /// (their memory-block inputs are needed) but not returned.
        private mutating func finish(_ x: Tensor, into frames: inout [Tensor]) throws {
            guard toTrim == 0 else {
                toTrim -= 1
                return
            }
            let rgb = try model.outputConv(try relu(x, on: backend), on: backend)  // [B, 3, H, W]
            let floor = try relu(rgb, on: backend)
            frames.append(try backend.binary(.minimum, floor, try backend.upload(Tensor(filling: 1, shape: [1], dtype: rgb.dtype))))  // [B, 3, H, W]
        }
    }
}
