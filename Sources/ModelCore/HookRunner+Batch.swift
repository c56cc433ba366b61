/// Rows of each packed item, per kind of hook row.
struct HookBatch {
    let runners: [HookRunner]
    let byteRows: [Int]
    var patchRows: [Int]
    let slotsPerPatch: Int

    /// Row count of item `i` for a hook whose rows are `kind`; nil for per-head row layouts, whose head-major
    /// blocks interleave the items (a packed forward refuses those hooks up front).
    func rows(_ kind: HookRows, item i: Int) -> Int? {
        switch kind {
        case .bytes: return byteRows[i]
        case .patches: return i < patchRows.count ? patchRows[i] : nil
        case .patchSlots: return i < patchRows.count ? patchRows[i] * slotsPerPatch : nil
        case .headBytes, .headPatches, .headPatchSlots: return nil
        }
    }
}

extension HookRunner {
    /// Sets each packed item's patch count (patch-level hooks split their rows by it).
    package func setPatchRows(_ counts: [Int]) {
        batch?.patchRows = counts
    }

    /// Whether a packed forward can serve these runners: no active hook has per-head rows or a key axis
    /// (attention scores and patterns span every packed item's keys).
    package static func canPack(_ runners: [HookRunner]) -> Bool {
        guard let catalogue = runners.first?.catalogue else { return true }
        return !catalogue.contains { point in
            (point.keys != nil || [.headBytes, .headPatches, .headPatchSlots].contains(point.rows))
                && runners.contains { $0.isActive(point.hook) }
        }
    }

    /// Fires `hook` on the rows of every packed item whose runner acts on it (interventions write back), then
    /// stops the pass after the deepest hook any item asked for when no item needs logits.
    func fireEach(_ batch: HookBatch, _ hook: HookName, position: Int, _ buffer: UnsafeMutableBufferPointer<Float>,
                  columns: Int) throws {
        if isActive(hook) {
            var offset = 0
            for (i, runner) in batch.runners.enumerated() {
                guard let rows = batch.rows(catalogue[position].rows, item: i) else {
                    throw HookError.uncatalogued(name: "\(hook) (per-head rows in a packed forward)")
                }
                if runner.isActive(hook) {
                    let slice = UnsafeMutableBufferPointer(rebasing: buffer[(offset * columns)..<((offset + rows) * columns)])
                    do {
                        try runner.fire(hook, slice, rows: rows, columns: columns)
                    } catch is EarlyStop {
                        // The packed pass stops below, once every item has seen this hook.
                    }
                }
                offset += rows
            }
        }
        if stopAfterDeepest, let deepestIndex, position >= deepestIndex { throw EarlyStop() }
    }
}
