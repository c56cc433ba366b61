/// Activation patching between a clean and a corrupted input (TransformerLens' `patching` helpers).
///
/// Patching copies a clean activation into the corrupted run, so both runs must have the same shapes: the
/// same number of bytes and the **same patches**. A BLT chooses its patches from the input's own entropies,
/// so a one-byte corruption usually moves patch boundaries and every patch-level activation would change
/// shape. The helper therefore runs the clean input first and pins its patch lengths
/// (`PatchingStrategy.explicit`) for the corrupted baseline and for every patched run; the corrupted
/// baseline is thus "corrupted bytes, clean patches", the right reference for the patched runs.
public struct ActivationPatchingResult: Sendable {
    /// The clean run (its own patching, activations of the patched hooks captured).
    public let clean: ForwardResult
    /// The corrupted input with the clean run's patch lengths, no intervention.
    public let corrupted: ForwardResult
    /// One run per hook matching the pattern, in forward order: the corrupted input with that hook's
    /// clean activation patched in (at `rows`, or everywhere).
    public let patched: [(hook: String, result: ForwardResult)]
}

/// Why an activation-patching request cannot run.
public enum ActivationPatchingError: Error, Equatable, CustomStringConvertible {
    /// Clean and corrupted inputs differ in length, so their activations cannot be swapped.
    case lengthMismatch(clean: Int, corrupted: Int)
    /// The pattern matches only hooks that cannot be patched (patch lengths) or none at all.
    case nothingToPatch(pattern: String)

    public var description: String {
        switch self {
        case let .lengthMismatch(c, k):
            return "activation patching needs inputs of equal length: clean has \(c) bytes, corrupted \(k)"
        case .nothingToPatch(let p): return "hook pattern '\(p)' matches no hook that can be patched (see `probe hooks`)"
        }
    }
}

extension BLTModel {
    /// Runs clean, corrupted (with the clean patches) and one patched corrupted run per hook matching
    /// `hooks` (a name or glob; TransformerLens aliases accepted).
    /// - Parameters:
    ///   - clean: the input whose activations are patched in (and whose patches every run uses).
    ///   - corrupted: an input of the same length.
    ///   - pattern: hook name or glob; every matching hook gets its own patched run.
    ///   - rows: positions to patch in every hook (all if `nil`).
    ///   - patching: how the clean input is patched.
    /// - Throws: `ActivationPatchingError`, `HookError` for rows out of range, model errors.
    public func activationPatching(clean: [UInt8], corrupted: [UInt8], hooks pattern: String, rows: [Int]? = nil,
                                   patching: PatchingStrategy = .configDefault) throws -> ActivationPatchingResult {
        guard clean.count == corrupted.count else {
            throw ActivationPatchingError.lengthMismatch(clean: clean.count, corrupted: corrupted.count)
        }
        let names = hookPoints.map(\.name).filter {
            HookPoint.matches(pattern: pattern, name: $0) && $0 != "patching.hook_patch_lengths"
        }
        guard !names.isEmpty else { throw ActivationPatchingError.nothingToPatch(pattern: pattern) }
        let cleanRun = try forward(bytes: clean, options: ForwardOptions(patching: patching, hooks: HookSet(capture: names)))
        let pinned = PatchingStrategy.explicit(cleanRun.patchLengths)
        let corruptedRun = try forward(bytes: corrupted, options: ForwardOptions(patching: pinned))
        let patched = try names.map { name in
            var hooks = HookSet()
            hooks.intervene(name, rows: rows, .patch(cleanRun.activations[name]!))
            return (name, try forward(bytes: corrupted, options: ForwardOptions(patching: pinned, hooks: hooks)))
        }
        return ActivationPatchingResult(clean: cleanRun, corrupted: corruptedRun, patched: patched)
    }

    /// `activationPatching` on the UTF-8 bytes of two strings.
    public func activationPatching(clean: String, corrupted: String, hooks pattern: String, rows: [Int]? = nil,
                                   patching: PatchingStrategy = .configDefault) throws -> ActivationPatchingResult {
        try activationPatching(clean: Array(clean.utf8), corrupted: Array(corrupted.utf8), hooks: pattern, rows: rows,
                               patching: patching)
    }
}
