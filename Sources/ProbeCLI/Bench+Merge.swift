import Foundation
import HDF5Store
import Probing

/// `probe bench --merge 400,4000,40000`: how the merge's copy grows with the number of items. For each
/// count it writes synthetic shard files (seeded values, a fixed small layout, see ``syntheticLayout``)
/// and times ``Probing/ShardMerge`` copying them into one file in study order, without statistics: those
/// are the same computation a one-process run does on the same items (timed by `probe bench --study`).
extension Bench {
    /// Most items `--merge` synthesises per count (40,000 items are about 0.4 GB of shard files).
    static let maxMergeItems = 200_000

    /// 2 byte-level and 2 patch-level hooks, 4 measure columns, every item metric: about 11 kB per
    /// 128-byte item uncompressed (a real `ood` item with the default hooks is ~50× that).
    static let syntheticLayout = ProbeRunLayout(
        byteLevelHooks: ["encoder.blocks.0.hook_resid_post", "decoder.hook_final_norm"],
        patchLevelHooks: ["global.blocks.0.hook_resid_post", "global.blocks.1.hook_resid_post"],
        probeHooks: ["encoder.blocks.0.hook_resid_post", "decoder.hook_final_norm"],
        measureColumns: ["hoyer", "gini", "hoyer_z", "gini_z"], itemMetricNames: ["mean_entropy_bits", "bits_per_byte"])

    /// One synthetic item: 128 bytes + BOS, patches of 4, values from a seeded generator.
    static func syntheticItem(_ index: Int, layout: ProbeRunLayout) -> ProbeRunItem {
        var state = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        let n = 129, patches = 33
        let lengths = [Int32(1)] + [Int32](repeating: 4, count: patches - 1)
        var starts: [Int32] = [], position: Int32 = 0
        for length in lengths { starts.append(position); position += length }
        var patchOf: [Int32] = [], values: [Int16] = [], isStart: [Bool] = []
        for p in 0..<n {
            patchOf.append(p == 0 ? 0 : Int32((p - 1) / 4 + 1))
            values.append(p == 0 ? -1 : Int16((p * 37) % 256))
            isStart.append(p == 0 || (p - 1) % 4 == 0)
        }
        func floats(_ count: Int, _ scale: Float) -> [Float] { (0..<count).map { _ in next() * scale } }
        let bytes = ProbeRunByteRows(value: values, entropy: floats(n, 5), patchID: patchOf, isPatchStart: isStart,
                                     logProb: floats(n, -6), entropyModelLogProb: floats(n, -6))
        let patchRows = ProbeRunPatchRows(start: starts, length: lengths, meanEntropy: floats(patches, 5),
                                          maxEntropy: floats(patches, 6), firstByteEntropy: floats(patches, 5))
        func measures(_ rows: Int, _ hooks: Int) -> ProbeRunMeasureRows {
            var values: [String: [Float]] = [:]
            for column in layout.measureColumns { values[column] = floats(rows * hooks, 1) }
            return ProbeRunMeasureRows(rows: rows, values: values)
        }
        let record = ProbeRunItemRecord(ladder: "synthetic", levelIndex: index % 10, levelName: "level \(index % 10)",
                                        baseItemID: "b\(index / 10)", seed: UInt64(index), analysisSpan: 1..<n, probePosition: n - 1,
                                        metrics: layout.itemMetricNames.map { _ in Double(next()) })
        return ProbeRunItem(record: record, bytes: bytes, patches: patchRows,
                            byteMeasures: measures(n, layout.byteLevelHooks.count),
                            patchMeasures: measures(patches, layout.patchLevelHooks.count),
                            probeMeasures: measures(1, layout.probeHooks.count))
    }

    /// Writes `items` synthetic items as `shards` shard files (whole base items of 10 levels round-robin,
    /// as ``Probing/StudyShard`` deals them) into `directory/shards/`; returns their paths.
    static func writeSyntheticShards(items: Int, shards: Int, directory: URL) throws -> [String] {
        let layout = syntheticLayout
        let provenance = ProbeRunProvenance(
            toolVersion: ByteLensVersion.current, gitCommit: "bench", modelPath: "synthetic", modelFiles: [],
            configJSON: "{\"bootstrap_resamples\":200,\"statistics_seed\":\"1\"}", datasetName: "synthetic",
            datasetManifestSHA256: "synthetic-\(items)", seed: 0, commandLine: ["probe", "bench", "--merge"],
            libraryVersions: [:], startedUTC: ProbeRunProvenance.utcNow())
        let folder = directory.appendingPathComponent(StudyShard.folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var paths: [String] = []
        for s in 0..<shards {
            let rows = (0..<items).filter { ($0 / 10) % shards == s }
            let shard = try StudyShard(index: s, count: shards)
            let path = folder.appendingPathComponent(shard.fileName).path
            let writer = try ProbeRunWriter.create(at: path, layout: layout, provenance: provenance,
                                                   options: ProbeRunWriterOptions(itemsPerCheckpoint: 64))
            for row in rows { try writer.append(syntheticItem(row, layout: layout)) }
            try writer.writeShard(ProbeRunShard(index: s, count: shards, studyItemCount: items, studyItemIndex: rows,
                                                assignmentRule: StudyShard.assignmentRule))
            try writer.finish(statistics: [])
            paths.append(path)
        }
        return paths
    }

    func runMergeBench(counts: [Int], shards: Int) throws {
        Self.say("probe bench --merge: synthetic shards (128-byte items, 2+2 hooks, 4 measure columns), \(shards) shards, "
                 + "copy only (the statistics are a one-process run's; see --study)")
        Self.say("  items   shard MB   merged MB   merge s   items/s   MB/s (shard data read)")
        var points: [(items: Double, seconds: Double)] = []
        for count in counts {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-bench-merge-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let paths = try Self.writeSyntheticShards(items: count, shards: shards, directory: directory)
            let shardBytes = paths.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
            let start = Date()
            let merge = ShardMerge(shardPaths: paths, outDirectory: directory, commandLine: ["probe", "bench", "--merge"],
                                   statistics: false)
            let outcome = try merge.run()
            let seconds = Date().timeIntervalSince(start)
            let mergedBytes = (try? FileManager.default.attributesOfItem(atPath: outcome.finalPath)[.size] as? Int) ?? 0
            points.append((Double(count), seconds))
            Self.say(String(format: "  %6d   %8.1f   %9.1f   %7.2f   %7.0f   %5.1f", count, Double(shardBytes) / 1e6,
                            Double(mergedBytes) / 1e6, seconds, Double(count) / seconds, Double(shardBytes) / 1e6 / seconds))
        }
        if points.count >= 2 {
            // Least-squares line seconds = a + b·items.
            let n = Double(points.count)
            let mx = points.reduce(0) { $0 + $1.items } / n, my = points.reduce(0) { $0 + $1.seconds } / n
            let sxy = points.reduce(0) { $0 + ($1.items - mx) * ($1.seconds - my) }, sxx = points.reduce(0) { $0 + ($1.items - mx) * ($1.items - mx) }
            let b = sxx > 0 ? sxy / sxx : 0, a = my - b * mx
            Self.say(String(format: "  fit: seconds = %.2f + %.3f ms × items", a, b * 1000))
        }
        Self.say("  peak RSS of this process: \(Self.gigabytes(Self.peakRSS()))")
    }
}
