import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

/// Every number read from `config.json` or a safetensors header is untrusted: extreme values must give a
/// typed error naming the field (or a valid model), never a trap, a hang or a huge allocation.
@Suite("Untrusted numbers in config.json and safetensors headers")
struct UntrustedNumbersTests {
    static let extremes: [Int] = [0, -1, 1 << 31, 1 << 62, Int.max]
    static let topFields = ["vocab_size", "cross_attn_k", "encoder_hash_byte_group_vocab", "encoder_hash_byte_group_nb_functions",
                            "max_patch_length", "patch_size", "local_attention_window_len"]
    static let stackFields = ["hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                              "intermediate_size", "sliding_window", "cross_attn_k", "hidden_size_global", "vocab_size"]
    static let stacks = ["patcher_config", "encoder_config", "decoder_config", "global_config"]

    static func config() throws -> [String: Any] {
        let url = Fixtures.directory("tiny_default").appendingPathComponent("config.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    /// Loads the tiny model with `config` (the real weights): a thrown error or a model, nothing else.
    static func load(_ config: [String: Any]) throws -> Result<BLTModel, Error> {
        let source = Fixtures.directory("tiny_default")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-untrusted-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("model.safetensors"),
                                                   withDestinationURL: source.appendingPathComponent("model.safetensors"))
        return Result { try BLTModel(directory: dir) }
    }

    @Test("every integer field set to 0, -1, 2^31, 2^62, Int.max: a named error or a valid model",
          arguments: topFields.map { ("", $0) } + stacks.flatMap { stack in stackFields.map { (stack, $0) } })
    func extremeValues(stack: String, field: String) throws {
        for value in Self.extremes {
            var config = try Self.config()
            if stack.isEmpty {
                config[field] = value
            } else {
                var sub = config[stack] as? [String: Any] ?? [:]
                sub[field] = value
                config[stack] = sub
            }
            let json = try JSONSerialization.data(withJSONObject: config)
            let parsed = Result { () throws(BLTConfigError) -> BLTConfig in try BLTConfig(jsonData: json) }
            if case .failure(let error) = parsed {
                // A value above the caps is named with its field (or the hash product it feeds).
                let text = error.description
                if value > 1 << 30 {
                    #expect(text.contains(field) || text.contains("hash"), "\(stack).\(field) = \(value): \(text)")
                }
                continue
            }
            // The config parsed: loading the tiny weights with it must fail cleanly or succeed.
            if case .failure(let error) = try Self.load(config) {
                #expect(error is CheckpointError || error is BLTConfigError, "\(stack).\(field) = \(value): \(type(of: error)) \(error)")
            }
        }
    }

    @Test("n-gram sizes, hash table products and non-finite floats are capped")
    func productsAndFloats() throws {
        for (json, field) in [
            (#"{"encoder_hash_byte_group_size": [3, 1000000000000]}"#, "encoder_hash_byte_group_size"),
            (#"{"encoder_hash_byte_group_nb_functions": 64, "encoder_hash_byte_group_vocab": 67108864}"#, "encoder_hash_byte_group_vocab"),
            (#"{"global_config": {"num_hidden_layers": 1e8}}"#, "global_config.num_hidden_layers"),
            (#"{"global_config": {"rope_theta": 1e300}}"#, "global_config.rope_theta"),
            (#"{"encoder_config": {"rms_norm_eps": 1e300}}"#, "encoder_config.rms_norm_eps"),
            (#"{"patcher_config": {"hidden_size": 4611686018427387904}}"#, "patcher_config.hidden_size"),
        ] {
            #expect {
                _ = try BLTConfig(jsonData: Data(json.utf8))
            } throws: { error in
                guard case .invalidValue(_, let f, _, _) = error as? BLTConfigError else { return false }
                return f == field
            }
        }
    }

    // MARK: Safetensors headers

    static func safetensors(header: String, data: [UInt8]) -> Data {
        var out = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(Data(header.utf8))
        out.append(contentsOf: data)
        return out
    }

    static func parse(_ file: Data) throws -> SafetensorsFile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-st-\(UUID().uuidString).safetensors").path
        try file.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try SafetensorsFile(path: path)
    }

    @Test("safetensors headers: gaps, trailing bytes, non-integer shapes and duplicate keys are refused")
    func safetensorsHeaders() throws {
        let ok = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        _ = try Self.parse(Self.safetensors(header: ok + "    ", data: [UInt8](repeating: 0, count: 12)))
        let cases: [(String, Int, String)] = [
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12, "belong to no tensor"),   // gap at the start
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 12, "trailing data bytes"),   // trailing bytes
            (#"{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, 8, "not an integer"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8e0]}}"#, 8, "not an integer"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8, "duplicate key"),
            (#"{"a":{"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]}}"#, 8, "duplicate key"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x"#, 8, "text after"),
            (String(repeating: "[", count: 100_000), 0, "nesting deeper"),
        ]
        for (header, bytes, message) in cases {
            do {
                _ = try Self.parse(Self.safetensors(header: header, data: [UInt8](repeating: 0, count: bytes)))
                Issue.record("accepted: \(header.prefix(80))")
            } catch let error as CheckpointError {
                #expect("\(error)".contains(message), "\(header.prefix(80)): \(error)")
            }
        }
    }

    @Test("a FIFO in place of model.safetensors is refused without blocking")
    func fifoWeights() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.safetensors").path
        #expect(mkfifo(path, 0o644) == 0)
        #expect(throws: CheckpointError.self) { _ = try SafetensorsFile(path: path) }
    }
}
