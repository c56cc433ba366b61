import Testing
@testable import Probing

@Suite struct HookClustersTests {
    /// `[item][level]` tables: b is a scaled copy of a (plus an item offset, which within-item
    /// demeaning removes), c is unrelated, d follows a again: {a, b, d} link, c stays alone.
    @Test func linksHooksThatMoveTogetherWithinItems() {
        let a: [[Double]] = [[1, 2, 4, 3], [2, 1, 3, 5], [0, 4, 1, 2]]
        let b = a.enumerated().map { i, row in row.map { 3 * $0 + Double(10 * i) } }
        let c: [[Double]] = [[4, 1, 2, 3], [1, 5, 2, 3], [2, 0, 4, 1]]
        let d = a.map { row in row.map { -0.5 * -$0 + 1 } }
        #expect(HookClusters.linked([a, c, b, d], threshold: 0.95) == [[0, 2, 3], [1]])
        #expect(HookClusters.linked([a, c], threshold: 0.95) == [[0], [1]])
        // Anti-correlated hooks are not duplicates.
        #expect(HookClusters.linked([a, a.map { $0.map { -$0 } }], threshold: 0.95) == [[0], [1]])
        // Constant tables have no defined correlation and stay apart.
        let constant = a.map { $0.map { _ in 1.0 } }
        #expect(HookClusters.linked([constant, constant], threshold: 0.95) == [[0], [1]])
    }

    @Test func compactLabelsNameComponentLayerAndSite() {
        #expect(ReportFigures.compactLabel("global.blocks.3.hook_resid_post") == "G3 res")
        #expect(ReportFigures.compactLabel("encoder.blocks.0.hook_mlp_act") == "E0 mlp")
        #expect(ReportFigures.compactLabel("decoder.hook_final_norm") == "D norm")
    }
}
