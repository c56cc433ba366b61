#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One hook's in-distribution reference profile as stored in `/reference`: the outlier dimensions the
/// `_no_outliers` variants drop, and the per-dimension mean and standard deviation the `_z` variants use.
///
/// Stored so that a reader can recompute every variant from raw activations and see *which* dimensions
/// were removed, without re-running the reference pass. (Plain values: HDF5Store does not depend on
/// the Metrics module that builds profiles.)
public struct ProbeRunReferenceProfile: Sendable, Equatable {
    /// Hook point name.
    public var hook: String
    /// Outlier dimension indices, ascending.
    public var outlierDimensions: [Int]
    /// Per-dimension mean of h over the reference vectors (length = hook width).
    public var mean: [Double]
    /// Per-dimension population standard deviation (ddof 0), same length as `mean`.
    public var standardDeviation: [Double]
    /// Reference vectors the moments were computed from.
    public var vectorCount: Int

    public init(hook: String, outlierDimensions: [Int], mean: [Double], standardDeviation: [Double], vectorCount: Int) {
        self.hook = hook
        self.outlierDimensions = outlierDimensions
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.vectorCount = vectorCount
    }
}

/// The `/reference` group (schema v1 addition; files without it still read): hooks on a coordinate axis
/// `hook` (`reference_hook` in v1 files), ragged per-hook data as flat values + offsets, like the rest of the file.
extension ProbeRunSchema {
    public enum Reference {
        public static let group = "reference"
        public static let hookDimension = "hook"
        /// The hook axis' name in v1 files.
        static let hookDimensionV1 = "reference_hook"
        public static let outlierDimension = "outlier"
        public static let valueDimension = "reference_value"
    }
}

extension ProbeRunWriter {
    /// Writes the reference profiles (once; a resumed file keeps the group written at its start).
    /// - Parameters:
    ///   - profiles: one per measured hook, in hook order.
    ///   - rule: how the reference set was chosen (stored as the group's `reference_rule` attribute).
    /// - Throws: `ProbeRunError.writerClosed`, `HDF5Error.shapeMismatch` when a profile's mean and standard
    ///   deviation differ in length or an outlier index lies outside the hook's width, `HDF5Error` from libhdf5.
    public func writeReference(_ profiles: [ProbeRunReferenceProfile], rule: String) throws {
        guard let file else { throw ProbeRunError.writerClosed(path: partialPath) }
        typealias R = ProbeRunSchema.Reference
        if try file.contains(R.group) { return }
        for p in profiles {
            guard p.mean.count == p.standardDeviation.count, p.outlierDimensions.allSatisfy({ (0..<p.mean.count).contains($0) }) else {
                throw HDF5Error.shapeMismatch(object: "\(partialPath):/\(R.group)",
                    detail: "hook \(p.hook): \(p.mean.count) means, \(p.standardDeviation.count) standard deviations, outliers \(p.outlierDimensions)")
            }
        }
        let group = try file.createGroup(R.group)
        try group.setAttribute("schema_group", "bytelens.probe-run v\(ProbeRunSchema.version) /\(R.group)")
        try group.setAttribute("reference_rule", rule)
        try group.createCoordinateDimension(R.hookDimension, strings: profiles.map(\.hook))
            .setAttribute("long_name", "hook point names")
        let outliers = profiles.flatMap(\.outlierDimensions)
        let values = profiles.reduce(0) { $0 + $1.mean.count }
        try group.createDimension(R.outlierDimension, length: outliers.count)
        try group.createDimension(R.valueDimension, length: values)
        func offsets(_ counts: [Int]) -> [Int64] {
            var out: [Int64] = [], running: Int64 = 0
            for c in counts { out.append(running); running += Int64(c) }
            return out
        }
        let hooks = [R.hookDimension]
        /// Every numeric dataset here is dimensionless (counts, indices) or in the hidden state's own units.
        func describe(_ dataset: HDF5Dataset, _ longName: String) throws {
            try dataset.setAttribute("long_name", longName)
            try dataset.setAttribute("units", "1")
        }
        try describe(group.createDataset("vector_count", values: profiles.map { Int64($0.vectorCount) }, dimensions: hooks), "reference vectors per hook")
        try describe(group.createDataset("width", values: profiles.map { Int64($0.mean.count) }, dimensions: hooks), "hidden width of the hook (rows of mean/std on the reference_value axis)")
        try describe(group.createDataset("value_offset", values: offsets(profiles.map(\.mean.count)), dimensions: hooks), "first row of the hook on the reference_value axis")
        try describe(group.createDataset("outlier_offset", values: offsets(profiles.map(\.outlierDimensions.count)), dimensions: hooks), "first row of the hook on the outlier axis")
        try describe(group.createDataset("outlier_count", values: profiles.map { Int64($0.outlierDimensions.count) }, dimensions: hooks), "outlier dimensions of the hook")
        try describe(group.createDataset("outlier_dimension", values: outliers.map { Int32($0) }, dimensions: [R.outlierDimension]), "outlier dimension indices (ascending per hook), dropped by the _no_outliers variants")
        try describe(group.createDataset("mean", values: profiles.flatMap(\.mean), dimensions: [R.valueDimension]), "per-dimension mean of h on the reference set (z-score centre)")
        try describe(group.createDataset("std", values: profiles.flatMap(\.standardDeviation), dimensions: [R.valueDimension]), "per-dimension population standard deviation of h on the reference set (z-score scale; 0 = dimension left out)")
        try file.flush()
    }
}

extension ProbeRunReader {
    /// The stored reference profiles in hook order, or nil for files written before `/reference` existed.
    /// - Throws: `ProbeRunError.unsupportedSchema` when the group is present but inconsistent, `HDF5Error`.
    public func referenceProfiles() throws -> [ProbeRunReferenceProfile]? {
        typealias R = ProbeRunSchema.Reference
        guard try file.contains(R.group) else { return nil }
        let group = try file.group(R.group)
        let hooks = try group.dataset(try group.contains(R.hookDimension) ? R.hookDimension : R.hookDimensionV1).readStrings()
        let counts = try group.dataset("vector_count").read(as: Int64.self)
        let widths = try group.dataset("width").read(as: Int64.self)
        let valueOffsets = try group.dataset("value_offset").read(as: Int64.self)
        let outlierOffsets = try group.dataset("outlier_offset").read(as: Int64.self)
        let outlierCounts = try group.dataset("outlier_count").read(as: Int64.self)
        let outliers = try group.dataset("outlier_dimension").read(as: Int32.self)
        let mean = try group.dataset("mean").read(as: Double.self)
        let std = try group.dataset("std").read(as: Double.self)
        return try hooks.indices.map { h in
            let v = Int(valueOffsets[h])..<Int(valueOffsets[h] + widths[h])
            let o = Int(outlierOffsets[h])..<Int(outlierOffsets[h] + outlierCounts[h])
            guard v.upperBound <= mean.count, v.upperBound <= std.count, o.upperBound <= outliers.count,
                  [counts.count, widths.count, valueOffsets.count, outlierOffsets.count, outlierCounts.count].allSatisfy({ $0 == hooks.count })
            else {
                throw ProbeRunError.unsupportedSchema(path: path, detail: "/\(R.group) is inconsistent at hook \(hooks[h])")
            }
            return ProbeRunReferenceProfile(hook: hooks[h], outlierDimensions: outliers[o].map(Int.init),
                                            mean: Array(mean[v]), standardDeviation: Array(std[v]), vectorCount: Int(counts[h]))
        }
    }

    /// How the reference set was chosen (`reference_rule` of `/reference`), nil without the group.
    public func referenceRule() throws -> String? {
        typealias R = ProbeRunSchema.Reference
        guard try file.contains(R.group) else { return nil }
        return try file.group(R.group).stringAttribute("reference_rule")
    }
}
