import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

/// Broken checkpoints built from the valid `tiny_default` one in a temporary directory. Each must
/// produce its specific `CheckpointError`, never a crash.
@Suite("Malformed checkpoints")
struct MalformedCheckpointTests {
    /// The valid file split into header JSON object and data section.
    struct Parts {
        var header: [String: Any]
        var data: Data
    }

    static let source = Fixtures.directory("tiny_default")

    static func parts() throws -> Parts {
        let bytes = try Data(contentsOf: source.appendingPathComponent("model.safetensors"))
        let length = Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as! [String: Any]
        return Parts(header: header, data: bytes.subdata(in: (8 + length)..<bytes.count))
    }

    static func encode(headerJSON: Data, data: Data) -> Data {
        var out = Data()
        withUnsafeBytes(of: UInt64(headerJSON.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(headerJSON)
        out.append(data)
        return out
    }

    static func encode(_ parts: Parts) throws -> Data {
        encode(headerJSON: try JSONSerialization.data(withJSONObject: parts.header, options: [.sortedKeys]), data: parts.data)
    }

    /// A fresh checkpoint directory with the valid config and the given `model.safetensors` bytes.
    static func directory(with file: Data, config: Data? = nil) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-malformed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try (config ?? Data(contentsOf: source.appendingPathComponent("config.json"))).write(to: dir.appendingPathComponent("config.json"))
        try file.write(to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    static func load(_ file: Data) throws -> Error? {
        let dir = try directory(with: file)
        defer { try? FileManager.default.removeItem(at: dir) }
        do { _ = try BLTModel(directory: dir); return nil } catch { return error }
    }

    func entry(_ parts: Parts, _ name: String) -> [String: Any] { parts.header[name] as! [String: Any] }

    @Test("the unmodified round trip loads (control)")
    func control() throws {
        #expect(try Self.load(try Self.encode(try Self.parts())) == nil)
    }

    @Test("truncated files: inside the length, inside the header, inside the data")
    func truncated() throws {
        let valid = try Self.encode(try Self.parts())
        let headerEnd = 8 + Int(valid.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        guard case .truncatedHeader? = try Self.load(valid.prefix(5)) as? CheckpointError else {
            Issue.record("5 bytes: expected truncatedHeader"); return
        }
        guard case .truncatedHeader? = try Self.load(valid.prefix(headerEnd - 10)) as? CheckpointError else {
            Issue.record("cut header: expected truncatedHeader"); return
        }
        guard case .offsetsOutOfRange? = try Self.load(valid.prefix(valid.count - 100)) as? CheckpointError else {
            Issue.record("cut data: expected offsetsOutOfRange"); return
        }
        // Every prefix length near the header boundary fails with a CheckpointError, never a crash.
        for length in Swift.stride(from: 0, to: headerEnd + 64, by: 251) {
            #expect(try Self.load(valid.prefix(length)) is CheckpointError, "prefix \(length)")
        }
        guard case .truncatedHeader(_, 0, 8)? = try Self.load(Data()) as? CheckpointError else {
            Issue.record("empty file: expected truncatedHeader"); return
        }
    }

    @Test("a header that is not JSON")
    func badJSON() throws {
        let p = try Self.parts()
        var json = try JSONSerialization.data(withJSONObject: p.header)
        json[0] = UInt8(ascii: "x")   // "x\"lm_head.weight\": ..." is not JSON
        guard case .invalidHeader? = try Self.load(Self.encode(headerJSON: json, data: p.data)) as? CheckpointError else {
            Issue.record("expected invalidHeader"); return
        }
        guard case .invalidHeader? = try Self.load(Self.encode(headerJSON: Data("[1, 2]".utf8), data: p.data)) as? CheckpointError else {
            Issue.record("expected invalidHeader for a non-object"); return
        }
    }

    @Test("overlapping data offsets")
    func overlapping() throws {
        var p = try Self.parts()
        var a = entry(p, "model.local_decoder.norm.weight")
        let b = entry(p, "model.local_encoder.layers.0.input_layernorm.weight")
        // Give `a` the offsets of `b` (same byte count: both are [hidden] F32 norms).
        a["data_offsets"] = b["data_offsets"]
        p.header["model.local_decoder.norm.weight"] = a
        let error = try Self.load(try Self.encode(p))
        guard case .overlappingTensors? = error as? CheckpointError else {
            Issue.record("expected overlappingTensors, got \(String(describing: error))"); return
        }
    }

    @Test("wrong shape names the tensor with expected and actual shapes")
    func wrongShape() throws {
        var p = try Self.parts()
        let name = "model.local_encoder.patch_embedding_projection.weight"
        var e = entry(p, name)
        let shape = e["shape"] as! [Int]
        e["shape"] = [shape[1], shape[0]]
        p.header[name] = e
        let error = try Self.load(try Self.encode(p)) as? CheckpointError
        guard case let .wrongShape(_, tensor, expected, actual)? = error else {
            Issue.record("expected wrongShape, got \(String(describing: error))"); return
        }
        #expect(tensor == name && expected == shape && actual == [shape[1], shape[0]])
        #expect(error!.description.contains(name))
    }

    @Test("missing tensor")
    func missing() throws {
        var p = try Self.parts()
        // Renamed rather than dropped: dropping its entry would leave its bytes owned by no tensor, which is
        // refused first (see UntrustedNumbersTests).
        p.header["unused.extra_tensor"] = p.header.removeValue(forKey: "lm_head.weight")
        let error = try Self.load(try Self.encode(p)) as? CheckpointError
        guard case let .missingTensor(name, _, _)? = error else {
            Issue.record("expected missingTensor, got \(String(describing: error))"); return
        }
        #expect(name == "lm_head.weight")
    }

    @Test("unknown and unsupported dtypes, inconsistent byte counts")
    func dtypes() throws {
        var p = try Self.parts()
        var e = entry(p, "lm_head.weight")
        e["dtype"] = "F33"
        p.header["lm_head.weight"] = e
        guard case .unknownDType(_, "lm_head.weight", "F33")? = try Self.load(try Self.encode(p)) as? CheckpointError else {
            Issue.record("expected unknownDType"); return
        }
        e["dtype"] = "I32"   // same byte size as F32: a valid file, but not a float weight
        p.header["lm_head.weight"] = e
        guard case .unsupportedDType(_, "lm_head.weight", "I32")? = try Self.load(try Self.encode(p)) as? CheckpointError else {
            Issue.record("expected unsupportedDType"); return
        }
        e["dtype"] = "BF16"  // half the bytes the offsets hold
        p.header["lm_head.weight"] = e
        guard case .byteCountMismatch(_, "lm_head.weight", _, "BF16", _)? = try Self.load(try Self.encode(p)) as? CheckpointError else {
            Issue.record("expected byteCountMismatch"); return
        }
    }

    @Test("a shard named by the index is missing")
    func missingShard() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-shards-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Fixtures.directory("tiny_default-sharded"), to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("model-00003-of-00005.safetensors"))
        #expect(throws: CheckpointError.fileMissing(path: dir.appendingPathComponent("model-00003-of-00005.safetensors").path)) {
            _ = try BLTModel(directory: dir)
        }
    }

    @Test("a config inconsistent with itself is rejected before weights are read")
    func badConfig() throws {
        let file = try Data(contentsOf: Self.source.appendingPathComponent("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.source.appendingPathComponent("config.json"))) as! [String: Any]
        var decoder = config["decoder_config"] as! [String: Any]
        decoder["cross_attn_k"] = 3
        config["decoder_config"] = decoder
        let dir = try Self.directory(with: file, config: try JSONSerialization.data(withJSONObject: config))
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect { _ = try BLTModel(directory: dir) } throws: { error in
            guard case .invalidValue(_, "decoder_config.cross_attn_k", _, _)? = error as? BLTConfigError else { return false }
            return true
        }
    }
}
