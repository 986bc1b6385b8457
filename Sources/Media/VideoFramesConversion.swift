import Tensor

extension VideoFrames {
    /// The clip as diffusers' `VideoProcessor.preprocess_video` hands it to the VAE: `[1, 3, F, H, W]`
    /// float32 with `x = u / 255` (`np.float32(u) / np.float32(255)`) then `2·x − 1`, both in float32.
    public func tensor() throws -> Tensor {
        try planarTensor(VideoFrames.diffusersValues)
    }

    /// `[1, 3, F, H, W]` float32 values that ``RGBFrame/byte(fromDecoded:)`` (the writers' conversion)
    /// turns back into exactly these bytes: `(2u + 1) / 255 − 1`, the middle of each byte's interval,
    /// so a clip that skips the model comes out of a writer unchanged.
    public func passthroughTensor() throws -> Tensor {
        try planarTensor(VideoFrames.passthroughValues)
    }

    /// Each pixel's grey level in [0, 1], `(R + G + B) / (3 · 255)`, for masks: `count · height · width`
    /// values, frame by frame, rows top to bottom.
    public func grayLevels() -> [Float] {
        let pixelCount = count * width * height
        return [Float](unsafeUninitializedCapacity: pixelCount) { out, initialized in
            pixels.withUnsafeBufferPointer { source in
                for i in 0..<pixelCount {
                    let sum = Int(source[3 * i]) + Int(source[3 * i + 1]) + Int(source[3 * i + 2])
                    out[i] = Float(sum) / 765
                }
            }
            initialized = pixelCount
        }
    }

    /// diffusers' value for each byte.
    static let diffusersValues: [Float] = (0..<256).map { u in
        let x = Float(u) / Float(255)
        return 2 * x - 1
    }

    /// The value in the middle of the interval ``RGBFrame/byte(fromDecoded:)`` maps to each byte.
    static let passthroughValues: [Float] = (0..<256).map { u in Float(2 * u + 1) / 255 - 1 }

    /// The clip in `[1, 3, F, H, W]` layout, each byte replaced by `table[byte]`.
    private func planarTensor(_ table: [Float]) throws -> Tensor {
        let plane = width * height
        let result = Tensor(uninitialized: [1, 3, count, height, width])  // [1, 3, F, H, W]
        guard let base = result.storage.hostPointer else {
            throw MediaError.invalidFrames(detail: "the tensor for a clip was not allocated on the host")
        }
        let out = base.assumingMemoryBound(to: Float.self)
        table.withUnsafeBufferPointer { values in
            pixels.withUnsafeBufferPointer { source in
                for f in 0..<count {
                    let frame = f * plane
                    for c in 0..<3 {
                        let destination = out + (c * count + f) * plane  // element [0, c, f, 0, 0]
                        for i in 0..<plane { destination[i] = values[Int(source[(frame + i) * 3 + c])] }
                    }
                }
            }
        }
        return result
    }
}
