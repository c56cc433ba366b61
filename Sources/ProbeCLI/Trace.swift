import ArgumentParser
import BLTModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HDF5Store
import Ladders
import Probing

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
          probe trace --text 'Hi there' --out t.h5            (the shipped model)
          probe trace --model M --text-file page.txt --hooks 'global.*' --out t.h5
          probe trace --text 'abc def' --hooks '*.attn.hook_pattern' --patching fixed:4 --out t.h5
        """)

    @Option(name: .long, help: ModelOption.help)
    var model: String?

    @Option(name: .long, help: "Input text (UTF-8).")
    var text: String?

    @Option(name: .customLong("text-file"), help: "Read the input bytes from this file (raw bytes, any encoding).")
    var textFile: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Hook names or globs to capture (see `probe hooks`).")
    var hooks: [String] = []

    @Option(name: .long, help: PatchingSpec.optionHelp, transform: PatchingSpec.argument)
    var patching: PatchingSpec = .configDefault

    @Option(name: .long, help: "Output HDF5 file.")
    var out: String

    @Option(name: .customLong("max-bytes"),
            help: "Refuse inputs longer than this (default \(Trace.defaultMaxBytes); at most \(Trace.hardMaxBytes)): the global transformer's attention grows with the square of the patch count.")
    var maxBytes: Int = Trace.defaultMaxBytes

    /// Default and hard caps of `--max-bytes`: 256 KiB runs in well under a minute on 2 cores with the
    /// shipped model; 16 MiB bounds memory for any checkpoint.
    static let defaultMaxBytes = 1 << 18, hardMaxBytes = 1 << 24

    func validate() throws {
        if (text == nil) == (textFile == nil) { throw ValidationError("give exactly one of --text or --text-file") }
        guard (1...Self.hardMaxBytes).contains(maxBytes) else {
            throw ValidationError("--max-bytes must be in 1...\(Self.hardMaxBytes), got \(maxBytes)")
        }
    }

    func run() async throws {
        let bytes: [UInt8]
        if let text {
            // Swift repairs invalid UTF-8 in arguments with U+FFFD; the model would then see other bytes.
            if let bad = Self.invalidUTF8Argument() {
                throw ValidationError("argument \(bad.index) is not valid UTF-8 (at byte \(bad.offset)); give raw bytes with --text-file")
            }
            bytes = Array(text.utf8)
        } else {
            bytes = try Self.readRegularFile(textFile!, option: "--text-file")
        }
        guard bytes.count <= maxBytes else {
            throw TraceError(description: "the input has \(bytes.count) bytes, more than --max-bytes \(maxBytes) (the global "
                             + "transformer's attention cost grows with the square of the patch count); raise --max-bytes "
                             + "(at most \(Self.hardMaxBytes)) or trace a shorter excerpt")
        }
        let loaded = try BLTModel(directory: try ModelOption.directory(model))
        if let context = loaded.config.maxPositionEmbeddings, bytes.count + 1 > context {
            FileHandle.standardError.write(Data(("probe trace: warning: \(bytes.count + 1) tokens (bytes + BOS) exceed the checkpoint's "
                + "max_position_embeddings \(context); positions past it are outside what the model was built for\n").utf8))
        }
        let (strategy, normalizedPatching) = try patching.resolve(config: loaded.config)
        var hookSet = HookSet()
        for pattern in hooks { hookSet.capture(pattern) }
        let started = Date()
        let result = try loaded.forward(bytes: bytes, options: ForwardOptions(patching: strategy, hooks: hookSet))
        let seconds = Date().timeIntervalSince(started)
        if let bad = Self.firstNonFinite(result) {
            throw TraceError(description: "the forward pass produced a non-finite value (\(bad)); the checkpoint's weights "
                             + "are probably damaged; nothing was written to \(out)")
        }
        let provenance = TraceProvenance(
            modelFiles: try FileProvenance.modelFiles(in: loaded.directory),
            gitCommit: FileProvenance.gitCommit(in: (try? AssetLocator.locate())?.deletingLastPathComponent()
                                                ?? URL(fileURLWithPath: ".")),
            patching: normalizedPatching, commandLine: ["probe"] + CommandLine.arguments.dropFirst(),
            createdUTC: ProbeRunProvenance.utcNow())
        try Self.write(result, model: loaded, bytes: bytes, provenance: provenance, to: out)
        print("wrote \(out): N = \(result.inputIDs.count) tokens, P = \(result.patchLengths.count) patches, "
              + "\(result.activations.count) hooks, forward \(String(format: "%.3f", seconds)) s")
    }

    /// Where the first NaN or infinity of the outputs and captured hooks is, e.g. "logits[3, 17] = nan".
    static func firstNonFinite(_ result: ForwardResult) -> String? {
        if let entropy = result.entropy, let i = entropy.firstIndex(where: { !$0.isFinite }) {
            return "entropy[\(i)] = \(entropy[i])"
        }
        if let logits = result.logits, let i = logits.values.firstIndex(where: { !$0.isFinite }) {
            let width = max(logits.shape.last ?? 1, 1)
            return "logits[\(i / width), \(i % width)] = \(logits.values[i])"
        }
        for name in result.activations.keys.sorted() {
            let values = result.activations[name]!.values
            if let i = values.firstIndex(where: { !$0.isFinite }) { return "hook \(name), element \(i) = \(values[i])" }
        }
        return nil
    }

    /// The first raw command-line argument that is not valid UTF-8: (index, byte offset).
    static func invalidUTF8Argument() -> (index: Int, offset: Int)? {
        for index in 0..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let raw = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
            var iterator = raw.makeIterator()
            var decoder = UTF8()
            var offset = 0
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar): offset += UTF8.width(scalar)
                case .emptyInput: break loop
                case .error: return (index, offset)
                }
            }
        }
        return nil
    }

    /// Reads an input file that must be a regular file (a FIFO or device is refused without blocking).
    static func readRegularFile(_ path: String, option: String) throws -> [UInt8] {
        let fd = try SafeFile.openRegularForReading(path, what: option)
        defer { close(fd) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        return [UInt8](try handle.readToEnd() ?? Data())
    }

    /// Writes the trace under an unpredictable temporary name in the destination directory (created
    /// exclusively, so a planted symlink is never followed), then renames it over `path`, which must be a
    /// regular file or absent.
    static func write(_ result: ForwardResult, model: BLTModel, bytes: [UInt8], provenance: TraceProvenance,
                      to path: String) throws {
        try SafeFile.checkOutput(path, what: "--out")
        let temporary = SafeFile.temporaryPath(near: path)
        do {
            try writeFile(result, model: model, bytes: bytes, provenance: provenance, at: temporary)
            try SafeFile.renameIntoPlace(temporary, path)
        } catch {
            unlink(temporary)
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

    private static func writeFile(_ result: ForwardResult, model: BLTModel, bytes: [UInt8], provenance: TraceProvenance,
                                  at path: String) throws {
        let file = try HDF5File.create(at: path, overwrite: false)
        try file.setAttribute("schema", TraceProvenance.schema)
        try file.setAttribute("schema_version", Int64(TraceProvenance.schemaVersion))
        try file.setAttribute("tool_version", ByteLensVersion.current)
        try file.setAttribute("git_commit", provenance.gitCommit)
        try file.setAttribute("model_files", provenance.modelFiles.map(\.path))
        try file.setAttribute("model_sha256", provenance.modelFiles.map(\.sha256))
        try file.setAttribute("patching", provenance.patching)
        try file.setAttribute("command_line", provenance.commandLine)
        try file.setAttribute("created_utc", provenance.createdUTC)
        try file.setAttribute("hdf5_version", HDF5File.libraryVersion)
        try file.setAttribute("model_directory", model.directory.path)
        try file.setAttribute("n_bytes", Int64(bytes.count))
        try file.setAttribute("entropy_units", "nat")
        // Named dimensions (netCDF-4 dimension scales) so xarray opens the file without phony_dims:
        // "position" (N bytes incl. BOS), "patch" (P), "patch_slot" (P*k), "vocab", and one
        // "width_<C>" per column count of the hooks.
        try file.createDataset("input_ids", values: result.inputIDs.map(Int64.init), dimensions: ["position"])
        if let entropy = result.entropy {
            let dataset = try file.createDataset("entropy", values: entropy, dimensions: ["position"])
            try dataset.setAttribute("units", "nat")
            try dataset.setAttribute("long_name", "next-byte entropy of the entropy model at each position")
        }
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
            var rowDimension = dimensionName(points[name]?.rows ?? .bytes)
            if points[name]?.keys != nil {
                // [H*rows, keys]: one dimension per head count, since stacks differ in heads.
                let queries = points[name]!.rows
                let perHead = queries == .headBytes ? result.inputIDs.count
                    : queries == .headPatches ? result.patchLengths.count : result.patchLengths.count * model.config.crossAttnK
                rowDimension += "_\(perHead > 0 ? tensor.rows / perHead : 0)heads"
            }
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

/// What made a trace file, written as its root attributes (`schema` "bytelens.trace", version 1; the
/// trace layout is otherwise unchanged from the files written before these attributes existed).
struct TraceProvenance {
    static let schema = "bytelens.trace"
    static let schemaVersion = 1
    var modelFiles: [ProbeRunModelFile]
    var gitCommit: String
    var patching: String
    var commandLine: [String]
    var createdUTC: String
}

/// A trace that cannot be written (non-finite model output).
struct TraceError: Error, CustomStringConvertible {
    let description: String
}
