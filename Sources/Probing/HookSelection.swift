import BLTModel
import HDF5Store

/// Resolves hook globs against a model's hook catalogue.
///
/// Only hooks with one vector per byte (`[N, d]`) or per patch (`[P, d]`), d ≥ 2, can be measured
/// or stored: per-position scalars (entropy, patch lengths) are stored anyway, and the `[P*k, d]`
/// cross-attention slots have no single position to align with.
public enum HookSelection {
    /// Whether sparsity can be measured at this hook.
    public static func isMeasurable(_ point: HookPoint) -> Bool {
        guard let columns = point.columns, columns >= 2 else { return false }
        return point.rows == .bytes || point.rows == .patches
    }

    /// The storage scope of a measurable hook: per byte or per patch.
    public static func scope(of point: HookPoint) -> ProbeRunActivationScope {
        point.rows == .patches ? .patch : .byte
    }

    /// Measurable hooks matching any pattern, in forward order, without duplicates.
    /// - Throws: ``ProbingError/unknownHookPattern(option:pattern:valid:)`` for a pattern that matches
    ///   nothing measurable, listing every measurable hook of the model.
    public static func resolve(_ patterns: [String], option: String, catalogue: [HookPoint]) throws -> [HookPoint] {
        let measurable = catalogue.filter(isMeasurable)
        for pattern in patterns where !measurable.contains(where: { HookPoint.matches(pattern: pattern, name: $0.name) }) {
            throw ProbingError.unknownHookPattern(option: option, pattern: pattern, valid: measurable.map(\.name))
        }
        return measurable.filter { point in patterns.contains { HookPoint.matches(pattern: $0, name: point.name) } }
    }
}

/// What a hook name says about its place in the model, parsed from the name alone (so reports can be
/// rebuilt from an HDF5 file without the model): `global.blocks.3.hook_resid_post` → component
/// `global`, layer 3, kind `hook_resid_post`.
public struct HookLabel: Sendable, Equatable, Hashable {
    public let name: String
    /// First dotted part: `patcher`, `encoder`, `global`, `decoder`, …
    public let component: String
    /// Block index for `*.blocks.<L>.*` hooks, else nil.
    public let layer: Int?
    /// Last dotted part, e.g. `hook_resid_post`.
    public let kind: String

    public init(_ name: String) {
        self.name = name
        let parts = name.split(separator: ".").map(String.init)
        component = parts.first ?? name
        kind = parts.last ?? name
        if let b = parts.firstIndex(of: "blocks"), b + 1 < parts.count { layer = Int(parts[b + 1]) } else { layer = nil }
    }

    /// Short label for figure axes: `L3` for blocks, the kind without `hook_` otherwise.
    public var shortLabel: String {
        if let layer { return "\(layer)" }
        return kind.hasPrefix("hook_") ? String(kind.dropFirst(5)) : kind
    }

    /// Order of components in data flow.
    public static let componentOrder = ["patcher", "encoder", "global", "decoder"]
}
