import Foundation
import Testing
@testable import Server

@Suite struct RequestParsingTests {
    /// A multipart body as the official client sends it: text parts without a type, a file part.
    static func multipart(boundary: String, fields: [(String, String)], file: (name: String, filename: String, type: String, bytes: [UInt8])?) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.type)\r\n\r\n".utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return body
    }

    @Test func multipartFieldsAndFiles() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
        let body = Self.multipart(boundary: "b0undary", fields: [("prompt", "a cat \"quoted\""), ("seconds", "4"), ("video[id]", "video_1")],
                                  file: ("input_reference", "ref.png", "image/png", png))
        let fields = try RequestFields.multipart(body, contentType: "multipart/form-data; boundary=b0undary")
        #expect(fields["prompt"] == "a cat \"quoted\"")
        #expect(fields["seconds"] == "4")
        #expect(fields["video[id]"] == "video_1")
        #expect(fields.files["input_reference"]?.bytes == png)
        #expect(fields.files["input_reference"]?.filename == "ref.png")
        #expect(fields.files["input_reference"]?.contentType == "image/png")
    }

    @Test func multipartWithoutBoundaryOrBroken() {
        #expect(throws: APIError.self) { try RequestFields.multipart([], contentType: "multipart/form-data") }
        #expect(throws: APIError.self) { try RequestFields.multipart([], contentType: "multipart/form-data; boundary=") }
        let unnamed = Array("--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n".utf8)
        #expect(throws: APIError.self) { try RequestFields.multipart(unnamed, contentType: "multipart/form-data; boundary=b") }
    }

    @Test func tooManyParts() {
        let fields = (0..<(RequestFields.maximumParts + 1)).map { ("f\($0)", "v") }
        let body = Self.multipart(boundary: "x", fields: fields, file: nil)
        #expect(throws: APIError.self) { try RequestFields.multipart(body, contentType: "multipart/form-data; boundary=x") }
    }

    @Test func jsonFlattensNestedObjects() throws {
        let fields = try RequestFields.json(Array(#"{"prompt": "p", "video": {"id": "video_9"}, "seconds": 4, "loop": true, "seed": null}"#.utf8))
        #expect(fields["prompt"] == "p")
        #expect(fields["video[id]"] == "video_9")
        #expect(fields["seconds"] == "4")
        #expect(fields["loop"] == "true")
        #expect(fields["seed"] == nil)
        #expect(throws: APIError.self) { try RequestFields.json(Array("[1]".utf8)) }
        #expect(throws: APIError.self) { try RequestFields.json(Array(#"{"a": [1]}"#.utf8)) }
        #expect(throws: APIError.self) { try RequestFields.json(Array(#"{"a":{"b":{"c":{"d":{"e":1}}}}}"#.utf8)) }
        #expect(throws: APIError.self) { try RequestFields.json(Array("{".utf8)) }
    }

    @Test func urlEncodedForms() throws {
        let fields = try RequestFields.urlEncoded(Array("prompt=a+red%20ball%21&seconds=2&video%5Bid%5D=video_1&empty=".utf8))
        #expect(fields["prompt"] == "a red ball!")
        #expect(fields["seconds"] == "2")
        #expect(fields["video[id]"] == "video_1")
        #expect(fields["empty"] == "")
        for bad in ["a=%zz", "a=%4", "=x", "a=%ff%fe"] {
            #expect(throws: APIError.self, "\(bad)") { try RequestFields.urlEncoded(Array(bad.utf8)) }
        }
    }

    @Test func videoUploadsAreCheckedByContent() {
        #expect(VideoUpload.kind(of: [0, 0, 0, 0x18] + Array("ftypisom".utf8)) == "mp4")
        #expect(VideoUpload.kind(of: [0x1A, 0x45, 0xDF, 0xA3, 0x9F]) == "webm")
        #expect(VideoUpload.kind(of: Array("GIF89a".utf8)) == "gif")
        #expect(VideoUpload.kind(of: Array("#!/bin/sh".utf8)) == nil)
    }

    @Test func headerParameters() {
        #expect(MultipartHeader.parameter("boundary", in: "multipart/form-data; boundary=abc") == "abc")
        #expect(MultipartHeader.parameter("boundary", in: "multipart/form-data; charset=utf-8; boundary=\"a b;c\"") == "a b;c")
        #expect(MultipartHeader.parameter("name", in: "form-data; name=\"x\\\"y\"; filename=\"f.png\"") == "x\"y")
        #expect(MultipartHeader.parameter("filename", in: "form-data; name=\"x\"; filename=\"f.png\"") == "f.png")
        #expect(MultipartHeader.parameter("filename", in: "form-data; name=\"x\"") == nil)
    }

    @Test func byteRanges() throws {
        #expect(try ByteRanges.parse("bytes=0-99", count: 1000) == 0..<100)
        #expect(try ByteRanges.parse("bytes=900-", count: 1000) == 900..<1000)
        #expect(try ByteRanges.parse("bytes=-10", count: 1000) == 990..<1000)
        #expect(try ByteRanges.parse("bytes=990-5000", count: 1000) == 990..<1000)
        #expect(try ByteRanges.parse("bytes=0-1, 5-6", count: 1000) == nil)
        #expect(try ByteRanges.parse("items=0-1", count: 1000) == nil)
        for bad in ["bytes=1000-", "bytes=5-2", "bytes=-0", "bytes=a-b", "bytes=-", "bytes=99999999999999999999-"] {
            #expect(throws: APIError.self, "\(bad)") { try ByteRanges.parse(bad, count: 1000) }
        }
    }

    @Test func imagesAreCheckedByContent() throws {
        #expect(ImageUpload.kind(of: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == "png")
        #expect(ImageUpload.kind(of: [0xFF, 0xD8, 0xFF, 0xE0]) == "jpeg")
        #expect(ImageUpload.kind(of: Array("RIFF\0\0\0\0WEBPVP8 ".utf8)) == "webp")
        #expect(ImageUpload.kind(of: Array("#!/bin/sh".utf8)) == nil)
        let url = "data:image/png;base64," + Data([0x89, 0x50, 0x4E, 0x47]).base64EncodedString()
        #expect(try ImageUpload.dataURL(url).bytes == [0x89, 0x50, 0x4E, 0x47])
        #expect(throws: APIError.self) { try ImageUpload.dataURL("http://169.254.169.254/latest") }
        #expect(throws: APIError.self) { try ImageUpload.dataURL("data:image/png,notbase64") }
        var fields = RequestFields()
        fields.files["input_reference"] = Upload(filename: "x.png", contentType: "image/png", bytes: Array("not an image".utf8))
        #expect(throws: APIError.self) { try ImageUpload.reference(in: fields) }
    }

    @Test func apiErrorEnvelopeHasFourKeys() {
        let error = APIError.invalid("bad size", param: "size", code: "invalid_size")
        #expect(error.body.serialized == #"{"error":{"code":"invalid_size","message":"bad size","param":"size","type":"invalid_request_error"}}"#)
        let plain = APIError(.internalServerError, "oops", type: "server_error")
        #expect(plain.body.serialized == #"{"error":{"code":null,"message":"oops","param":null,"type":"server_error"}}"#)
    }
}
