/// Which part of a sharded study a probe-run file holds: the optional group `/shard`.
///
/// A study split with `probe run --shard I/N` writes one file per shard. Each is an ordinary finished
/// probe-run file (same layout, provenance and `/reference` as the whole study) holding only its own
/// items, plus `/shard`: the shard's index and count, the assignment rule, the number of items of the
/// whole study, and for every item of the file its row in the whole study (`study_item_index`). A
/// shard file has no statistics (they need every item); `probe merge` puts the shards back into one
/// file in study order and computes them there.
///
/// Untrusted input: ``ProbeRunReader/shard()`` checks every number against the file and the caps below
/// and throws ``ProbeRunError/unsupportedSchema(path:detail:)`` naming the field, value and limit.
public struct ProbeRunShard: Sendable, Equatable {
    /// Zero-based shard index, `0 ..< count`.
    public var index: Int
    /// Shards of the study.
    public var count: Int
    /// Items (HDF5 rows) of the whole study, over every shard.
    public var studyItemCount: Int
    /// For each item of this file, in file order, its row in the whole study (strictly ascending).
    public var studyItemIndex: [Int]
    /// The documented rule that assigned items to shards (stored so a merge can check it).
    public var assignmentRule: String

    /// Most shards a study may have (a Slurm array of 10,000 tasks is already far past useful).
    public static let maxCount = 10_000
    /// Most items a study may have (the `item` axis is indexed with int32 in `/bytes`).
    public static let maxStudyItems = Int(Int32.max)

    public init(index: Int, count: Int, studyItemCount: Int, studyItemIndex: [Int], assignmentRule: String) {
        self.index = index
        self.count = count
        self.studyItemCount = studyItemCount
        self.studyItemIndex = studyItemIndex
        self.assignmentRule = assignmentRule
    }

    /// Group and field names of `/shard`.
    public enum Field {
        public static let group = "shard"
        public static let index = "shard_index"
        public static let count = "shard_count"
        public static let studyItemCount = "study_item_count"
        public static let assignmentRule = "assignment_rule"
        public static let studyItemIndex = "study_item_index"
    }

    /// Every field within its caps and consistent with `itemCount` items in the file.
    func validate(path: String, itemCount: Int) throws {
        func bad(_ detail: String) -> ProbeRunError { .unsupportedSchema(path: path, detail: "/\(Field.group): \(detail)") }
        guard count >= 1, count <= Self.maxCount else {
            throw bad("\(Field.count) = \(count) is outside 1...\(Self.maxCount)")
        }
        guard index >= 0, index < count else { throw bad("\(Field.index) = \(index) is outside 0..<\(count) (\(Field.count))") }
        guard studyItemCount >= 0, studyItemCount <= Self.maxStudyItems else {
            throw bad("\(Field.studyItemCount) = \(studyItemCount) is outside 0...\(Self.maxStudyItems)")
        }
        guard studyItemIndex.count == itemCount else {
            throw bad("\(Field.studyItemIndex) has \(studyItemIndex.count) rows for \(itemCount) items")
        }
        var previous = -1
        for (row, value) in studyItemIndex.enumerated() {
            guard value > previous, value < studyItemCount else {
                throw bad("\(Field.studyItemIndex)[\(row)] = \(value) is not ascending within 0..<\(studyItemCount)")
            }
            previous = value
        }
    }
}

extension ProbeRunWriter {
    /// Writes `/shard` (call before ``finish(statistics:finishedUTC:)``; a shard file's statistics are empty).
    public func writeShard(_ shard: ProbeRunShard) throws {
        guard let file else { throw ProbeRunError.writerClosed(path: partialPath) }
        typealias F = ProbeRunShard.Field
        try checkpoint()
        try shard.validate(path: partialPath, itemCount: completedItemCount)
        if try file.contains(F.group) { throw HDF5Error.schema(path: partialPath, detail: "/\(F.group) was already written") }
        let group = try file.createGroup(F.group)
        try group.setAttribute("schema_group", "bytelens.probe-run v\(ProbeRunSchema.version) /\(F.group)")
        try group.setAttribute(F.index, Int64(shard.index))
        try group.setAttribute(F.count, Int64(shard.count))
        try group.setAttribute(F.studyItemCount, Int64(shard.studyItemCount))
        try group.setAttribute(F.assignmentRule, shard.assignmentRule)
        let rows = try group.createDataset(F.studyItemIndex, values: shard.studyItemIndex.map(Int64.init),
                                           dimensions: [ProbeRunSchema.Dimension.item])
        try rows.setAttribute("long_name", "row of the item in the whole (merged) study")
        try rows.setAttribute("units", "1")
        try file.flush()
    }
}

extension ProbeRunReader {
    /// The file's `/shard` group, or nil for a whole-study file.
    /// - Throws: ``ProbeRunError/unsupportedSchema(path:detail:)`` when a field is missing, out of its cap
    ///   or inconsistent with the file's items; `HDF5Error` for unreadable objects.
    public func shard() throws -> ProbeRunShard? {
        typealias F = ProbeRunShard.Field
        guard try file.contains(F.group) else { return nil }
        let group = try file.group(F.group)
        func integer(_ name: String) throws -> Int {
            guard try group.hasAttribute(name) else {
                throw ProbeRunError.unsupportedSchema(path: path, detail: "/\(F.group) has no attribute \(name)")
            }
            let value = try group.attribute(name, as: Int64.self)
            guard let int = Int(exactly: value) else {
                throw ProbeRunError.unsupportedSchema(path: path, detail: "/\(F.group).\(name) = \(value) does not fit an Int")
            }
            return int
        }
        let rows = try group.dataset(F.studyItemIndex)
        let shape = try rows.shape()
        guard shape == [completedItemCount] else {
            throw ProbeRunError.unsupportedSchema(path: path,
                detail: "/\(F.group)/\(F.studyItemIndex) has shape \(shape) for \(completedItemCount) items")
        }
        let shard = ProbeRunShard(
            index: try integer(F.index), count: try integer(F.count), studyItemCount: try integer(F.studyItemCount),
            studyItemIndex: try rows.read(as: Int64.self).map { Int(truncatingIfNeeded: $0) },
            assignmentRule: try group.stringAttribute(F.assignmentRule))
        try shard.validate(path: path, itemCount: completedItemCount)
        return shard
    }
}
