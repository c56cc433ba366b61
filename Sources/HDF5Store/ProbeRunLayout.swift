/// Where raw activations of one hook are stored.
public enum ProbeRunActivationScope: String, Sendable, Codable, CaseIterable {
    /// One row per sequence position (byte axis).
    case byte
    /// One row per patch (patch axis).
    case patch
    /// One row per item, at the probe position (item axis).
    case probe

    /// Group below `/activations` holding this scope's datasets (same names as under `/measures`).
    public var groupName: String {
        switch self {
        case .byte: ProbeRunSchema.Group.byteLevel
        case .patch: ProbeRunSchema.Group.patchLevel
        case .probe: ProbeRunSchema.Group.probe
        }
    }

    /// The root dimension the rows follow.
    var dimension: String {
        switch self {
        case .byte: ProbeRunSchema.Dimension.byte
        case .patch: ProbeRunSchema.Dimension.patch
        case .probe: ProbeRunSchema.Dimension.item
        }
    }
}

/// One stored raw activation: a hook at one scope, with its hidden width.
public struct ProbeRunActivationSpec: Sendable, Equatable, Codable, Hashable {
    public var hook: String
    public var scope: ProbeRunActivationScope
    public var width: Int

    public init(hook: String, scope: ProbeRunActivationScope, width: Int) {
        self.hook = hook
        self.scope = scope
        self.width = width
    }

    /// Key in `ProbeRunItem.activations`: "<group>/<hook>" (e.g. "patch_level/global_transformer.out"),
    /// also the dataset path under /activations.
    public var key: String { "\(scope.groupName)/\(hook)" }
}

/// `long_name` and CF-style `units` of a column.
public struct ProbeRunColumnDescription: Sendable, Equatable, Codable, Hashable {
    public var longName: String
    public var units: String

    public init(longName: String, units: String) {
        self.longName = longName
        self.units = units
    }
}

/// What a probe run contains besides the fixed columns: fixed when the file is created and checked
/// again on resume (a partial file written with another layout is refused).
public struct ProbeRunLayout: Sendable, Equatable, Codable {
    /// Hooks measured at every sequence position (local encoder/decoder), in column order.
    public var byteLevelHooks: [String]
    /// Hooks measured at every patch (global transformer), in column order.
    public var patchLevelHooks: [String]
    /// Hooks measured once per item at the probe position.
    public var probeHooks: [String]
    /// Measure column names, e.g. "hoyer", "hoyer_no_outliers", "gini_z" (same for every granularity).
    public var measureColumns: [String]
    /// Per-item scalar metrics, e.g. "mean_entropy", "bits_per_byte", "shift_distance".
    public var itemMetricNames: [String]
    /// Raw activations to keep (optional; can be large).
    public var activations: [ProbeRunActivationSpec]
    /// `long_name` and `units` of item metrics by name (written as attributes of their `/items` columns);
    /// a metric without an entry gets a generic `long_name` and units `"1"`.
    public var itemMetricDescriptions: [String: ProbeRunColumnDescription]

    public init(byteLevelHooks: [String], patchLevelHooks: [String], probeHooks: [String],
                measureColumns: [String], itemMetricNames: [String], activations: [ProbeRunActivationSpec] = [],
                itemMetricDescriptions: [String: ProbeRunColumnDescription] = [:]) {
        self.byteLevelHooks = byteLevelHooks
        self.patchLevelHooks = patchLevelHooks
        self.probeHooks = probeHooks
        self.measureColumns = measureColumns
        self.itemMetricNames = itemMetricNames
        self.activations = activations
        self.itemMetricDescriptions = itemMetricDescriptions
    }

    private enum CodingKeys: String, CodingKey {
        case byteLevelHooks, patchLevelHooks, probeHooks, measureColumns, itemMetricNames, activations, itemMetricDescriptions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        byteLevelHooks = try c.decode([String].self, forKey: .byteLevelHooks)
        patchLevelHooks = try c.decode([String].self, forKey: .patchLevelHooks)
        probeHooks = try c.decode([String].self, forKey: .probeHooks)
        measureColumns = try c.decode([String].self, forKey: .measureColumns)
        itemMetricNames = try c.decode([String].self, forKey: .itemMetricNames)
        activations = try c.decodeIfPresent([ProbeRunActivationSpec].self, forKey: .activations) ?? []
        // Absent in v1 files.
        itemMetricDescriptions = try c.decodeIfPresent([String: ProbeRunColumnDescription].self, forKey: .itemMetricDescriptions) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(byteLevelHooks, forKey: .byteLevelHooks)
        try c.encode(patchLevelHooks, forKey: .patchLevelHooks)
        try c.encode(probeHooks, forKey: .probeHooks)
        try c.encode(measureColumns, forKey: .measureColumns)
        try c.encode(itemMetricNames, forKey: .itemMetricNames)
        try c.encode(activations, forKey: .activations)
        if !itemMetricDescriptions.isEmpty { try c.encode(itemMetricDescriptions, forKey: .itemMetricDescriptions) }
    }

    /// Names must be usable as HDF5 link names and unique; widths positive.
    func validate(path: String) throws {
        func check(_ names: [String], _ what: String) throws {
            for name in names where name.isEmpty || name.contains("/") || name == "." {
                throw ProbeRunError.invalidLayout(path: path, detail: "\(what) name '\(name)' is empty or contains '/'")
            }
            if Set(names).count != names.count {
                throw ProbeRunError.invalidLayout(path: path, detail: "duplicate \(what) names in \(names)")
            }
        }
        try check(byteLevelHooks, "byte-level hook")
        try check(patchLevelHooks, "patch-level hook")
        try check(probeHooks, "probe hook")
        try check(measureColumns, "measure column")
        try check(itemMetricNames, "item metric")
        let reservedItemColumns = Set(ProbeRunSchema.itemColumnNames)
        for name in itemMetricNames where reservedItemColumns.contains(name) {
            throw ProbeRunError.invalidLayout(path: path, detail: "item metric '\(name)' collides with a fixed /items column")
        }
        try check(activations.map(\.key).map { $0.replacingSlash() }, "activation")
        for spec in activations where spec.width <= 0 {
            throw ProbeRunError.invalidLayout(path: path, detail: "activation \(spec.key) has width \(spec.width)")
        }
    }
}

extension String {
    /// Used only to validate activation keys (which contain exactly one "/" by construction).
    fileprivate func replacingSlash() -> String {
        guard let index = firstIndex(of: "/") else { return self }
        var copy = self
        copy.replaceSubrange(index...index, with: ":")
        return copy
    }
}
