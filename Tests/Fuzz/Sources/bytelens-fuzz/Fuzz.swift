// libFuzzer targets for ByteLens's parsers of untrusted input. One binary, the target chosen by the
// environment variable BYTELENS_FUZZ_TARGET (config, safetensors, jsonl, patching, probe-run):
//
//   Tests/Fuzz/run.sh --minutes N [TARGET...]     (builds with --sanitize=fuzzer, runs each target)
//
// Built without -DFUZZING (a plain `swift build`), the same code is an ordinary executable that runs each
// file given on the command line through the target once: `bytelens-fuzz config Tests/Fuzz/corpus/config/*`.
// Any thrown error is a correct answer; a trap, a crash, a hang or an unbounded allocation is a bug.
import BLTModel
import Foundation
import HDF5Store
import Ladders
import Probing

enum FuzzTarget: String, CaseIterable {
    case config, safetensors, jsonl, patching, probeRun = "probe-run"

    /// The tiny shipped-shape config used by the patching target.
    static let tinyConfig: BLTConfig = {
        let json = #"{"patching_threshold": 1.5, "max_patch_length": 8, "encoder_config": {"hidden_size": 32, "num_attention_heads": 4, "hidden_size_global": 64}, "decoder_config": {"hidden_size": 32, "num_attention_heads": 4, "hidden_size_global": 64}, "global_config": {"hidden_size": 64, "num_attention_heads": 4}, "patcher_config": {"hidden_size": 32, "num_attention_heads": 4}}"#
        return try! BLTConfig(jsonData: Data(json.utf8))
    }()

    func run(_ bytes: [UInt8]) {
        switch self {
        case .config:
            // config.json, then everything derived from it: the expected tensors and their element counts.
            guard let config = try? BLTConfig(jsonData: Data(bytes)) else { return }
            var elements = 0
            for spec in config.expectedTensors {
                var product = 1
                for d in spec.shape {
                    precondition(d >= 0, "negative dimension in \(spec.name)")
                    product = product.multipliedReportingOverflow(by: d).partialValue
                }
                elements = elements &+ product
            }
            _ = config.encoderCrossOutputSize
            _ = config.hashTableCount
        case .safetensors:
            // The whole header path (an in-memory copy instead of the mmap); reads of every tensor it accepts.
            guard let file = try? SafetensorsFile(mapped: MappedFile(copying: bytes, name: "fuzz.safetensors")) else { return }
            for slice in file.tensors.values where slice.dtype.isFloatWeight && slice.elementCount <= 1 << 16 {
                _ = slice.floats()
            }
        case .jsonl:
            guard let entries = try? CustomDataset.parseJSONL(Data(bytes), path: "fuzz.jsonl") else { return }
            for entry in entries { _ = entry.content.count }
        case .patching:
            // "spec\nbytes": a --patching spec, then the bytes to patch with made-up entropies.
            let split = bytes.firstIndex(of: 10) ?? bytes.count
            let spec = String(decoding: bytes[..<split], as: UTF8.self)
            let text = Array(bytes[min(split + 1, bytes.count)...].prefix(512))
            guard let (strategy, _) = try? StudyPlan.parsePatching(spec, config: Self.tinyConfig) else { return }
            let entropy = (0...text.count).map { Float(($0 * 7919) % 40) / 10 }
            if let lengths = try? Patching.lengths(strategy: strategy, bytes: text, entropy: entropy, config: Self.tinyConfig) {
                precondition(lengths.reduce(0, +) == text.count + 1, "patch lengths do not cover the input")
            }
        case .probeRun:
            // A probe.h5 image read the way `probe inspect`, `report` and `heatmap` read it.
            guard let file = try? HDF5File.open(image: bytes, name: "fuzz.h5"),
                  let reader = try? ProbeRunReader(file: file, path: "fuzz.h5", allowPartial: true) else { return }
            _ = try? reader.summary(itemLimit: 3)
            _ = try? reader.statistics()
            _ = try? reader.itemRecords()
            for index in 0..<min(reader.completedItemCount, 8) { _ = try? reader.item(at: index) }
            for column in reader.layout.measureColumns.prefix(2) { _ = try? reader.probeMeasure(column) }
            _ = try? reader.column("bytes/entropy", as: Float.self)
            reader.close()
        }
    }
}

let selected: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["BYTELENS_FUZZ_TARGET"] ?? CommandLine.arguments.dropFirst().first ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("set BYTELENS_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    selected.run(bytes)
    return 0
}

#if !FUZZING
/// Replay mode: `bytelens-fuzz TARGET FILE...` runs each file once (no sanitizer needed).
@main
struct Replay {
    static func main() {
        let files = CommandLine.arguments.dropFirst(2)
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            selected.run([UInt8](data))
        }
        print("\(selected.rawValue): \(files.count) inputs replayed, no crash")
    }
}
#endif
