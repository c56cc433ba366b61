import BLTModel
import Foundation
import Ladders
import ModelCore
import Testing
@testable import Probing

/// `--match bytes|patches`: every base item's levels cut to a common size before the study.
@Suite struct LevelMatchingTests {
    func request(_ match: ItemMatching, dataset: String = "ood", levels: [String] = ["0", "6", "7", "9"]) throws -> StudyRequest {
        var r = StudyRequest(dataset: dataset, modelDirectory: TestPaths.shippedModel, levels: levels, limit: 3,
                             hookPatterns: ["decoder.hook_final_norm"], measures: [.hoyer], outDirectory: NSTemporaryDirectory() + "bytelens-match-\(UUID().uuidString)",
                             assetsDirectory: TestPaths.assets)
        r.match = match
        return r
    }

    /// Patches starting inside the item's content under the model's own patching of the whole item.
    func contentPatchCount(_ item: LadderItem, model: BLTModel) throws -> Int {
        let lengths = try model.forward(bytes: item.bytes, options: ForwardOptions(computeLogits: false)).patchLengths
        var start = 0, count = 0
        for length in lengths {
            if length > 0, (item.analysisSpan.lowerBound + 1...item.analysisSpan.upperBound).contains(start) { count += 1 }
            start += length
        }
        return count
    }

    @Test func patchMatchingGivesEveryLevelOfABaseItemTheSamePatchCountInTheRealForward() throws {
        let plain = try StudyPlan.prepare(try request(.none), dryRun: true)
        let matched = try StudyPlan.prepare(try request(.patches), dryRun: true)
        let model = try BLTModel(path: TestPaths.shippedModel)
        #expect(matched.items.count == plain.items.count)
        var unmatchedCounts: Set<Int> = []
        for base in Set(matched.items.map(\.baseItemID)) {
            let counts = try matched.items.filter { $0.baseItemID == base }.map { try contentPatchCount($0, model: model) }
            #expect(Set(counts).count == 1 && counts[0] > 0, "\(base): \(counts)")
            unmatchedCounts.formUnion(try plain.items.filter { $0.baseItemID == base }.map { try contentPatchCount($0, model: model) })
        }
        #expect(unmatchedCounts.count > 3)  // without matching the levels differ
        // Cut items are prefixes of the originals with the probe suffix kept.
        for (a, b) in zip(plain.items, matched.items) {
            #expect(Array(b.bytes[b.analysisSpan]) == Array(a.bytes[a.analysisSpan].prefix(b.analysisSpan.count)))
            #expect(b.bytes[b.analysisSpan.upperBound...] == a.bytes[a.analysisSpan.upperBound...])
        }
        #expect(matched.modelControlItems.map(\.bytes) == matched.items.map(\.bytes))
    }

    @Test func byteMatchingCutsAtScalarBoundariesToTheSmallestLevel() throws {
        let matched = try StudyPlan.prepare(try request(.bytes), dryRun: true)
        for base in Set(matched.items.map(\.baseItemID)) {
            let items = matched.items.filter { $0.baseItemID == base && $0.level.index < 9 }  // 9 = random bytes
            let lengths = items.map(\.analysisSpan.count)
            #expect(lengths.max()! - lengths.min()! <= 3, "\(base): \(lengths)")
            for item in items { #expect(String(validating: item.bytes[item.analysisSpan], as: UTF8.self) != nil) }
        }
    }

    @Test func matchingIsRecordedAndRefusedWhereItCannotApply() throws {
        let plan = try StudyPlan.prepare(try request(.patches), dryRun: true)
        #expect(RunProvenance.configuration(plan: plan, statisticsSeed: 1).match == "patches")
        #expect(RunOutput.defaultDirectory(for: try request(.patches, levels: [])) .hasPrefix("runs/"))
        var canonical = StudyRequest(dataset: "ood", limit: StudyRequest.defaultLimit)
        canonical.match = .patches
        #expect(RunOutput.defaultDirectory(for: canonical) == "Reports/ood-matched-patches")
        #expect(throws: (any Error).self) { _ = try StudyPlan.prepare(try request(.bytes, dataset: "tasks-addition", levels: ["0"]), dryRun: true) }
        #expect(LevelMatching.patchCuts(patchLengths: [1, 2, 3, 1], contentLength: 6)
                == [ContentCut(length: 0, size: 0), ContentCut(length: 2, size: 1), ContentCut(length: 5, size: 2), ContentCut(length: 6, size: 3)])
        #expect(LevelMatching.byteCuts([0x61, 0xC3, 0xA9, 0x62]).map(\.length) == [0, 1, 3, 4])
    }
}
