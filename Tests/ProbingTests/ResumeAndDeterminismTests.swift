import Foundation
import HDF5Store
import Testing
@testable import Probing

@Suite struct ResumeAndDeterminismTests {
    /// Same seed → identical dataset contents (twice, and with 2 item threads); an interrupted run
    /// keeps its partial file, leaves nothing at the final path, and `--resume` completes it with the
    /// same contents as an uninterrupted run.
    @Test func interruptResumeAndDeterminism() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)

        let a = try isolatedRunner(try StudyPlan.prepare(TinyLadder.request(dataset: dataset, out: dir.file("a")))).run()
        let b = try isolatedRunner(try StudyPlan.prepare(TinyLadder.request(dataset: dataset, out: dir.file("b"), threads: 2))).run()
        let itemsA = try allItems(a.finalPath)
        #expect(itemsA.count == 36)   // 12 items + the same 12 under fixed-size patching + through the untrained control
        #expect(itemsA == (try allItems(b.finalPath)))
        #expect(a.statistics == b.statistics)

        // Interrupt after 5 items.
        let stop = StopAfter(5)
        let plan = try StudyPlan.prepare(TinyLadder.request(dataset: dataset, out: dir.file("c")))
        let interrupted = StudyRunner(plan: plan, progress: { stop.record($0) }, shouldStop: { stop.shouldStop })
        #expect {
            try interrupted.run()
        } throws: { error in
            guard case let ProbeRunError.interrupted(partial, completed) = error else { return false }
            return partial == plan.partialPath && completed == 5
        }
        #expect(!FileManager.default.fileExists(atPath: plan.finalPath))
        #expect(FileManager.default.fileExists(atPath: plan.partialPath))
        let partial = try ProbeRunReader(path: plan.partialPath, allowPartial: true)
        #expect(partial.completedItemCount == 5)
        partial.close()

        // Starting again without --resume is refused before any compute; with --resume it completes.
        #expect(throws: ProbingError.partialRunExists(partialPath: plan.partialPath)) {
            try StudyPlan.prepare(TinyLadder.request(dataset: dataset, out: dir.file("c")))
        }
        // A resume with other hooks or another seed is refused before any compute.
        var otherHooks = TinyLadder.request(dataset: dataset, out: dir.file("c"), resume: true)
        otherHooks.hookPatterns = ["global.*.hook_resid_post"]
        #expect { try StudyPlan.prepare(otherHooks) } throws: { "\($0)".contains("other hooks, measures or activations") }
        var otherSeed = TinyLadder.request(dataset: dataset, out: dir.file("c"), resume: true)
        otherSeed.seed = 8
        #expect { try StudyPlan.prepare(otherSeed) } throws: { "\($0)".contains("another configuration") }

        let resumed = try isolatedRunner(try StudyPlan.prepare(TinyLadder.request(dataset: dataset, out: dir.file("c"), resume: true))).run()
        #expect(resumed.resumedItems == 5)
        #expect(try allItems(resumed.finalPath) == itemsA)
        #expect(resumed.statistics == a.statistics)
        let reader = try ProbeRunReader(path: resumed.finalPath)
        #expect(reader.provenance.resumedUTC.count == 1)
        #expect(reader.provenance.configJSON == (try ProbeRunReader(path: a.finalPath)).provenance.configJSON)
        reader.close()
    }
}
