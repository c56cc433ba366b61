import Kernels
import Parallelism
import BLTModel
import Ladders
import Metrics

/// The in-distribution reference of each measured hook: per-dimension moments and outlier ("massive
/// activation") dimensions, from which the `_no_outliers` and `_z` sparsity variants are computed.
///
/// **Reference set.** The level-0 (least shifted) items of `--reference-items` (default 32) *held-out*
/// base items of every ladder in the run, whatever `--levels` selects: the base items right after the
/// analysed ones, so the profile is not fitted on the items it is applied to (`StudyPlan.heldOutReference`;
/// a ladder without spare base items falls back to its first analysed items and the run's `reference_rule`
/// says so). The profile is stored in the file's `/reference` group. Vectors used: for byte-level hooks every position of the analysis span (BOS, which
/// carries massive activations by construction, and the probe suffix are excluded); for patch-level
/// hooks every non-empty patch that starts inside the span. Outliers follow `OutlierRule.default`
/// (mean |h| > 10 × the median mean |h|, at most 1 % of the dimensions).
///
/// Deterministic: each item's statistics are computed on their own and merged in item order, so the
/// profile does not depend on `--threads`.
enum ReferenceProfiles {
    /// `patchSource`: the trained model whose patches a control model is cut into (see ``ItemMeasurer``).
    static func build(model: any ByteLevelModel, plan: StudyPlan, threads: Int, patchSource: (any ByteLevelModel)? = nil,
                      progress: (Int) -> Void = { _ in }) throws -> [String: ReferenceProfile] {
        guard !plan.measuredHooks.isEmpty else { return [:] }
        var totals: [String: ReferenceStatistics] = [:]
        for hook in plan.measuredHooks { totals[hook.name] = try ReferenceStatistics(dimension: hook.columns!) }
        var done = 0
        for batch in stride(from: 0, to: plan.referenceItems.count, by: threads) {
            let items = Array(plan.referenceItems[batch..<min(batch + threads, plan.referenceItems.count)])
            let results = try orderedParallelMap(items, threads: threads) { item in
                try ComputeThreads.serially { try statistics(of: item, model: model, plan: plan, patchSource: patchSource) }
            }
            for perItem in results {
                for (name, stats) in perItem { try totals[name]!.merge(stats) }
                done += 1
                progress(done)
            }
        }
        var profiles: [String: ReferenceProfile] = [:]
        for (name, stats) in totals where stats.count > 0 { profiles[name] = try stats.profile(rule: .default) }
        return profiles
    }

    /// Statistics of one item's reference vectors, per hook.
    static func statistics(of item: LadderItem, model: any ByteLevelModel, plan: StudyPlan,
                           patchSource: (any ByteLevelModel)? = nil) throws -> [String: ReferenceStatistics] {
        let patching = patchSource == nil ? plan.patching : try ItemMeasurer.patching(for: item, plan: plan, patchSource: patchSource)
        let result = try model.forward(bytes: item.bytes, options: ForwardOptions(
            patching: patching, hooks: HookSet(capture: plan.measuredHooks.map(\.name)), computeLogits: false))
        let span = (item.analysisSpan.lowerBound + 1)..<(item.analysisSpan.upperBound + 1)
        let starts = PatchLayout.starts(patchLengths: result.patchLengths)
        let patchRows = starts.indices.filter { result.patchLengths[$0] > 0 && span.contains(starts[$0]) }
        var out: [String: ReferenceStatistics] = [:]
        for hook in plan.measuredHooks {
            guard let a = result.activations[hook.name] else { continue }
            var stats = try ReferenceStatistics(dimension: a.columns)
            let rows = HookSelection.scope(of: hook) == .patch ? patchRows : Array(span)
            try a.values.withUnsafeBufferPointer { buffer in
                for r in rows where r < a.rows {
                    try stats.add(UnsafeBufferPointer(rebasing: buffer[(r * a.columns)..<((r + 1) * a.columns)]))
                }
            }
            out[hook.name] = stats
        }
        return out
    }
}
