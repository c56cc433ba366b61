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

extension HookName {
    /// The four transformer stacks in data-flow order (figures and primary hooks go through them).
    public static let stackOrder: [HookComponent] = [.patcher, .encoder, .global, .decoder]

    /// Short label for figure axes: the layer for per-layer hooks, the site without `hook_` otherwise.
    public var shortLabel: String {
        if let layer { return "\(layer)" }
        return String(site.rawValue.dropFirst("hook_".count))
    }

    /// Whether `name` parses to a hook of `component` at `site` (stored names are plain strings).
    public static func name(_ name: String, is site: HookSite, in component: HookComponent? = nil) -> Bool {
        guard let hook = HookName(name), hook.site == site else { return false }
        return component.map { hook.component == $0 } ?? true
    }
}
