import Foundation

/// The dataset manifest of a run, stored as canonical JSON in `/provenance/dataset_manifest_json`: the
/// ladders with their levels and how the levels are scaled, and the item count. Like
/// ``RunConfiguration``, one typed value for writing and reading: canonical when encoded (sorted keys),
/// tolerant when decoded (a missing or ill-typed field reads as nil).
public struct DatasetManifest: StoredJSON, Equatable, Sendable {
    /// One ladder of the dataset.
    public struct Ladder: Codable, Equatable, Sendable {
        public var name: String?
        public var summary: String?
        /// Whether the levels are ordered by hypothesised difficulty (false: a categorical ladder).
        public var ordinal: Bool?
        /// `numeric`, `ordered_categories` or `categories`.
        public var levelScale: String?
        public var levels: [String]?
        public var selectedLevels: [Int]?
        public var baseItems: Int?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case name, summary, ordinal, levels
            case levelScale = "level_scale"
            case selectedLevels = "selected_levels"
            case baseItems = "base_items"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func get<T: Decodable>(_ key: CodingKeys) -> T? { (try? c.decodeIfPresent(T.self, forKey: key)) ?? nil }
            name = get(.name); summary = get(.summary); ordinal = get(.ordinal); levelScale = get(.levelScale)
            levels = get(.levels); selectedLevels = get(.selectedLevels); baseItems = get(.baseItems)
        }

        /// Whether the study treats the levels as categories (test (c) gets level indicators): the recorded
        /// scale, or for files without one, a non-ordinal ladder.
        public var hasCategoricalLevels: Bool { levelScale.map { $0 != "numeric" } ?? (ordinal == false) }
    }

    public var dataset: String?
    public var ladders: [Ladder]?
    public var itemCount: Int?
    public var itemSeedVersion: String?
    /// What `dataset_manifest_sha256` covers, in words.
    public var manifestSHA256Covers: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case dataset, ladders
        case itemCount = "item_count"
        case itemSeedVersion = "item_seed_version"
        case manifestSHA256Covers = "manifest_sha256_covers"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ key: CodingKeys) -> T? { (try? c.decodeIfPresent(T.self, forKey: key)) ?? nil }
        dataset = get(.dataset); ladders = get(.ladders); itemCount = get(.itemCount); itemSeedVersion = get(.itemSeedVersion)
        manifestSHA256Covers = get(.manifestSHA256Covers)
    }
}
