import Foundation
import HDF5Store
import Ladders

/// One part of a study, run by one process (`probe run --shard I/N`), and the rule that assigns the
/// study's items to parts.
///
/// **Assignment.** Items are grouped by *(base ladder, base item id)*: every level of a base item, in
/// every arm (the run's own patching, the fixed-patching control `<ladder>@fixed:N`, the untrained
/// model control `<ladder>@random-init:S`), is one group, so the paired statistics never need two
/// shards. Groups are numbered in the order they first appear in the study's item order (ladder, then
/// level, then base item), and group `g` goes to shard `g mod N`. The rule depends only on the item
/// list, so every shard (and the merge) computes the same assignment without talking to the others.
///
/// **Reference profile.** Every shard builds the `/reference` profile itself from the same held-out
/// items in the same order; the computation is deterministic and independent of `--threads`, so the
/// profiles are bit-identical across shards, and `probe merge` checks that they are.
public struct StudyShard: Sendable, Equatable, CustomStringConvertible {
    /// Zero-based index, `0 ..< count`.
    public let index: Int
    /// Shards of the study, `1 ... ProbeRunShard.maxCount`.
    public let count: Int

    /// The assignment rule as stored in every shard file (`/shard.assignment_rule`).
    public static let assignmentRule = "v1: items grouped by (base ladder, base item id) over every level and arm; "
        + "groups numbered by first appearance in study order; group g -> shard g mod N"
    /// Folder inside the study's output folder that holds the shard files.
    public static let folder = "shards"

    /// - Throws: ``ProbingError/invalidOption(name:detail:)`` naming `option` when `count` is outside
    ///   `1 ... ProbeRunShard.maxCount` or `index` outside `0 ..< count`.
    public init(index: Int, count: Int, option: String = "--shard") throws {
        guard count >= 1, count <= ProbeRunShard.maxCount else {
            throw ProbingError.invalidOption(name: option, detail: "the shard count must be in 1...\(ProbeRunShard.maxCount), got \(count)")
        }
        guard index >= 0, index < count else {
            throw ProbingError.invalidOption(name: option, detail: "the shard index must be in 0..<\(count), got \(index)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (zero-based `I`).
    public init(parsing text: String, option: String = "--shard") throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ProbingError.invalidOption(name: option, detail: "expected I/N (zero-based shard I of N, e.g. 0/4) or none, got '\(text)'")
        }
        try self.init(index: i, count: n, option: option)
    }

    /// The shard of a process: `--shard I/N` when given (`none`: no sharding), else the Slurm array task
    /// (`SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN` of `SLURM_ARRAY_TASK_COUNT`) when both are set, else nil.
    /// - Throws: ``ProbingError/invalidOption(name:detail:)`` naming the option or environment variable
    ///   whose value is malformed or out of range (e.g. a stepped array `--array=0-7:2`).
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> StudyShard? {
        if let option { return option == "none" ? nil : try StudyShard(parsing: option) }
        guard let idText = environment["SLURM_ARRAY_TASK_ID"], let countText = environment["SLURM_ARRAY_TASK_COUNT"] else {
            return nil
        }
        func number(_ name: String, _ text: String) throws -> Int {
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0, value <= Int(Int32.max) else {
                throw ProbingError.invalidOption(name: name, detail: "expected an integer in 0...\(Int32.max), got '\(text)'")
            }
            return value
        }
        let id = try number("SLURM_ARRAY_TASK_ID", idText)
        let count = try number("SLURM_ARRAY_TASK_COUNT", countText)
        let minimum = try environment["SLURM_ARRAY_TASK_MIN"].map { try number("SLURM_ARRAY_TASK_MIN", $0) } ?? 0
        guard id >= minimum, id - minimum < count else {
            throw ProbingError.invalidOption(name: "SLURM_ARRAY_TASK_ID",
                detail: "task \(id) minus SLURM_ARRAY_TASK_MIN \(minimum) is outside 0..<SLURM_ARRAY_TASK_COUNT \(count); "
                    + "use a contiguous array (e.g. --array=0-\(max(count, 1) - 1)) or pass --shard I/N (or --shard none)")
        }
        return try StudyShard(index: id - minimum, count: count, option: "SLURM_ARRAY_TASK_COUNT")
    }

    public var description: String { "\(index)/\(count)" }

    /// `shard-0001-of-0004.h5`: sorts in index order and says what it is.
    public var fileName: String { "shard-\(Self.padded(index))-of-\(Self.padded(count)).h5" }

    /// The glob that matches every shard file of an `count`-shard study: `shard-*-of-0004.h5`.
    public static func fileNamePattern(count: Int) -> String { "shard-*-of-\(padded(count)).h5" }

    static func padded(_ n: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The shard (`0 ..< shards`) of every item of `items` (study order), by ``assignmentRule``.
    /// `controlSpecs` are the run's control arms (``StudyPlan/controlSpecs``), whose items join their
    /// base ladder's groups.
    public static func assignment(of items: [LadderItem], shards: Int, controlSpecs: [String]) -> [Int] {
        var group: [String: Int] = [:]
        return items.map { item in
            let key = groupKey(item, controlSpecs: controlSpecs)
            if let g = group[key] { return g % max(shards, 1) }
            let g = group.count
            group[key] = g
            return g % max(shards, 1)
        }
    }

    /// Groups (base items over all ladders) of a study: the most shards that all get items.
    public static func groupCount(of items: [LadderItem], controlSpecs: [String]) -> Int {
        Set(items.map { groupKey($0, controlSpecs: controlSpecs) }).count
    }

    /// The group of an item: its base ladder (control arms stripped) and base item id.
    static func groupKey(_ item: LadderItem, controlSpecs: [String]) -> String {
        StudyArm.split(item.ladder, controlSpecs: controlSpecs).base + "\u{1F}" + item.baseItemID
    }
}
