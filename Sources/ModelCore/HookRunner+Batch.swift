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

    /// Fires `hook` on every packed item's rows through that item's runner; interventions write back. Stops the
    /// pass (EarlyStop) after all items have seen the hook when any item's runner stops there.
    func fireEach(_ batch: HookBatch, _ hook: HookName, position: Int, _ buffer: UnsafeMutableBufferPointer<Float>,
                  columns: Int) throws {
        var stop = false
        if batch.runners.contains(where: { $0.isActive(hook) }) || stopAfterDeepest {
            var offset = 0
            for (i, runner) in batch.runners.enumerated() {
                guard let rows = batch.rows(catalogue[position].rows, item: i) else {
                    throw HookError.uncatalogued(name: "\(hook) (per-head rows in a packed forward)")
                }
                var slice = Array(buffer[(offset * columns)..<((offset + rows) * columns)])
                do {
                    try runner.fire(hook, &slice, rows: rows, columns: columns)
                } catch is EarlyStop {
                    stop = true
                }
                if runner.isActive(hook) {
                    for (j, v) in slice.enumerated() { buffer[offset * columns + j] = v }
                }
                offset += rows
            }
        }
        if stop || (stopAfterDeepest && deepestIndex.map { position >= $0 } == true) { throw EarlyStop() }
    }
}
