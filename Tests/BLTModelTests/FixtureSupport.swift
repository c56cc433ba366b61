import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

/// Access to the committed parity fixtures (made by Notebooks-as-scripts/make_parity_fixtures.py with
/// transformers 5.24.0; see Fixtures/README.md).
enum Fixtures {
    static var root: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    static func directory(_ name: String) -> URL { root.appendingPathComponent(name) }

    struct Input: Decodable { let name: String; let bytes_hex: String }
    struct Inputs: Decodable { let inputs: [Input] }

    static func inputs(_ caseName: String) throws -> [(name: String, bytes: [UInt8])] {
        let data = try Data(contentsOf: directory(caseName).appendingPathComponent("inputs.json"))
        return try JSONDecoder().decode(Inputs.self, from: data).inputs.map { input in
            var bytes: [UInt8] = []
            var chars = Array(input.bytes_hex.utf8)[...]
            while chars.count >= 2 {
                bytes.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16)!)
                chars = chars.dropFirst(2)
            }
            return (input.name, bytes)
        }
    }

    /// `hooks.json` (the original contract) or `attention_hooks.json` (every hook, attention included).
    static func hookNames(_ caseName: String, file: String = "hooks.json") throws -> [String] {
        struct Names: Decodable { let hook_names: [String] }
        let data = try Data(contentsOf: directory(caseName).appendingPathComponent(file))
        return try JSONDecoder().decode(Names.self, from: data).hook_names
    }

    static func reference(_ caseName: String, file: String = "reference.safetensors") throws -> SafetensorsFile {
        try SafetensorsFile(path: directory(caseName).appendingPathComponent(file).path)
    }

    /// Loads a fixture checkpoint (cheap: a few hundred KB, memory-mapped).
    static func model(_ name: String) throws -> BLTModel {
        try BLTModel(directory: directory(name))
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var m: Float = 0
    for i in a.indices {
        let d = abs(a[i] - b[i])
        if d.isNaN { return .nan }
        m = max(m, d)
    }
    return m
}
