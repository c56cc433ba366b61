import BLTModel
import Foundation
import HDF5Store
import Metrics
import Testing
@testable import Probing

/// Answer scores, the prompt-end probe and the held-out reference set (issue 20).
@Suite struct MeasuredDifficultyTests {
    static let byteHook = "encoder.blocks.0.hook_resid_post", patchHook = "global.blocks.1.hook_resid_post"

    func request(_ dataset: String, out: String, probe: ProbePosition = .suffix, limit: Int? = 2,
                 levels: [String]? = ["0", "1"], referenceItems: Int = 3) -> StudyRequest {
        StudyRequest(dataset: dataset, modelDirectory: TestPaths.model, levels: levels, limit: limit,
                     hookPatterns: [Self.byteHook, Self.patchHook], measures: [.hoyer], outDirectory: out,
                     referenceItems: referenceItems, bootstrapResamples: 200, assetsDirectory: TestPaths.assets,
                     probePosition: probe)
    }

    @Test func promptEndProbeReadsTheLastPromptByteAndAnswersAreScored() throws {
        let dir = try TemporaryDirectory()
        let plan = try StudyPlan.prepare(request("tasks-addition", out: dir.file("out"), probe: .promptEnd))
        let outcome = try isolatedRunner(plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        #expect(reader.provenance.configJSON.contains("\"probe_position\":\"prompt-end:"))
        let records = try reader.itemRecords()
        let loss = try reader.itemMetric(ItemMetrics.answerLossBits), match = try reader.itemMetric(ItemMetrics.answerExactMatch)
        let model = try BLTModel(path: TestPaths.model)
        let layout = reader.layout
        for (index, item) in plan.items.enumerated() {
            let answer = try #require(item.answerSpan)
            // The last prompt byte is offset lowerBound − 1, i.e. sequence position lowerBound (0 is BOS).
            #expect(records[index].probePosition == answer.lowerBound)
            #expect(item.bytes[answer.lowerBound - 1] == UInt8(ascii: "="))
            let direct = try model.forward(bytes: item.bytes, options: ForwardOptions(
                patching: .entropyThreshold(nil), hooks: HookSet(capture: [Self.byteHook, Self.patchHook]), computeLogits: true))
            let stored = try reader.item(at: index)
            let p = answer.lowerBound
            let b = layout.probeHooks.firstIndex(of: Self.byteHook)!, g = layout.probeHooks.firstIndex(of: Self.patchHook)!
            #expect(stored.probeMeasures.value("hoyer", row: 0, hook: b, hookCount: layout.probeHooks.count)
                    == Float(try SparsityValues(measuring: Array(direct.activations[Self.byteHook]!.row(p))).hoyer))
            #expect(stored.probeMeasures.value("hoyer", row: 0, hook: g, hookCount: layout.probeHooks.count)
                    == Float(try SparsityValues(measuring: Array(direct.activations[Self.patchHook]!.row(direct.patchIDs[p]))).hoyer))
            // Answer metrics equal AnswerScore on the direct logits at the answer's sequence positions.
            let logits = try #require(direct.logits)
            let score = try logits.values.withUnsafeBufferPointer {
                try AnswerScore.score(logits: $0, rows: direct.inputIDs.count, vocabulary: logits.columns, ids: direct.inputIDs,
                                      positions: item.scoredOffsets.map { $0 + 1 })
            }
            #expect(loss[index] == score.lossBits && match[index] == score.exactMatch)
            #expect(loss[index].isFinite && (match[index] == 0 || match[index] == 1))
            // The same loss from the stored per-byte log-probabilities (float32, nats) of /bytes.
            let positions = item.scoredOffsets.map { $0 + 1 }
            let fromBytes = -positions.reduce(0.0) { $0 + Double(stored.bytes.logProb[$1]) } / Double(positions.count) / ByteEntropy.ln2
            #expect(abs(fromBytes - loss[index]) <= 1e-5 * max(1, loss[index]))
        }
        let report = try String(contentsOfFile: outcome.report!.reportPath, encoding: .utf8)
        #expect(report.contains("answer loss (bits/byte)") && report.contains("greedy accuracy"))
        #expect(report.contains("prompt-end: last byte before the answer span"))
    }

    @Test func promptEndOnALadderWithoutAnswersNamesTheLadder() throws {
        let dir = try TemporaryDirectory()
        do {
            _ = try StudyPlan.prepare(request("ood", out: dir.file("out"), probe: .promptEnd), dryRun: true)
            Issue.record("prompt-end on ood must fail")
        } catch let ProbingError.invalidOption(name, detail) {
            #expect(name == "--probe")
            #expect(detail.contains("'ood'") && detail.contains("--probe suffix"))
        }
        #expect(throws: ProbingError.invalidOption(name: "--probe",
                                                   detail: "'end' is not a probe position; valid: suffix, prompt-end")) {
            try ProbePosition(option: "end")
        }
        #expect(try ProbePosition(option: "prompt-end") == .promptEnd)
    }

    @Test func suffixProbeStaysTheLastPositionAndNonTaskItemsHaveNoAnswerScore() throws {
        let dir = try TemporaryDirectory()
        let plan = try StudyPlan.prepare(request("ood", out: dir.file("out"), levels: ["0"]))
        let outcome = try isolatedRunner(plan).run()
        let reader = try ProbeRunReader(path: outcome.finalPath)
        defer { reader.close() }
        #expect(try reader.itemRecords().map(\.probePosition) == plan.runItems.map(\.bytes.count))  // both arms
        #expect(try reader.itemMetric(ItemMetrics.answerLossBits).allSatisfy(\.isNaN))
        #expect(try reader.itemMetric(ItemMetrics.answerExactMatch).allSatisfy(\.isNaN))
        #expect(Array(ItemMetrics.names.suffix(4)) == [ItemMetrics.answerLossBits, ItemMetrics.answerExactMatch,
                                                       ItemMetrics.asciiLetterFraction, ItemMetrics.nonASCIIFraction])
        // The byte-class mix is a recount of the stored span bytes.
        let letters = try reader.itemMetric(ItemMetrics.asciiLetterFraction)
        let nonASCII = try reader.itemMetric(ItemMetrics.nonASCIIFraction)
        for (i, record) in try reader.itemRecords().enumerated() {
            let stored = try reader.item(at: i).bytes.value
            let span = stored[record.analysisSpan].map { UInt8(truncatingIfNeeded: $0) }
            #expect(letters[i] == Double(span.filter { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }.count) / Double(span.count))
            #expect(nonASCII[i] == Double(span.filter { $0 >= 0x80 }.count) / Double(span.count))
        }
        // The stored reference profile: one per measured hook, held-out base items named in the rule.
        let profiles = try #require(try reader.referenceProfiles())
        #expect(profiles.map(\.hook) == reader.layout.probeHooks)
        for p in profiles {
            #expect(p.mean.count == p.standardDeviation.count && p.vectorCount > 0)
            #expect(p.outlierDimensions == p.outlierDimensions.sorted() && p.outlierDimensions.allSatisfy { $0 < p.mean.count })
        }
        #expect(try reader.referenceRule()?.contains("ood: base items 2..<4") == true)
        #expect(reader.provenance.configJSON.contains("ood: base items 2..<4"))
    }

    @Test func referenceItemsAreHeldOutAndDeterministic() throws {
        let dir = try TemporaryDirectory()
        // Generated ladder: the next base items after the analysed ones, generated beyond the default count.
        let plan = try StudyPlan.prepare(request("tasks-dyck", out: dir.file("a"), limit: 199, referenceItems: 4), dryRun: true)
        let analysed = Set(plan.items.map(\.baseItemID))
        #expect(plan.referenceItems.map(\.baseItemID) == ["dyck-0199", "dyck-0200", "dyck-0201", "dyck-0202"])
        #expect(analysed.isDisjoint(with: plan.referenceItems.map(\.baseItemID)))
        #expect(plan.referenceItems.allSatisfy { $0.level.index == 0 })
        let again = try StudyPlan.prepare(request("tasks-dyck", out: dir.file("a"), limit: 199, referenceItems: 4), dryRun: true)
        #expect(again.referenceItems == plan.referenceItems)
        #expect(plan.referenceRule.contains("tasks-dyck: base items 199..<203"))
        // A fixed set of base items with none left over falls back, and says so.
        let tiny = try TinyLadder.write(in: dir)
        let fallback = try StudyPlan.prepare(TinyLadder.request(dataset: tiny, out: dir.file("b")), dryRun: true)
        #expect(fallback.referenceItems.map(\.baseItemID) == ["item0", "item1", "item2", "item3"])
        #expect(fallback.referenceRule.contains("FALLBACK"))
        // Some left, fewer than requested: those are used.
        let some = try StudyPlan.prepare(TinyLadder.request(dataset: tiny, out: dir.file("c")).with(limit: 3), dryRun: true)
        #expect(some.referenceItems.map(\.baseItemID) == ["item3"])
        #expect(some.referenceRule.contains("only 1 of the 3 requested"))
    }
}

@Suite struct LimitTests {
    /// `--limit` above the 200 generated base items makes more, leaving the first ones unchanged.
    @Test func limitBeyondTheDefaultGeneratedCountMakesMoreBaseItems() throws {
        let dir = try TemporaryDirectory()
        func plan(_ limit: Int) throws -> StudyPlan {
            try StudyPlan.prepare(StudyRequest(dataset: "ood", modelDirectory: TestPaths.model, levels: ["0"], limit: limit,
                                               outDirectory: dir.file("out"), assetsDirectory: TestPaths.assets), dryRun: true)
        }
        let big = try plan(629), small = try plan(40)
        #expect(big.items.count == 629)
        #expect(Array(big.items.prefix(40)) == small.items)
        #expect(big.referenceItems.first?.baseItemID == "ood-0629")
        #expect(try plan(5000).items.count == StudyPlan.maxGeneratedBaseItems)
    }
}

extension StudyRequest {
    func with(limit: Int) -> StudyRequest {
        var r = self
        r.limit = limit
        return r
    }
}
