import Foundation
import HDF5Store
import Plotting
import Testing
@testable import ProbeCLI

/// `probe heatmap` end to end: a probe-run file written with the real HDF5 writer, read back through
/// ProbeRunReader and rendered to PNG through libpng. With `BYTELENS_GALLERY_DIR` set, the PNGs are also
/// written there (to refresh `Reports/figures-gallery/`).
@Suite struct HeatmapCommandTests {
    static let encoderHooks = ["encoder.blocks.0.hook_resid_post"]
    static let globalHooks = (0..<12).map { "global.blocks.\($0).hook_resid_post" }
    static let decoderHooks = (0..<4).map { "decoder.blocks.\($0).hook_resid_post" }
    static let text = Array("Byte Latent Transformers cut text into patches where the next byte is hard to predict; 3.14159 and Zürich cost more.".utf8)

    /// Item `index` of a small but realistic run: BOS + the text, patches split after high entropy.
    static func item(_ index: Int) -> ProbeRunItem {
        let values: [Int16] = [-1] + text.map { Int16($0) }
        let n = values.count
        let entropy: [Float] = (0..<n).map { i in
            if i == 0 { return .nan }
            let b = values[i], prev = i > 1 ? values[i - 1] : 32
            var e: Float = 0.4 + Float((i * 37 + index * 11) % 10) / 20
            if prev == 32 { e += 1.8 }
            if b >= 48 && b <= 57 || b > 127 { e += 2.2 }
            return e
        }
        var patchID = [Int32](), isStart = [Bool](), starts = [Int32](), lengths = [Int32]()
        for i in 0..<n {
            let start = i <= 1 || entropy[i] > 1.9
            if start { starts.append(Int32(i)); lengths.append(0) }
            lengths[lengths.count - 1] += 1
            patchID.append(Int32(starts.count - 1)); isStart.append(start)
        }
        starts.append(Int32(n)); lengths.append(0)  // HF's trailing empty patch
        patchID = patchID.map { $0 }
        let p = starts.count
        let layout = Self.layout
        func rows(_ count: Int, _ hooks: [String], _ f: (Int, Int) -> Float) -> ProbeRunMeasureRows {
            var values: [String: [Float]] = [:]
            for (c, column) in layout.measureColumns.enumerated() {
                values[column] = (0..<(count * hooks.count)).map { k in f(k / hooks.count, k % hooks.count) + Float(c) * 0.1 }
            }
            return ProbeRunMeasureRows(rows: count, values: values)
        }
        let byteHooks = layout.byteLevelHooks
        let record = ProbeRunItemRecord(ladder: "typo_rate", levelIndex: index, levelName: "p=\(index)%", baseItemID: "wiki-7",
                                        seed: UInt64(index), analysisSpan: 1..<n, probePosition: n - 1, metrics: [1.5])
        return ProbeRunItem(
            record: record,
            bytes: ProbeRunByteRows(value: values, entropy: entropy, patchID: patchID, isPatchStart: isStart),
            patches: ProbeRunPatchRows(start: starts, length: lengths, meanEntropy: Array(repeating: 1, count: p),
                                       maxEntropy: Array(repeating: 2, count: p), firstByteEntropy: Array(repeating: 2, count: p)),
            byteMeasures: rows(n, byteHooks) { pos, h in 0.3 + 0.02 * Float(h) + 0.05 * (entropy[pos].isNaN ? 0 : entropy[pos]) },
            patchMeasures: rows(p, layout.patchLevelHooks) { patch, h in 0.35 + 0.015 * Float(h) + 0.01 * Float(patch % 5) },
            probeMeasures: rows(1, layout.probeHooks) { _, _ in 0.4 })
    }

    static let layout = ProbeRunLayout(
        byteLevelHooks: encoderHooks + decoderHooks, patchLevelHooks: globalHooks, probeHooks: ["decoder.blocks.3.hook_resid_post"],
        measureColumns: ["hoyer", "gini"], itemMetricNames: ["mean_entropy"])

    static func writeRun(to path: String) throws {
        let provenance = ProbeRunProvenance(
            toolVersion: "test", gitCommit: "0", modelPath: "Assets/model", modelFiles: [], configJSON: "{}",
            datasetName: "ood", datasetManifestSHA256: "", seed: 1, commandLine: ["probe"], libraryVersions: [:],
            startedUTC: "2026-11-29T00:00:00Z")
        let writer = try ProbeRunWriter.create(at: path, layout: layout, provenance: provenance)
        for i in 0..<3 { try writer.append(item(i)) }
        try writer.finish(statistics: [], finishedUTC: "2026-11-29T00:00:01Z")
    }

    func temporaryRun() throws -> (dir: String, file: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-heatmap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/run.h5"
        try Self.writeRun(to: file)
        return (dir, file)
    }

    @Test func conversionDropsBOSAndEmptyPatches() throws {
        let item = Self.item(1)
        let inputs = try HeatmapInputs(item: item, index: 1, layout: Self.layout, measure: nil, hooks: [], fileLabel: "run.h5")
        #expect(inputs.bytes == Self.text)
        #expect(inputs.measure == "hoyer")
        #expect(inputs.patchStarts.first == 0)
        // Patches: BOS patch and the trailing empty patch are gone, every other patch keeps its start.
        let textStarts = item.patches.start.dropFirst().dropLast().map { Int($0) - 1 }
        #expect(inputs.patchStarts == Array(textStarts))
        #expect(inputs.hooks.map(\.block) == ["encoder"] + Array(repeating: "global", count: 12) + Array(repeating: "decoder", count: 4))
        #expect(inputs.hooks[0].label == "blocks.0.hook_resid_post" && inputs.hooks[0].values.count == Self.text.count)
        #expect(inputs.hooks[1].values.count == inputs.patchStarts.count)
        // Global layer 3 of text patch 0 (file patch 1): 0.35 + 0.015·3 + 0.01·1.
        #expect(abs(inputs.hooks[4].values[0] - 0.405) < 1e-6)
    }

    @Test func stripDefaultsToRepresentativeHooks() throws {
        let inputs = try HeatmapInputs(item: Self.item(0), index: 0, layout: Self.layout, measure: "gini", hooks: [], fileLabel: "f")
        #expect(inputs.representativeHooks().hooks.map(\.name) == [
            "encoder.blocks.0.hook_resid_post", "global.blocks.0.hook_resid_post", "global.blocks.6.hook_resid_post",
            "global.blocks.11.hook_resid_post", "decoder.blocks.0.hook_resid_post", "decoder.blocks.3.hook_resid_post",
        ])
    }

    @Test func rendersHeatmapAndStripFromAFile() async throws {
        let (dir, file) = try temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gallery = ProcessInfo.processInfo.environment["BYTELENS_GALLERY_DIR"]
        let heatmap = gallery.map { $0 + "/cli-heatmap.png" } ?? dir + "/heatmap.png"
        var command = try Heatmap.parse([file, "--item", "1", "--out", heatmap])
        try await command.run()
        let canvas = try Canvas.readPNG(path: heatmap)
        #expect(canvas.width > 400 && canvas.height > 200)
        command = try Heatmap.parse([file, "--item", "1", "--axis", "patches", "--scale", "2", "--out", dir + "/patches@2x.png"])
        try await command.run()
        let doubled = try Canvas.readPNG(path: dir + "/patches@2x.png")
        #expect(doubled.width % 2 == 0 && doubled.pixel(0, 0) == doubled.pixel(1, 1))

        let strip = gallery.map { $0 + "/cli-strip.png" } ?? dir + "/strip.png"
        command = try Heatmap.parse([file, "--item", "wiki-7", "--level", "2", "--strip", "--measure", "gini",
                                     "--hooks", "encoder.blocks.0.hook_resid_post,global.blocks.11.hook_resid_post", "decoder.blocks.3.hook_resid_post",
                                     "--out", strip])
        try await command.run()
        #expect(try Canvas.readPNG(path: strip).width > 400)
    }

    @Test func badArgumentsAreReported() async throws {
        let (dir, file) = try temporaryRun()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/x.png"
        for args in [["--item", "9"], ["--item", "wiki-7"], ["--item", "nope"], ["--item", "0", "--hooks", "bogus"],
                     ["--item", "0", "--measure", "bogus"]] {
            let command = try Heatmap.parse([file] + args + ["--out", out])
            await #expect(throws: (any Error).self, "\(args)") { try await command.run() }
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        let missing = try Heatmap.parse([dir + "/missing.h5", "--item", "0", "--out", out])
        await #expect(throws: (any Error).self) { try await missing.run() }
    }
}
