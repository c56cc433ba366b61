/// The sparsity measures of one vector in each representation.
public struct SparsityRow: Sendable, Equatable, Codable {
    /// Measures on the vector as recorded.
    public var raw: SparsityValues
    /// Measures with the reference's outlier dimensions removed; nil when no reference profile was given.
    /// When the profile has no outlier dimensions this equals `raw`.
    public var withoutOutliers: SparsityValues?
    /// Measures on per-dimension z-scores against the reference; nil when no reference profile was given or
    /// the reference has no dimension with σ > 0 (nothing to standardise).
    public var zScored: SparsityValues?

    public init(raw: SparsityValues, withoutOutliers: SparsityValues?, zScored: SparsityValues?) {
        self.raw = raw
        self.withoutOutliers = withoutOutliers
        self.zScored = zScored
    }

    /// The values of one variant, or nil if it was not computed.
    public subscript(variant: SparsityVariant) -> SparsityValues? {
        switch variant {
        case .raw: return raw
        case .withoutOutliers: return withoutOutliers
        case .zScored: return zScored
        }
    }

    /// One value, or nil if its variant was not computed.
    public func value(_ measure: SparsityMeasure, _ variant: SparsityVariant = .raw) -> Double? {
        self[variant]?[measure]
    }
}

extension SparsityRow {
    /// Measures one vector in every variant `reference` allows (raw only when `reference` is nil), without a
    /// reducer. Same values as `SparsityReducer.consume(_:)`.
    /// - Throws: `MetricsError.empty`, `.nonFinite`, or `.shapeMismatch` if the reference has another dimension.
    public init(measuring vector: UnsafeBufferPointer<Float>, reference: ReferenceProfile?) throws {
        try validateFinite(vector, argument: "vector")
        if let reference, reference.dimension != vector.count {
            throw MetricsError.shapeMismatch(argument: "vector", expected: reference.dimension, actual: vector.count)
        }
        self = SparsityReducer.measure(vector, reference: reference)
    }

    /// Array convenience for `init(measuring:reference:)`.
    public init(measuring vector: [Float], reference: ReferenceProfile?) throws {
        self = try vector.withUnsafeBufferPointer { try SparsityRow(measuring: $0, reference: reference) }
    }
}

extension SparsityRow {
    /// HDF5 column names for `variants`, variant-major, measures in `SparsityMeasure.allCases` order:
    /// e.g. ["hoyer", "gini", …, "hoyer_no_outliers", …, "hoyer_z", …].
    public static func columnNames(for variants: [SparsityVariant] = SparsityVariant.allCases) -> [String] {
        variants.flatMap { variant in SparsityMeasure.allCases.map { variant.columnName($0) } }
    }

    /// Values in the order of `columnNames(for:)`, or nil if one of `variants` was not computed for this row
    /// (no reference profile, or no dimension with σ > 0 for `zScored`).
    public func orderedValues(for variants: [SparsityVariant] = SparsityVariant.allCases) -> [Double]? {
        var result: [Double] = []
        result.reserveCapacity(variants.count * SparsityMeasure.allCases.count)
        for variant in variants {
            guard let values = self[variant] else { return nil }
            result.append(contentsOf: values.orderedValues)
        }
        return result
    }
}
