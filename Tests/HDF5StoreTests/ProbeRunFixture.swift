import Foundation
@testable import HDF5Store

/// Deterministic probe-run content for tests: every value is a formula of the item index, so an
/// interrupted-and-resumed run can be compared with an uninterrupted one.
enum ProbeRunFixture {
    static let measureColumns = ["hoyer", "hoyer_z", "gini"]

    static let layout = ProbeRunLayout(
        byteLevelHooks: ["local_encoder.layers.0", "local_decoder.layers.1"],
        patchLevelHooks: ["global_transformer.layers.0.mlp.act", "global_transformer.layers.1", "global_transformer.out"],
        probeHooks: ["local_decoder.layers.1", "global_transformer.out"],
        measureColumns: measureColumns,
        itemMetricNames: ["mean_entropy", "bits_per_byte"],
        activations: [ProbeRunActivationSpec(hook: "global_transformer.out", scope: .patch, width: 4),
                      ProbeRunActivationSpec(hook: "local_decoder.layers.1", scope: .probe, width: 3)])

    static let provenance = ProbeRunProvenance(
        toolVersion: "0.1.0-test", gitCommit: "0123456789abcdef", modelPath: "Assets/model",
        modelFiles: [ProbeRunModelFile(path: "model.safetensors", sha256: String(repeating: "ab", count: 32)),
                     ProbeRunModelFile(path: "config.json", sha256: String(repeating: "cd", count: 32))],
        configJSON: #"{"dataset":"ood","seed":7,"hooks":["a","b"]}"#, datasetName: "ood",
        datasetManifestSHA256: String(repeating: "ef", count: 32), datasetManifestJSON: #"{"items":12}"#,
        seed: 7, commandLine: ["probe", "run", "--dataset", "ood", "--name", "naïve ✓"],
        libraryVersions: ["swift": "6.3.1", "onednn": "3.0"], startedUTC: "2026-11-29T04:00:00Z")

    /// Item `index`: 5 + (index·7 mod 23) positions (so items straddle 16-row chunks in odd ways),
    /// patches of length 1, 3, 3, ... with a trailing empty patch on odd items.
    static func item(_ index: Int) -> ProbeRunItem {
        let n = 5 + (index * 7) % 23
        var lengths: [Int32] = [1]
        while lengths.reduce(0, +) < n { lengths.append(Int32(min(3, n - Int(lengths.reduce(0, +))))) }
        if index % 2 == 1 { lengths.append(0) }
        var starts: [Int32] = []
        var patchID: [Int32] = []
        var isStart: [Bool] = []
        var position: Int32 = 0
        for (patch, length) in lengths.enumerated() {
            starts.append(position)
            for offset in 0..<length {
                patchID.append(Int32(patch))
                isStart.append(offset == 0)
            }
            position += length
        }
        let value: [Int16] = (0..<n).map { $0 == 0 ? -1 : Int16((index * 31 + $0 * 17) % 256) }
        let entropy: [Float] = (0..<n).map { $0 == 0 ? .nan : Float((index + 1) * $0 % 11) * 0.125 }
        let p = lengths.count
        func patchStat(_ salt: Int) -> [Float] {
            lengths.enumerated().map { patch, length in
                length == 0 || patch == 0 ? .nan : Float(salt * 100 + index * 10 + patch) / 64
            }
        }
        func measures(rows: Int, hooks: Int, salt: Int) -> ProbeRunMeasureRows {
            var values: [String: [Float]] = [:]
            for (c, column) in measureColumns.enumerated() {
                values[column] = (0..<(rows * hooks)).map { Float(salt + c * 1_000 + index * 37 + $0) / 997 }
            }
            return ProbeRunMeasureRows(rows: rows, values: values)
        }
        let ladder = index % 3 == 0 ? "typo_rate" : "script_distance"
        let record = ProbeRunItemRecord(
            ladder: ladder, levelIndex: index % 4, levelName: "level \(index % 4) — ü", baseItemID: "base-\(index / 4)",
            seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15, analysisSpan: 1..<n, probePosition: n - 1,
            metrics: [Double(index) * 0.5 + 0.25, index % 5 == 0 ? .nan : Double(index) / 3])
        return ProbeRunItem(
            record: record,
            bytes: ProbeRunByteRows(value: value, entropy: entropy, patchID: patchID, isPatchStart: isStart),
            patches: ProbeRunPatchRows(start: starts, length: lengths, meanEntropy: patchStat(1), maxEntropy: patchStat(2),
                                       firstByteEntropy: patchStat(3)),
            byteMeasures: measures(rows: n, hooks: 2, salt: 1),
            patchMeasures: measures(rows: p, hooks: 3, salt: 2),
            probeMeasures: measures(rows: 1, hooks: 2, salt: 3),
            activations: ["patch_level/global_transformer.out": (0..<(p * 4)).map { Float(index - $0) * 0.5 },
                          "probe/local_decoder.layers.1": [Float(index), -1, 2.5]])
    }

    static let statistics: [ProbeRunStatisticRow] = [
        ProbeRunStatisticRow(test: "entropy_tracks_level", question: "Does per-item entropy track the difficulty level?",
                             ladder: "typo_rate", hook: "", measure: "mean_entropy", isPrimary: true,
                             estimator: "mean_within_item_kendall_tau_b", pTest: "page_L_two_sided", ciMethod: "bca",
                             n: 12, estimate: 0.41, ciLow: 0.2, ciHigh: 0.6, p: 0.001, pCorrected: 0.004,
                             verdict: "tracks difficulty", note: "", equivalenceDelta: 0.1, tostP: 0.3),
        ProbeRunStatisticRow(test: "sparsity_tracks_level", question: "Does hidden-state sparsity track the difficulty level?",
                             ladder: "script_distance", hook: "global_transformer.out", measure: "hoyer", isPrimary: false,
                             estimator: "mean_within_item_kendall_tau_b", pTest: "page_L_two_sided", ciMethod: "",
                             n: 2, estimate: nil, ciLow: nil, ciHigh: nil, p: nil, pCorrected: nil,
                             verdict: "insufficient data", note: "fewer than 3 items", direction: "lower_is_sparser",
                             maxVIF: 2.5, stratum: "patch_length=1"),
    ]

    /// Writes `count` items and finishes.
    static func writeComplete(to path: String, count: Int, options: ProbeRunWriterOptions = ProbeRunWriterOptions()) throws {
        let writer = try ProbeRunWriter.create(at: path, layout: layout, provenance: provenance, options: options)
        for index in 0..<count { try writer.append(item(index)) }
        try writer.finish(statistics: statistics, finishedUTC: "2026-11-29T05:00:00Z")
    }
}

/// Every dataset of a file as "path: type shape values", for comparing two runs' contents.
func datasetContents(of path: String) throws -> [String: String] {
    let file = try HDF5File.open(path)
    var result: [String: String] = [:]
    func visit(_ group: HDF5Group) throws {
        for name in try group.memberNames() {
            switch try group.memberKind(name) {
            case .group?: try visit(try group.group(name))
            case .dataset?:
                let dataset = try group.dataset(name)
                let shape = try dataset.shape()
                let values: String
                switch dataset.elementType {
                case .string: values = "\(try dataset.readStrings())"
                case .float32: values = "\(try dataset.read(as: Float.self).map(\.bitPattern))"
                case .float64: values = "\(try dataset.read(as: Double.self).map(\.bitPattern))"
                case .uint64: values = "\(try dataset.read(as: UInt64.self))"
                case .bool: values = "\(try dataset.read(as: Bool.self))"
                case .int8, .int16, .int32, .int64: values = "\(try dataset.read(as: Int64.self, converting: true))"
                case .uint8, .uint16, .uint32: values = "\(try dataset.read(as: UInt64.self, converting: true))"
                }
                result[dataset.path] = "\(dataset.elementType) \(shape) \(values)"
            default: break
            }
        }
    }
    try visit(file)
    return result
}
