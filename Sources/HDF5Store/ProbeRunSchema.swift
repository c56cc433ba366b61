/// Names, types, meanings and units of schema v2 of a probe run ("bytelens.probe-run"). The writer creates
/// exactly these objects, the reader and `probe inspect` read them, and
/// `HDF5Store.docc/ProbeRunSchema.md` documents them. Never rename a column within a version.
///
/// Units: every numeric dataset carries a CF-style `units` attribute. Dimensionless values (counts,
/// indices, sparsity measures, test statistics) have `"1"`; entropies and log-probabilities of the
/// per-byte and per-patch tables are natural-log quantities (`"nat"`, as the model computes them);
/// per-item metrics say their unit in their name and attribute (`"bit"`, `"bit/byte"`, `"byte"`,
/// `"FLOP/byte"`). v2 over v1: units everywhere, one hook-axis name (`hook`) in every group, the global
/// patch row `bytes/patch_index`. Readers accept v1 and v2. Boolean flags (stored as uint8 with a
/// `dtype = bool` attribute) have no units.
public enum ProbeRunSchema {
    /// Value of the root attribute `schema`.
    public static let name = "bytelens.probe-run"
    /// Value of the root attribute `schema_version`; readers refuse newer versions.
    public static let version = 2
    /// The oldest version readers still accept (v1 files lack the v2 additions, which readers derive).
    public static let oldestReadableVersion = 1

    /// Shared dimensions, all defined in the root group so every group can use them.
    public enum Dimension {
        /// One entry per item (unlimited).
        public static let item = "item"
        /// The flat axis of all items' sequence positions, BOS included (unlimited).
        public static let byte = "byte"
        /// The flat axis of all items' patches (unlimited).
        public static let patch = "patch"
    }

    /// Group names.
    public enum Group {
        public static let items = "items"
        public static let bytes = "bytes"
        public static let patches = "patches"
        public static let measures = "measures"
        public static let byteLevel = "byte_level"
        public static let patchLevel = "patch_level"
        public static let probe = "probe"
        public static let activations = "activations"
        public static let statistics = "statistics"
        public static let provenance = "provenance"
    }

    /// Root attribute names.
    public enum Attribute {
        public static let schema = "schema"
        public static let schemaVersion = "schema_version"
        public static let status = "status"
        public static let completedItems = "completed_items"
        public static let toolVersion = "tool_version"
        public static let gitCommit = "git_commit"
        public static let modelPath = "model_path"
        public static let modelFiles = "model_files"
        public static let modelSHA256 = "model_sha256"
        public static let datasetName = "dataset_name"
        public static let datasetManifestSHA256 = "dataset_manifest_sha256"
        public static let seed = "seed"
        public static let commandLine = "command_line"
        public static let libraryNames = "library_names"
        public static let libraryVersions = "library_versions"
        public static let hdf5Version = "hdf5_version"
        public static let startedUTC = "started_utc"
        public static let finishedUTC = "finished_utc"
        public static let resumedUTC = "resumed_utc"
    }

    /// Values of the root attribute `status`.
    public enum Status {
        /// Rows are still being appended (or the run stopped); only a `.partial` file has this.
        public static let writing = "writing"
        /// `finish()` ran: statistics and end time are present.
        public static let complete = "complete"
    }

    /// One fixed 1-D column of a table group.
    public struct Column: Sendable {
        public let name: String
        public let type: HDF5ElementType
        public let meaning: String
        public let units: String?
    }

    /// `/items`, dimension `item`. Item metrics (`ProbeRunLayout.itemMetricNames`) follow as float64 columns.
    public static let itemColumns: [Column] = [
        Column(name: "ladder", type: .string, meaning: "ladder name", units: nil),
        Column(name: "level_index", type: .int32, meaning: "ordinal difficulty level, 0 = easiest", units: "1"),
        Column(name: "level_name", type: .string, meaning: "difficulty level name", units: nil),
        Column(name: "base_item_id", type: .string, meaning: "base item the level was derived from (blocking factor)", units: nil),
        Column(name: "seed", type: .uint64, meaning: "the item's RNG seed", units: "1"),
        Column(name: "byte_offset", type: .int64, meaning: "first row of the item on the byte axis", units: "1"),
        Column(name: "byte_count", type: .int64, meaning: "number of byte-axis rows of the item (sequence length N, BOS included)", units: "1"),
        Column(name: "patch_offset", type: .int64, meaning: "first row of the item on the patch axis", units: "1"),
        Column(name: "patch_count", type: .int64, meaning: "number of patch-axis rows of the item", units: "1"),
        Column(name: "span_start", type: .int32, meaning: "first analysed sequence position (inclusive)", units: "1"),
        Column(name: "span_end", type: .int32, meaning: "end of the analysed positions (exclusive)", units: "1"),
        Column(name: "probe_position", type: .int32, meaning: "sequence position of the per-item probe measures", units: "1"),
    ]

    /// `/bytes`, dimension `byte`.
    public static let byteColumns: [Column] = [
        Column(name: "item_index", type: .int32, meaning: "row of the item in /items", units: "1"),
        Column(name: "position", type: .int32, meaning: "sequence position within the item (0 = BOS)", units: "1"),
        Column(name: "value", type: .int16, meaning: "byte value 0-255, -1 for a non-byte position (BOS)", units: "1"),
        Column(name: "entropy", type: .float32, meaning: "byte-aligned next-byte entropy of the entropy model (NaN if undefined)", units: "nat"),
        Column(name: "patch_id", type: .int32, meaning: "index of the containing patch within the item", units: "1"),
        Column(name: "patch_index", type: .int64, meaning: "row of the containing patch on the patch axis (items.patch_offset + patch_id)", units: "1"),
        Column(name: "is_patch_start", type: .bool, meaning: "a patch starts at this position", units: nil),
        Column(name: "log_prob", type: .float32, meaning: "the BLT's log-probability of this byte given the bytes before it (NaN at BOS or without logits)", units: "nat"),
        Column(name: "entropy_model_log_prob", type: .float32, meaning: "the entropy model's log-probability of this byte given the bytes before it (NaN at BOS or without an entropy model)", units: "nat"),
    ]

    /// `/bytes` columns added after the first v1 files; readers give NaN when they are absent.
    public static let optionalByteColumns: Set<String> = ["log_prob", "entropy_model_log_prob", "patch_index"]

    /// `/patches`, dimension `patch`.
    public static let patchColumns: [Column] = [
        Column(name: "item_index", type: .int32, meaning: "row of the item in /items", units: "1"),
        Column(name: "start", type: .int32, meaning: "first sequence position of the patch", units: "1"),
        Column(name: "length", type: .int32, meaning: "positions in the patch (0 for an empty trailing patch)", units: "1"),
        Column(name: "mean_entropy", type: .float32, meaning: "mean byte-aligned entropy over the patch (NaN if undefined)", units: "nat"),
        Column(name: "max_entropy", type: .float32, meaning: "maximum byte-aligned entropy over the patch (NaN if undefined)", units: "nat"),
        Column(name: "first_byte_entropy", type: .float32, meaning: "entropy at the patch's first position (NaN if undefined)", units: "nat"),
    ]

    /// `/statistics`, dimension `result` (written by `finish`).
    public static let statisticColumns: [Column] = [
        Column(name: "test", type: .string, meaning: "test identifier", units: nil),
        Column(name: "question", type: .string, meaning: "the question in plain words", units: nil),
        Column(name: "ladder", type: .string, meaning: "ladder name", units: nil),
        Column(name: "hook", type: .string, meaning: "hook point (empty for entropy-only rows)", units: nil),
        Column(name: "measure", type: .string, meaning: "measure column", units: nil),
        Column(name: "is_primary", type: .bool, meaning: "pre-registered primary measure", units: nil),
        Column(name: "estimator", type: .string, meaning: "what the estimate is", units: nil),
        Column(name: "p_test", type: .string, meaning: "where p comes from", units: nil),
        Column(name: "ci_method", type: .string, meaning: "bootstrap CI method (empty without CI)", units: nil),
        Column(name: "n", type: .int64, meaning: "items (clusters) in the test", units: "1"),
        Column(name: "estimate", type: .float64, meaning: "effect size (NaN if undefined)", units: "1"),
        Column(name: "ci_low", type: .float64, meaning: "lower CI bound (NaN if undefined)", units: "1"),
        Column(name: "ci_high", type: .float64, meaning: "upper CI bound (NaN if undefined)", units: "1"),
        Column(name: "p", type: .float64, meaning: "p-value (NaN if undefined)", units: "1"),
        Column(name: "p_corrected", type: .float64, meaning: "Holm-corrected p-value (NaN if undefined)", units: "1"),
        Column(name: "verdict", type: .string, meaning: "plain-language outcome", units: nil),
        Column(name: "note", type: .string, meaning: "caveats or why data was insufficient", units: nil),
        Column(name: "direction", type: .string, meaning: "how a larger value of the measure reads (orients the verdict)", units: nil),
        Column(name: "equivalence_delta", type: .float64, meaning: "TOST equivalence margin (NaN if none)", units: "1"),
        Column(name: "tost_p", type: .float64, meaning: "TOST p-value for equivalence to 0 within the margin (NaN if none)", units: "1"),
        Column(name: "max_vif", type: .float64, meaning: "largest variance inflation factor of the regression covariates (NaN if none)", units: "1"),
        Column(name: "stratum", type: .string, meaning: "data subset of the row (empty for all data)", units: nil),
    ]

    /// Statistics columns added after the first v1 files; readers default them when absent.
    public static let optionalStatisticColumns: Set<String> = ["direction", "equivalence_delta", "tost_p", "max_vif", "stratum"]

    /// Dimension of `/statistics`.
    public static let resultDimension = "result"
    /// Hook coordinate dimension of each `/measures` group.
    /// (v1 called them `byte_hook`, `patch_hook` and `hook`; v2 uses `hook` in every group.)
    static let byteHookDimension = "hook"
    static let patchHookDimension = "hook"
    static let probeHookDimension = "hook"
    /// Scalar string datasets in `/provenance`.
    public static let configJSON = "config_json"
    public static let datasetManifestJSON = "dataset_manifest_json"
    public static let layoutJSON = "layout_json"

    static var itemColumnNames: [String] { itemColumns.map(\.name) }

    /// The coordinate value of an item on the `item` axis: `<ladder>/<level_index>/<base_item_id>`, e.g.
    /// `ood/3/b0012` or `ood@fixed:4/3/b0012` (control arms carry their arm in the ladder name).
    public static func itemID(_ record: ProbeRunItemRecord) -> String {
        "\(record.ladder)/\(record.levelIndex)/\(record.baseItemID)"
    }

    /// Name of the hidden dimension for activations of width `width`.
    static func hiddenDimension(width: Int) -> String { "hidden_\(width)" }
}
