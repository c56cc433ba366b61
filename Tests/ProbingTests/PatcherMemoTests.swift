import Foundation
import Testing
import HDF5Store
import Ladders
@testable import Probing

/// The control arms take the trained arm's patcher results (``PatcherMemo``) instead of recomputing them; the
/// rows they store must be exactly those of a recomputation.
@Suite("Patcher memo between a study's arms")
struct PatcherMemoTests {
    static func plan(in dir: TemporaryDirectory) throws -> StudyPlan {
        var request = TinyLadder.request(dataset: try TinyLadder.write(in: dir), out: dir.file("out"))
        request.modelDirectory = TestPaths.shippedModel   // trained: its entropy model makes real patches
        return try StudyPlan.prepare(request)
    }

    @Test("control items measured from the memo equal control items recomputed, in every stored row")
    func memoRowsEqualRecomputedRows() throws {
        let dir = try TemporaryDirectory()
        let plan = try Self.plan(in: dir)
        #expect(!plan.controlItems.isEmpty && !plan.modelControlItems.isEmpty)
        let model = try plan.request.modelSource.load(directory: plan.modelDirectory, config: plan.config)
        let profiles = try ReferenceProfiles.build(model: model, plan: plan, threads: 1)
        let control = try #require(plan.modelControl)
        let controlModel = try control.load(directory: plan.modelDirectory, config: plan.config)
        let controlProfiles = try ReferenceProfiles.build(model: controlModel, plan: plan, threads: 1, patchSource: model)

        let memo = PatcherMemo(forPatchControl: true, forModelControl: true)
        var trained = ItemMeasurer(model: model, plan: plan, profiles: profiles, shape: try model.computeShape())
        #expect(trained.reusesPatcher)
        let plain = trained
        trained.memo = memo
        let plainControl = ItemMeasurer(model: controlModel, plan: plan, profiles: controlProfiles,
                                        shape: try controlModel.computeShape(), patchSource: model)
        var memoControl = plainControl
        memoControl.memo = memo

        for (i, item) in plan.items.enumerated() {
            let stored = try trained.measure(item)
            #expect(stored == (try plain.measure(item)), "trained item \(i): storing changes nothing")
            let fixedItem = plan.controlItems[i], controlItem = plan.modelControlItems[i]
            #expect(fixedItem.bytes == item.bytes && controlItem.bytes == item.bytes)
            let fromMemo = try trained.measure(fixedItem)
            let recomputed = try plain.measure(fixedItem)
            #expect(fromMemo == recomputed, "patch-control item \(i) (\(fixedItem.ladder))")
            #expect(memo.takeOutput(bytes: item.bytes) == nil, "the patch-control item took the patcher output")
            #expect(memo.taken.outputs == i + 1)
            let controlFromMemo = try memoControl.measure(controlItem)
            #expect(controlFromMemo == (try plainControl.measure(controlItem)), "model-control item \(i)")
            #expect(memo.takePatchLengths(bytes: item.bytes) == nil, "the model-control item took the patches")
        }
        #expect(memo.taken == (outputs: plan.items.count, patches: plan.items.count), "every control item hit the memo")
        // A patch-control item without its trained item in the memo (e.g. after a resume) recomputes.
        let orphan = plan.controlItems[0]
        #expect(try trained.measure(orphan) == (try plain.measure(orphan)))
    }

    @Test("the byte budget bounds what is kept; taking an entry frees it")
    func budget() {
        let output = PatcherMemo.PatcherOutput(entropy: [1, 2, 3], losses: [0.5, 0.5, 0.5],
                                               hookValues: ["patcher.blocks.0.hook_resid_post": ["hoyer": [0.1, 0.2, 0.3]]])
        #expect(output.byteCount == 3 * 4 + 3 * 8 + 3 * 4)
        let none = PatcherMemo(forPatchControl: true, forModelControl: true, byteBudget: 20)
        none.store(bytes: [1, 2], output: output, patchLengths: [1, 2])
        #expect(none.takeOutput(bytes: [1, 2]) == nil)
        #expect(none.takePatchLengths(bytes: [1, 2]) == [1, 2], "the 18-byte patch entry fits where the output does not")

        let one = PatcherMemo(forPatchControl: true, forModelControl: false, byteBudget: output.byteCount + 2)
        one.store(bytes: [1, 2], output: output, patchLengths: [1, 2])
        one.store(bytes: [3, 4], output: output, patchLengths: [1, 2])
        #expect(one.takePatchLengths(bytes: [1, 2]) == nil, "patches are not kept without a model-control arm")
        #expect(one.takeOutput(bytes: [3, 4]) == nil, "over the budget")
        #expect(one.takeOutput(bytes: [1, 2])?.entropy == [1, 2, 3])
        #expect(one.takeOutput(bytes: [1, 2]) == nil, "taken once")
        one.store(bytes: [3, 4], output: output, patchLengths: [1, 2])
        #expect(one.takeOutput(bytes: [3, 4]) != nil, "room again after the take")
    }
}
