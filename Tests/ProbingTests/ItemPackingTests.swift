import Foundation
import HDF5Store
import Testing
@testable import Probing

@Suite struct ItemPackingTests {
    @Test("batches tile the items in order, keep to the item and byte budgets and never mix arms")
    func batchesTileWithinBudgets() {
        let packing = ItemPacking(maxItems: 3, maxBytes: 1000)
        let lengths = [400, 300, 200, 100, 900, 1500, 50, 60, 70, 80, 500, 500, 1]
        let arms = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        let batches = packing.batches(lengths: lengths, arms: arms)
        #expect(batches == [0..<3, 3..<5, 5..<6, 6..<8, 8..<11, 11..<13])
        #expect(batches.flatMap { Array($0) } == Array(lengths.indices))
        for b in batches {
            #expect(b.count <= 3)
            #expect(b.count == 1 || b.map { lengths[$0] }.reduce(0, +) <= 1000)
            #expect(Set(b.map { arms[$0] }).count == 1)
        }
        #expect(ItemPacking(maxItems: 1).batches(lengths: lengths, arms: arms) == lengths.indices.map { $0..<($0 + 1) })
        #expect(packing.batches(lengths: [], arms: []).isEmpty)
        #expect(ItemPacking(maxItems: 0, maxBytes: -5) == ItemPacking(maxItems: 1, maxBytes: 1))
    }

    @Test("a study gives the same items and statistics whatever --items-per-forward and --threads")
    func packingDoesNotChangeTheStudy() throws {
        let dir = try TemporaryDirectory()
        // The tiny ladder's texts four times over (~190 bytes): long enough for the blocked attention path,
        // whose blocks would straddle packed items if packing were not per item.
        let dataset = dir.file("longer.jsonl")
        let lines = try TinyLadder.lines.map { line -> String in
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let text = try #require(object["text"] as? String)
            object["text"] = Array(repeating: text, count: 4).joined(separator: " ")
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dataset, atomically: true, encoding: .utf8)
        func run(_ name: String, itemsPerForward: Int, threads: Int) throws -> (items: [ProbeRunItem], outcome: StudyOutcome) {
            var request = TinyLadder.request(dataset: dataset, out: dir.file(name), threads: threads)
            request.itemsPerForward = itemsPerForward
            let outcome = try isolatedRunner(try StudyPlan.prepare(request)).run()
            return (try allItems(outcome.finalPath), outcome)
        }
        let one = try run("one", itemsPerForward: 1, threads: 1)
        #expect(one.items.count == 36)   // 12 items in each of the three arms
        for (name, perForward, threads) in [("four", 4, 2), ("seven", 7, 1), ("all", ItemPacking.maxItemsLimit, 2)] {
            let packed = try run(name, itemsPerForward: perForward, threads: threads)
            #expect(packed.items == one.items, "\(perForward) items per forward, \(threads) threads")
            #expect(packed.outcome.statistics == one.outcome.statistics)
        }
        var tooMany = TinyLadder.request(dataset: dataset, out: dir.file("bad"))
        tooMany.itemsPerForward = ItemPacking.maxItemsLimit + 1
        #expect { try StudyPlan.prepare(tooMany) } throws: { "\($0)".contains("--items-per-forward") && "\($0)".contains("≤ 64") }
        tooMany.itemsPerForward = 0
        #expect { try StudyPlan.prepare(tooMany) } throws: { "\($0)".contains("--items-per-forward") && "\($0)".contains("≥ 1") }
    }
}
