import ArgumentParser
import BLTModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HDF5Store

/// `probe trace`: one forward pass, written to HDF5.
struct Trace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one forward pass and write ids, entropy, patches, logits and captured hooks to HDF5.",
        discussion: """
        Datasets: /input_ids (int64 [N], BOS first), /entropy (float32 [N], nats; absent if the \
        checkpoint has no patcher), /patch_lengths (int64 [P]), /patch_ids and /decoder_patch_ids \
        (int64 [N]), /logits (float32 [N, 260]) and /hooks/<hook name> (float32) for every hook \
        matching a --hooks pattern. Each hook dataset carries the attributes 'transformers_module' and \
        'shape'. The file is written under a temporary name and renamed when complete.

        Examples:
          probe trace --model Assets/models/bytelens-tiny --text 'Hi there' --out t.h5
          probe trace --model M --text-file page.txt --hooks 'global.*' --out t.h5
          probe trace --model M --text 'abc def' --patching fixed:4 --out t.h5
        """)

    @Option(name: .long, help: "Checkpoint directory in Hugging Face layout.")
    var model: String

    @Option(name: .long, help: "Input text (UTF-8).")
    var text: String?

    @Option(name: .customLong("text-file"), help: "Read the input bytes from this file (raw bytes, any encoding).")
    var textFile: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Hook names or globs to capture (see `probe hooks`).")
    var hooks: [String] = []

    @Option(name: .long, help: """
        Patching: default | threshold[:T] | rise:R | and:T:R | or:T:R | fixed:N | space | lengths:L1,L2,...
        """)
    var patching: String = "default"

    @Option(name: .long, help: "Output HDF5 file.")
    var out: String

    func validate() throws {
        if (text == nil) == (textFile == nil) { throw ValidationError("give exactly one of --text or --text-file") }
        _ = try Self.parsePatching(patching)
    }

    static func parsePatching(_ spec: String) throws -> PatchingStrategy {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func number(_ s: String) throws -> Float {
            guard let v = Float(s), v.isFinite else { throw ValidationError("--patching: '\(s)' is not a number") }
            return v
        }
        switch (parts[0], parts.count) {
        case ("default", 1): return .configDefault
        case ("threshold", 1): return .entropyThreshold(nil)
        case ("threshold", 2): return .entropyThreshold(try number(parts[1]))
        case ("rise", 2): return .entropyRise(try number(parts[1]))
        case ("and", 3): return .entropyThresholdAndRise(threshold: try number(parts[1]), rise: try number(parts[2]))
        case ("or", 3): return .entropyThresholdOrRise(threshold: try number(parts[1]), rise: try number(parts[2]))
        case ("fixed", 2):
            guard let n = Int(parts[1]), n > 0 else { throw ValidationError("--patching fixed:N needs a positive integer") }
            return .fixed(n)
        case ("space", 1): return .space
        case ("lengths", 2):
            let values = parts[1].split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= 0 }) else {
                throw ValidationError("--patching lengths: needs comma-separated non-negative integers")
            }
            return .explicit(values.map { $0! })
        default:
            throw ValidationError("--patching '\(spec)' is not one of default, threshold[:T], rise:R, and:T:R, or:T:R, fixed:N, space, lengths:...")
        }
    }

    func run() async throws {
        let bytes: [UInt8]
        if let text {
            bytes = Array(text.utf8)
        } else {
            guard let data = FileManager.default.contents(atPath: textFile!) else {
                throw ValidationError("cannot read --text-file \(textFile!)")
            }
            bytes = Array(data)
        }
        let loaded = try BLTModel(path: model)
        var hookSet = HookSet()
        for pattern in hooks { hookSet.capture(pattern) }
        let started = Date()
        let result = try loaded.forward(bytes: bytes, options: ForwardOptions(patching: try Self.parsePatching(patching), hooks: hookSet))
        let seconds = Date().timeIntervalSince(started)
        try Self.write(result, model: loaded, bytes: bytes, to: out)
        print("wrote \(out): N = \(result.inputIDs.count) tokens, P = \(result.patchLengths.count) patches, "
              + "\(result.activations.count) hooks, forward \(String(format: "%.3f", seconds)) s")
    }

    /// Writes the trace under a temporary name in the destination directory, then renames it.
    static func write(_ result: ForwardResult, model: BLTModel, bytes: [UInt8], to path: String) throws {
        let destination = URL(fileURLWithPath: path)
        let temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try writeFile(result, model: model, bytes: bytes, at: temporary.path)
            // POSIX rename replaces an existing file atomically (Foundation's replaceItemAt does not
            // work reliably on Linux).
            if rename(temporary.path, destination.path) != 0 {
                throw ValidationError("cannot move the finished trace to \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// netCDF dimension name of a hook axis.
    private static func dimensionName(_ rows: HookRows) -> String {
        switch rows {
        case .bytes: return "position"
        case .patches: return "patch"
        case .patchSlots: return "patch_slot"
        case .headBytes: return "head_position"
        case .headPatches: return "head_patch"
        case .headPatchSlots: return "head_patch_slot"
        }
    }

    private static func writeFile(_ result: ForwardResult, model: BLTModel, bytes: [UInt8], at path: String) throws {
        let file = try HDF5File.create(at: path)
        try file.setAttribute("model_directory", model.directory.path)
        try file.setAttribute("n_bytes", Int64(bytes.count))
        try file.setAttribute("entropy_units", "nats")
        // Named dimensions (netCDF-4 dimension scales) so xarray opens the file without phony_dims:
        // "position" (N bytes incl. BOS), "patch" (P), "patch_slot" (P*k), "vocab", and one
        // "width_<C>" per column count of the hooks.
        try file.createDataset("input_ids", values: result.inputIDs.map(Int64.init), dimensions: ["position"])
        if let entropy = result.entropy { try file.createDataset("entropy", values: entropy, dimensions: ["position"]) }
        try file.createDataset("patch_lengths", values: result.patchLengths.map(Int64.init), dimensions: ["patch"])
        try file.createDataset("patch_ids", values: result.patchIDs.map(Int64.init), dimensions: ["position"])
        try file.createDataset("decoder_patch_ids", values: result.decoderPatchIDs.map(Int64.init), dimensions: ["position"])
        if let logits = result.logits {
            try file.createDataset("logits", values: logits.values, dimensions: ["position", "vocab"], shape: logits.shape)
        }
        let group = try file.createGroup("hooks")
        let points = Dictionary(uniqueKeysWithValues: model.hookPoints.map { ($0.name, $0) })
        for name in result.activations.keys.sorted() {
            let tensor = result.activations[name]!
            let rowDimension = dimensionName(points[name]?.rows ?? .bytes)
            // Attention scores and patterns: [H*rows, keys], the columns are the key axis.
            let columnDimension = points[name]?.keys.map(dimensionName) ?? "width_\(tensor.columns)"
            let dimensions = tensor.shape.count == 1 ? [rowDimension] : [rowDimension, columnDimension]
            let dataset = try group.createDataset(name, values: tensor.values, dimensions: dimensions, shape: tensor.shape)
            if let point = points[name] {
                try dataset.setAttribute("transformers_module", point.transformersModule)
                try dataset.setAttribute("shape", point.shapeDescription)
            }
            dataset.close()
        }
        group.close()
        file.close()
    }
}
