import Foundation
import Testing
@testable import HDF5Store

/// Writes the files `Notebooks-as-scripts/check_hdf5_interop.py` opens with h5py and xarray, plus
/// `expected.json` describing every dataset (dtype, shape, dimension names, values) as Swift meant
/// to write it. Set BYTELENS_INTEROP_DIR to keep the files; otherwise they go to a temporary
/// directory and this test only checks that they were produced.
@Suite("Files for the Python interop check")
struct InteropFileTests {
    @Test func writesGenericAndProbeRunFilesWithExpectations() throws {
        let temporary = try TemporaryDirectory()
        let directory = ProcessInfo.processInfo.environment["BYTELENS_INTEROP_DIR"] ?? temporary.path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var expected: [String: JSONValue] = [:]
        expected["generic.h5"] = .object(try writeGeneric(to: directory + "/generic.h5"))
        expected["probe_run.h5"] = .object(try writeProbeRun(to: directory + "/probe_run.h5"))
        try Data(JSONValue.object(expected).rendered.utf8).write(to: URL(fileURLWithPath: directory + "/expected.json"))
        #expect(HDF5File.isHDF5(directory + "/generic.h5") && HDF5File.isHDF5(directory + "/probe_run.h5"))
        #expect(FileManager.default.fileExists(atPath: directory + "/expected.json"))
    }

    /// The generic API `probe trace` uses: every element type, ranks 1–3, strings, a growing dataset,
    /// coordinate and plain dimensions, attributes.
    func writeGeneric(to path: String) throws -> [String: JSONValue] {
        var expected: [String: JSONValue] = [:]
        let file = try HDF5File.create(at: path)
        try file.setAttribute("title", "generic HDF5Store interop file ✓")
        try file.setAttribute("version", Int64(1))
        try file.createDimension("x", length: 5)
        let types = try file.createGroup("types")
        func add<T: HDF5Scalar>(_ name: String, _ values: [T], _ json: (T) -> JSONValue) throws {
            let dataset = try types.createDataset(name, values: values, dimensions: ["x"])
            try dataset.setAttribute("long_name", "\(name) column")
            expected["/types/\(name)"] = .dataset(dtype: dataset.elementType.rawValue, shape: [5], dims: ["x"],
                                                  values: values.map(json))
        }
        try add("float32", [Float(1.5), -0.0, .infinity, .nan, 3.25e-8], { .float(Double($0)) })
        try add("float64", [Double.pi, -1e300, .nan, 0, 2.5], { .float($0) })
        try add("int8", [Int8.min, -1, 0, 1, .max], { .int(Int64($0)) })
        try add("int16", [Int16.min, -300, 0, 300, .max], { .int(Int64($0)) })
        try add("int32", [Int32.min, -70_000, 0, 70_000, .max], { .int(Int64($0)) })
        try add("int64", [Int64.min, -1 << 40, 0, 1 << 40, .max], { .int($0) })
        try add("uint8", [UInt8(0), 1, 127, 200, .max], { .uint(UInt64($0)) })
        try add("uint16", [UInt16(0), 1, 300, 40_000, .max], { .uint(UInt64($0)) })
        try add("uint32", [UInt32(0), 1, 70_000, 3_000_000_000, .max], { .uint(UInt64($0)) })
        try add("uint64", [UInt64(0), 1, 1 << 40, 1 << 63, .max], { .uint($0) })
        try add("bool", [true, false, false, true, true], { .bool($0) })
        let words = ["", "ascii", "naïve café", "日本語", "emoji 🧪"]
        try types.createDataset("string", strings: words, dimensions: ["x"])
        expected["/types/string"] = .dataset(dtype: "string", shape: [5], dims: ["x"], values: words.map(JSONValue.string))

        let arrays = try file.createGroup("arrays")
        try arrays.createDimension("row", length: 3)
        try arrays.createCoordinateDimension("col", values: [Int32(10), 20, 30, 40])
        expected["/arrays/col"] = .dataset(dtype: "int32", shape: [4], dims: ["col"], values: [10, 20, 30, 40].map { .int($0) })
        let matrix = (0..<12).map { Float($0) * 0.5 }
        try arrays.createDataset("matrix", values: matrix, dimensions: ["row", "col"], shape: [3, 4])
        expected["/arrays/matrix"] = .dataset(dtype: "float32", shape: [3, 4], dims: ["row", "col"],
                                              values: matrix.map { .float(Double($0)) })
        try arrays.createDimension("depth", length: 2)
        let cube = (0..<24).map { Int16($0 - 12) }
        try arrays.createDataset("cube", values: cube, dimensions: ["depth", "row", "col"], shape: [2, 3, 4],
                                 options: .compressed(level: 6))
        expected["/arrays/cube"] = .dataset(dtype: "int16", shape: [2, 3, 4], dims: ["depth", "row", "col"],
                                            values: cube.map { .int(Int64($0)) })
        try arrays.createDimension("t", length: 0, unlimited: true)
        let growing = try arrays.createDataset("growing", type: .float64, dimensions: ["t", "col"], shape: [0, 4],
                                               options: .appendable(chunkRows: 3))
        var grown: [Double] = []
        for batch in [1, 4, 2] {
            let values = (0..<(batch * 4)).map { Double(grown.count + $0) / 8 }
            try growing.append(values)
            grown += values
        }
        try arrays.dataset("t").resize(rows: grown.count / 4)
        expected["/arrays/growing"] = .dataset(dtype: "float64", shape: [grown.count / 4, 4], dims: ["t", "col"],
                                               values: grown.map(JSONValue.float))
        for (name, length) in [("/x", 5), ("/arrays/row", 3), ("/arrays/depth", 2), ("/arrays/t", grown.count / 4)] {
            expected[name] = .dimensionOnly(length: length)
        }
        return expected
    }

    func writeProbeRun(to path: String) throws -> [String: JSONValue] {
        let count = 11
        try? FileManager.default.removeItem(atPath: path)
        try ProbeRunFixture.writeComplete(to: path, count: count)
        let items = (0..<count).map(ProbeRunFixture.item)
        let layout = ProbeRunFixture.layout
        var expected: [String: JSONValue] = [:]
        func column(_ path: String, _ dtype: String, dims: [String], width: Int? = nil, _ values: [JSONValue]) {
            let rows = width.map { values.count / max($0, 1) } ?? values.count
            expected[path] = .dataset(dtype: dtype, shape: width.map { [rows, $0] } ?? [rows], dims: dims, values: values)
        }
        let f = { (x: Float) in JSONValue.float(Double(x)) }
        // /items
        var byteOffset = 0, patchOffset = 0
        var itemColumns: [String: [JSONValue]] = [:]
        for item in items {
            let r = item.record
            let row: [(String, JSONValue)] = [
                ("ladder", .string(r.ladder)), ("level_index", .int(Int64(r.levelIndex))), ("level_name", .string(r.levelName)),
                ("base_item_id", .string(r.baseItemID)), ("seed", .uint(r.seed)), ("byte_offset", .int(Int64(byteOffset))),
                ("byte_count", .int(Int64(item.bytes.count))), ("patch_offset", .int(Int64(patchOffset))),
                ("patch_count", .int(Int64(item.patches.count))), ("span_start", .int(Int64(r.analysisSpan.lowerBound))),
                ("span_end", .int(Int64(r.analysisSpan.upperBound))), ("probe_position", .int(Int64(r.probePosition))),
            ] + zip(layout.itemMetricNames, r.metrics).map { ($0, JSONValue.float($1)) }
            for (name, value) in row { itemColumns[name, default: []].append(value) }
            byteOffset += item.bytes.count
            patchOffset += item.patches.count
        }
        for schemaColumn in ProbeRunSchema.itemColumns {
            column("/items/\(schemaColumn.name)", schemaColumn.type.rawValue, dims: ["item"], itemColumns[schemaColumn.name]!)
        }
        for name in layout.itemMetricNames { column("/items/\(name)", "float64", dims: ["item"], itemColumns[name]!) }
        // /bytes and /patches
        let b = ["byte"], p = ["patch"]
        column("/bytes/item_index", "int32", dims: b, items.enumerated().flatMap { i, item in Array(repeating: JSONValue.int(Int64(i)), count: item.bytes.count) })
        column("/bytes/position", "int32", dims: b, items.flatMap { item in (0..<item.bytes.count).map { JSONValue.int(Int64($0)) } })
        column("/bytes/value", "int16", dims: b, items.flatMap { $0.bytes.value.map { .int(Int64($0)) } })
        column("/bytes/entropy", "float32", dims: b, items.flatMap { $0.bytes.entropy.map(f) })
        column("/bytes/patch_id", "int32", dims: b, items.flatMap { $0.bytes.patchID.map { .int(Int64($0)) } })
        let patchOffsets = items.indices.map { i in items[..<i].reduce(0) { $0 + $1.patches.count } }
        column("/bytes/patch_index", "int64", dims: b, items.indices.flatMap { i in
            items[i].bytes.patchID.map { JSONValue.int(Int64(patchOffsets[i]) + Int64($0)) } })
        column("/bytes/is_patch_start", "bool", dims: b, items.flatMap { $0.bytes.isPatchStart.map(JSONValue.bool) })
        column("/bytes/log_prob", "float32", dims: b, items.flatMap { $0.bytes.logProb.map(f) })
        column("/bytes/entropy_model_log_prob", "float32", dims: b, items.flatMap { $0.bytes.entropyModelLogProb.map(f) })
        column("/patches/item_index", "int32", dims: p, items.enumerated().flatMap { i, item in Array(repeating: JSONValue.int(Int64(i)), count: item.patches.count) })
        column("/patches/start", "int32", dims: p, items.flatMap { $0.patches.start.map { .int(Int64($0)) } })
        column("/patches/length", "int32", dims: p, items.flatMap { $0.patches.length.map { .int(Int64($0)) } })
        column("/patches/mean_entropy", "float32", dims: p, items.flatMap { $0.patches.meanEntropy.map(f) })
        column("/patches/max_entropy", "float32", dims: p, items.flatMap { $0.patches.maxEntropy.map(f) })
        column("/patches/first_byte_entropy", "float32", dims: p, items.flatMap { $0.patches.firstByteEntropy.map(f) })
        // /measures
        let groups: [(String, String, String, [String], KeyPath<ProbeRunItem, ProbeRunMeasureRows>)] = [
            ("byte_level", "byte", "hook", layout.byteLevelHooks, \.byteMeasures),
            ("patch_level", "patch", "hook", layout.patchLevelHooks, \.patchMeasures),
            ("probe", "item", "hook", layout.probeHooks, \.probeMeasures)]
        for (group, rowDimension, hookDimension, hooks, keyPath) in groups {
            column("/measures/\(group)/\(hookDimension)", "string", dims: [hookDimension], hooks.map(JSONValue.string))
            for name in layout.measureColumns {
                column("/measures/\(group)/\(name)", "float32", dims: [rowDimension, hookDimension], width: hooks.count,
                       items.flatMap { $0[keyPath: keyPath].values[name]!.map(f) })
            }
        }
        // /activations
        for spec in layout.activations {
            column("/activations/\(spec.key)", "float32", dims: [spec.scope.dimension, "hidden_\(spec.width)"], width: spec.width,
                   items.flatMap { $0.activations[spec.key]!.map(f) })
            expected["/activations/\(spec.scope.groupName)/hidden_\(spec.width)"] = .dimensionOnly(length: spec.width)
        }
        // /statistics
        let stats = ProbeRunFixture.statistics
        let r = ["result"]
        let optional = { (x: Double?) in JSONValue.float(x ?? .nan) }
        column("/statistics/test", "string", dims: r, stats.map { .string($0.test) })
        column("/statistics/question", "string", dims: r, stats.map { .string($0.question) })
        column("/statistics/ladder", "string", dims: r, stats.map { .string($0.ladder) })
        column("/statistics/hook", "string", dims: r, stats.map { .string($0.hook) })
        column("/statistics/measure", "string", dims: r, stats.map { .string($0.measure) })
        column("/statistics/is_primary", "bool", dims: r, stats.map { .bool($0.isPrimary) })
        column("/statistics/estimator", "string", dims: r, stats.map { .string($0.estimator) })
        column("/statistics/p_test", "string", dims: r, stats.map { .string($0.pTest) })
        column("/statistics/ci_method", "string", dims: r, stats.map { .string($0.ciMethod) })
        column("/statistics/n", "int64", dims: r, stats.map { .int(Int64($0.n)) })
        column("/statistics/estimate", "float64", dims: r, stats.map { optional($0.estimate) })
        column("/statistics/ci_low", "float64", dims: r, stats.map { optional($0.ciLow) })
        column("/statistics/ci_high", "float64", dims: r, stats.map { optional($0.ciHigh) })
        column("/statistics/p", "float64", dims: r, stats.map { optional($0.p) })
        column("/statistics/p_corrected", "float64", dims: r, stats.map { optional($0.pCorrected) })
        column("/statistics/verdict", "string", dims: r, stats.map { .string($0.verdict) })
        column("/statistics/note", "string", dims: r, stats.map { .string($0.note) })
        column("/statistics/direction", "string", dims: r, stats.map { .string($0.direction) })
        column("/statistics/equivalence_delta", "float64", dims: r, stats.map { optional($0.equivalenceDelta) })
        column("/statistics/tost_p", "float64", dims: r, stats.map { optional($0.tostP) })
        column("/statistics/max_vif", "float64", dims: r, stats.map { optional($0.maxVIF) })
        column("/statistics/stratum", "string", dims: r, stats.map { .string($0.stratum) })
        // /provenance (scalar strings) and dimensions without variables
        let provenance = ProbeRunFixture.provenance
        expected["/provenance/config_json"] = .dataset(dtype: "string", shape: [], dims: [], values: [.string(provenance.configJSON)])
        expected["/provenance/dataset_manifest_json"] = .dataset(dtype: "string", shape: [], dims: [],
                                                                 values: [.string(provenance.datasetManifestJSON)])
        expected["/provenance/layout_json"] = .dataset(dtype: "string", shape: [], dims: [],
                                                       values: [.string(try ProbeRunWriter.encodeLayout(layout))])
        column("/item", "string", dims: ["item"], items.map { .string(ProbeRunSchema.itemID($0.record)) })
        expected["/byte"] = .dimensionOnly(length: byteOffset)
        expected["/patch"] = .dimensionOnly(length: patchOffset)
        expected["/statistics/result"] = .dimensionOnly(length: stats.count)
        expected["@root"] = .object([
            "schema": .string(ProbeRunSchema.name), "schema_version": .int(2), "status": .string("complete"),
            "completed_items": .int(Int64(count)), "seed": .uint(provenance.seed), "git_commit": .string(provenance.gitCommit),
            "hdf5_version": .string(HDF5File.libraryVersion), "started_utc": .string(provenance.startedUTC),
            "finished_utc": .string("2026-11-29T05:00:00Z"),
            "command_line": .array(provenance.commandLine.map(JSONValue.string)),
            "model_sha256": .array(provenance.modelFiles.map { .string($0.sha256) }),
        ])
        return expected
    }
}

/// Minimal JSON with exact integers and exactly representable floats (NaN → null).
indirect enum JSONValue {
    case string(String), int(Int64), uint(UInt64), float(Double), bool(Bool), null
    case array([JSONValue]), object([String: JSONValue])

    static func dataset(dtype: String, shape: [Int], dims: [String], values: [JSONValue]) -> JSONValue {
        .object(["kind": .string("dataset"), "dtype": .string(dtype), "shape": .array(shape.map { .int(Int64($0)) }),
                 "dims": .array(dims.map(JSONValue.string)), "values": .array(values)])
    }

    static func dimensionOnly(length: Int) -> JSONValue {
        .object(["kind": .string("dimension"), "shape": .array([.int(Int64(length))])])
    }

    var rendered: String {
        switch self {
        case .string(let text):
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .int(let value): return String(value)
        case .uint(let value): return String(value)
        case .float(let value):
            if value.isNaN { return "null" }
            if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
            return "\(value)"
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let values): return "[" + values.map(\.rendered).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { JSONValue.string($0).rendered + ":" + members[$0]!.rendered }
                .joined(separator: ",") + "}"
        }
    }
}
