import Foundation
import Media

/// The image a create request animates (`input_reference`): a file part, or a `data:` URL in
/// `input_reference[image_url]` (JSON or multipart). Checked by content: its bytes must start like a
/// PNG, JPEG or WebP file and decode (through ffmpeg) to a picture. The server fetches no URLs.
enum ImageUpload {
    /// The largest image accepted, in bytes (OpenAI's limit for `image_url`).
    static let maximumBytes = 20 << 20

    static func reference(in fields: RequestFields) throws -> Upload? {
        if fields["input_reference[file_id]"] != nil {
            throw APIError.invalid("input_reference.file_id is not supported here: upload the image, or send it as a data URL in image_url",
                                   param: "input_reference", code: "unsupported_value")
        }
        var upload = fields.files["input_reference"]
        if let url = fields["input_reference[image_url]"] ?? fields["input_reference"] {
            guard upload == nil else {
                throw APIError.invalid("give input_reference as a file or as an image_url, not both", param: "input_reference")
            }
            upload = try dataURL(url)
        }
        guard let upload else { return nil }
        guard upload.bytes.count <= maximumBytes else {
            throw APIError.invalid("input_reference is \(upload.bytes.count) bytes; at most \(maximumBytes) are allowed",
                                   param: "input_reference", code: "invalid_image")
        }
        guard kind(of: upload.bytes) != nil else {
            throw APIError.invalid("input_reference is not a PNG, JPEG or WebP image", param: "input_reference", code: "invalid_image")
        }
        return upload
    }

    /// `data:image/png;base64,...` decoded; any other URL is refused (the server makes no outbound requests).
    static func dataURL(_ text: String) throws -> Upload {
        guard text.hasPrefix("data:"), let comma = text.firstIndex(of: ",") else {
            throw APIError.invalid("input_reference.image_url must be a base64 data URL (data:image/png;base64,...); this server fetches no URLs",
                                   param: "input_reference", code: "invalid_image_url")
        }
        let header = text[text.index(text.startIndex, offsetBy: 5)..<comma]
        guard header.hasSuffix(";base64"), let bytes = Data(base64Encoded: String(text[text.index(after: comma)...]), options: .ignoreUnknownCharacters) else {
            throw APIError.invalid("input_reference.image_url is not valid base64 data", param: "input_reference", code: "invalid_image_url")
        }
        return Upload(filename: nil, contentType: String(header.dropLast(7)), bytes: [UInt8](bytes))
    }

    /// The image format `bytes` start with, by their magic numbers.
    static func kind(of bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "jpeg" }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "webp" }
        return nil
    }

    /// Decodes the image's first frame through ffmpeg (a scratch file, removed after): a 400 when it
    /// does not decode, a 500 when ffmpeg is missing.
    static func checkDecodes(_ upload: Upload, scratch: ScratchFolder) throws {
        let path = try scratch.write(upload.bytes, suffix: "." + (kind(of: upload.bytes) ?? "img"))
        defer { scratch.remove(path) }
        do {
            let size = try MediaReader.size(of: path)
            guard size.width > 0, size.height > 0, size.width <= 16384, size.height <= 16384 else {
                throw APIError.invalid("input_reference is \(size.width)x\(size.height); images up to 16384 pixels a side are accepted",
                                       param: "input_reference", code: "invalid_image")
            }
        } catch let error as MediaError {
            if case .ffmpegNotFound = error { throw APIError(.internalServerError, "\(error)", type: "server_error") }
            throw APIError.invalid("input_reference does not decode as an image", param: "input_reference", code: "invalid_image")
        }
    }
}
