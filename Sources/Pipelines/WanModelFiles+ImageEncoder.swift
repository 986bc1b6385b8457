import CLIPVision
import Tensor

/// The CLIP image encoder and image processor of an image-to-video model (Wan 2.1 I2V, FLF2V): the
/// folder's `image_encoder/` (transformers' `CLIPVisionModel` or `...WithProjection`) and
/// `image_processor/preprocessor_config.json`, or a single file in their place (the original Wan
/// release's `models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth`, whose vision tower is read
/// and the rest ignored) with the ViT-H/14 processor settings.
extension WanModelFiles {
    func loadImageEncoder(dtype: DType, uploadingTo backend: (any Backend)?, reading: WeightReading) throws -> CLIPVisionEncoder {
        if let path = imageEncoderOverride {
            return try CLIPVisionEncoder(weights: reading(try openWeights(path: path)), dtype: dtype, uploadingTo: backend)
        }
        try checkImageEncoder()
        let component = try self.component("image_encoder")
        guard let weights = try component.openWeights() else {
            throw WanModelError.missingFile(folder: component.path ?? folder.path, file: "model.safetensors (the CLIP image encoder's weights)")
        }
        guard let json = component.config else {
            return try CLIPVisionEncoder(weights: reading(weights), dtype: dtype, uploadingTo: backend)
        }
        return try CLIPVisionEncoder(config: try CLIPVisionEncoder.Config(json: json, file: component.configPath),
                                     weights: reading(weights), dtype: dtype, uploadingTo: backend)
    }

    /// The folder's image processor settings, or the ViT-H/14 ones the original Wan release uses.
    public func imageProcessor() throws -> CLIPImageProcessor {
        guard let component = folder.component(named: "image_processor"), let json = component.config else {
            return .openCLIPViTH14
        }
        return try CLIPImageProcessor(json: json, file: component.configPath)
    }

    /// Throws one line unless there is an image encoder to load: the folder's `image_encoder/` or a file in its place.
    func checkImageEncoder() throws {
        if imageEncoderOverride != nil { return }
        guard let component = folder.component(named: "image_encoder"), component.path != nil else {
            throw WanModelError.missingImageEncoder(folder: folder.path)
        }
    }
}
