#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads a probe-run file (schema v1) back into plain structs. Used by figures, reports and
/// `probe inspect`. Reads lazily: `itemRecords()` and `statistics()` are small; `item(at:)` reads one
/// item's rows; whole columns are available for plotting.
///
/// Only the first `completedItemCount` items are exposed, so a partial file opened with
/// `allowPartial: true` never shows half-written rows.
public final class ProbeRunReader {
    public let path: String
    public let schemaVersion: Int
    /// `ProbeRunSchema.Status.complete` or `.writing` (partial file).
    public let status: String
    public let completedItemCount: Int
    public let layout: ProbeRunLayout
    public let provenance: ProbeRunProvenance
    let file: HDF5File

    /// Opens and validates a file.
    /// - Throws: `ProbeRunError.unsupportedSchema` when the schema attribute is missing, names another
    ///   schema, or has a newer version than this build reads; also when the file is still partial and
    ///   `allowPartial` is false. `HDF5Error` for files HDF5 cannot open.
    public init(path: String, allowPartial: Bool = false) throws {
        let file = try HDF5File.open(path, mode: .readOnly)
        self.path = path
        self.file = file
        self.schemaVersion = try Self.checkSchema(file, path: path)
        self.status = try file.stringAttribute(ProbeRunSchema.Attribute.status)
        if status != ProbeRunSchema.Status.complete && !allowPartial {
            throw ProbeRunError.unsupportedSchema(path: path,
                detail: "the run did not finish (status '\(status)'); it is a partial file, resume it or open it as partial")
        }
        self.completedItemCount = Int(try file.attribute(ProbeRunSchema.Attribute.completedItems, as: Int64.self))
        self.layout = try Self.readLayout(file, path: path)
        self.provenance = try Self.readProvenance(file)
    }

    /// Closes the file (also done on deinit).
    public func close() {
        for dataset in openDatasets.values { dataset.close() }
        openDatasets = [:]
        file.close()
    }

    /// Checks the root `schema` and `schema_version` attributes; returns the version.
    public static func checkSchema(_ file: HDF5File, path: String) throws -> Int {
        typealias A = ProbeRunSchema.Attribute
        guard try file.hasAttribute(A.schema) else {
            throw ProbeRunError.unsupportedSchema(path: path,
                detail: "not a ByteLens probe-run file: the root attribute '\(A.schema)' is missing")
        }
        let name = try file.stringAttribute(A.schema)
        guard name == ProbeRunSchema.name else {
            throw ProbeRunError.unsupportedSchema(path: path,
                detail: "schema '\(name)' is not '\(ProbeRunSchema.name)'")
        }
        guard try file.hasAttribute(A.schemaVersion) else {
            throw ProbeRunError.unsupportedSchema(path: path,
                detail: "the root attribute '\(A.schemaVersion)' is missing, so the layout cannot be trusted")
        }
        guard case .integers(let values) = try file.attributeValue(A.schemaVersion), values.count == 1 else {
            throw ProbeRunError.unsupportedSchema(path: path, detail: "'\(A.schemaVersion)' is not one integer")
        }
        let version = Int(values[0])
        if version > ProbeRunSchema.version {
            throw ProbeRunError.unsupportedSchema(path: path,
                detail: "schema version \(version) is newer than this ByteLens build reads (≤ \(ProbeRunSchema.version)); upgrade ByteLens")
        }
        if version < 1 {
            throw ProbeRunError.unsupportedSchema(path: path, detail: "schema version \(version) is not valid")
        }
        return version
    }

    static func readLayout(_ file: HDF5File, path: String) throws -> ProbeRunLayout {
        let json = try file.group(ProbeRunSchema.Group.provenance).dataset(ProbeRunSchema.layoutJSON).readStrings()
        guard let text = json.first else {
            throw ProbeRunError.unsupportedSchema(path: path, detail: "/provenance/layout_json is empty")
        }
        do {
            return try JSONDecoder().decode(ProbeRunLayout.self, from: Data(text.utf8))
        } catch {
            throw ProbeRunError.unsupportedSchema(path: path, detail: "/provenance/layout_json is not a valid layout: \(error)")
        }
    }

    static func readProvenance(_ file: HDF5File) throws -> ProbeRunProvenance {
        typealias A = ProbeRunSchema.Attribute
        let group = try file.group(ProbeRunSchema.Group.provenance)
        let names = try file.stringArrayAttribute(A.libraryNames)
        let versions = try file.stringArrayAttribute(A.libraryVersions)
        let paths = try file.stringArrayAttribute(A.modelFiles)
        let hashes = try file.stringArrayAttribute(A.modelSHA256)
        let finished = try file.stringAttribute(A.finishedUTC)
        return ProbeRunProvenance(
            toolVersion: try file.stringAttribute(A.toolVersion),
            gitCommit: try file.stringAttribute(A.gitCommit),
            modelPath: try file.stringAttribute(A.modelPath),
            modelFiles: zip(paths, hashes).map { ProbeRunModelFile(path: $0, sha256: $1) },
            configJSON: try group.dataset(ProbeRunSchema.configJSON).readStrings().first ?? "",
            datasetName: try file.stringAttribute(A.datasetName),
            datasetManifestSHA256: try file.stringAttribute(A.datasetManifestSHA256),
            datasetManifestJSON: try group.dataset(ProbeRunSchema.datasetManifestJSON).readStrings().first ?? "",
            seed: try file.attribute(A.seed, as: UInt64.self),
            commandLine: try file.stringArrayAttribute(A.commandLine),
            libraryVersions: Dictionary(zip(names, versions), uniquingKeysWith: { first, _ in first }),
            startedUTC: try file.stringAttribute(A.startedUTC),
            finishedUTC: finished.isEmpty ? nil : finished,
            resumedUTC: try file.stringArrayAttribute(A.resumedUTC))
    }

    // MARK: Items

    /// Open datasets by path, so reading many items does not reopen ~40 datasets per item.
    private var openDatasets: [String: HDF5Dataset] = [:]

    func dataset(_ groupPath: String, _ name: String) throws -> HDF5Dataset {
        let key = groupPath + "/" + name
        if let cached = openDatasets[key] { return cached }
        var group: HDF5Group = file
        for part in groupPath.split(separator: "/") { group = try group.group(String(part)) }
        let dataset = try group.dataset(name)
        openDatasets[key] = dataset
        return dataset
    }

    /// A `/bytes` column added later in v1 (`ProbeRunSchema.optionalByteColumns`): nil when the file
    /// predates it, so the row type fills NaN.
    func optionalByteColumn(_ name: String, rows: Range<Int>) throws -> [Float]? {
        guard try file.group(ProbeRunSchema.Group.bytes).contains(name) else { return nil }
        return try dataset(ProbeRunSchema.Group.bytes, name).read(rows: rows)
    }

    /// All item records (the first `completedItemCount` rows of /items).
    public func itemRecords() throws -> [ProbeRunItemRecord] {
        try readRecords(0..<completedItemCount)
    }

    func readRecords(_ rows: Range<Int>) throws -> [ProbeRunItemRecord] {
        let g = ProbeRunSchema.Group.items
        let ladder = try dataset(g, "ladder").readStrings(rows: rows)
        let level = try dataset(g, "level_index").read(rows: rows, as: Int32.self)
        let levelName = try dataset(g, "level_name").readStrings(rows: rows)
        let base = try dataset(g, "base_item_id").readStrings(rows: rows)
        let seed = try dataset(g, "seed").read(rows: rows, as: UInt64.self)
        let spanStart = try dataset(g, "span_start").read(rows: rows, as: Int32.self)
        let spanEnd = try dataset(g, "span_end").read(rows: rows, as: Int32.self)
        let probe = try dataset(g, "probe_position").read(rows: rows, as: Int32.self)
        let metrics = try layout.itemMetricNames.map { try dataset(g, $0).read(rows: rows, as: Double.self) }
        return (0..<rows.count).map { i in
            ProbeRunItemRecord(ladder: ladder[i], levelIndex: Int(level[i]), levelName: levelName[i], baseItemID: base[i],
                               seed: seed[i], analysisSpan: Int(spanStart[i])..<Int(max(spanStart[i], spanEnd[i])),
                               probePosition: Int(probe[i]), metrics: metrics.map { $0[i] })
        }
    }

    /// Row ranges of item `index` on the byte and patch axes.
    public func rowRanges(ofItem index: Int) throws -> (bytes: Range<Int>, patches: Range<Int>) {
        guard index >= 0, index < completedItemCount else {
            throw HDF5Error.shapeMismatch(object: "\(path):/items", detail: "item \(index) outside 0..<\(completedItemCount)")
        }
        let g = ProbeRunSchema.Group.items
        let row = index..<(index + 1)
        let byteOffset = Int(try dataset(g, "byte_offset").read(rows: row, as: Int64.self)[0])
        let byteCount = Int(try dataset(g, "byte_count").read(rows: row, as: Int64.self)[0])
        let patchOffset = Int(try dataset(g, "patch_offset").read(rows: row, as: Int64.self)[0])
        let patchCount = Int(try dataset(g, "patch_count").read(rows: row, as: Int64.self)[0])
        return (byteOffset..<(byteOffset + byteCount), patchOffset..<(patchOffset + patchCount))
    }

    /// Everything stored for item `index`.
    public func item(at index: Int) throws -> ProbeRunItem {
        let record = try readRecords(index..<(index + 1))[0]
        let (byteRows, patchRows) = try rowRanges(ofItem: index)
        let b = ProbeRunSchema.Group.bytes, p = ProbeRunSchema.Group.patches
        let bytes = ProbeRunByteRows(
            value: try dataset(b, "value").read(rows: byteRows),
            entropy: try dataset(b, "entropy").read(rows: byteRows),
            patchID: try dataset(b, "patch_id").read(rows: byteRows),
            isPatchStart: try dataset(b, "is_patch_start").read(rows: byteRows),
            logProb: try optionalByteColumn("log_prob", rows: byteRows),
            entropyModelLogProb: try optionalByteColumn("entropy_model_log_prob", rows: byteRows))
        let patches = ProbeRunPatchRows(
            start: try dataset(p, "start").read(rows: patchRows),
            length: try dataset(p, "length").read(rows: patchRows),
            meanEntropy: try dataset(p, "mean_entropy").read(rows: patchRows),
            maxEntropy: try dataset(p, "max_entropy").read(rows: patchRows),
            firstByteEntropy: try dataset(p, "first_byte_entropy").read(rows: patchRows))
        func measures(_ group: String, _ hooks: [String], _ rows: Range<Int>) throws -> ProbeRunMeasureRows {
            guard !hooks.isEmpty, !layout.measureColumns.isEmpty else { return .empty }
            var values: [String: [Float]] = [:]
            for column in layout.measureColumns {
                values[column] = try dataset("\(ProbeRunSchema.Group.measures)/\(group)", column).read(rows: rows)
            }
            return ProbeRunMeasureRows(rows: rows.count, values: values)
        }
        var activations: [String: [Float]] = [:]
        for spec in layout.activations {
            let rows = spec.scope == .byte ? byteRows : spec.scope == .patch ? patchRows : index..<(index + 1)
            activations[spec.key] = try dataset("\(ProbeRunSchema.Group.activations)/\(spec.scope.groupName)", spec.hook)
                .read(rows: rows)
        }
        return ProbeRunItem(
            record: record, bytes: bytes, patches: patches,
            byteMeasures: try measures(ProbeRunSchema.Group.byteLevel, layout.byteLevelHooks, byteRows),
            patchMeasures: try measures(ProbeRunSchema.Group.patchLevel, layout.patchLevelHooks, patchRows),
            probeMeasures: try measures(ProbeRunSchema.Group.probe, layout.probeHooks, index..<(index + 1)),
            activations: activations)
    }

    /// One per-item scalar metric for every complete item (e.g. "mean_entropy").
    public func itemMetric(_ name: String) throws -> [Double] {
        guard layout.itemMetricNames.contains(name) else {
            throw HDF5Error.notFound(kind: "item metric", name: name, in: "\(path):/items")
        }
        return try dataset(ProbeRunSchema.Group.items, name).read(rows: 0..<completedItemCount)
    }

    /// A probe-position measure column as `[item × hook]` row-major, hooks = `layout.probeHooks`.
    public func probeMeasure(_ column: String) throws -> [Float] {
        guard layout.measureColumns.contains(column), !layout.probeHooks.isEmpty else {
            throw HDF5Error.notFound(kind: "probe measure", name: column, in: "\(path):/measures/probe")
        }
        return try dataset("\(ProbeRunSchema.Group.measures)/\(ProbeRunSchema.Group.probe)", column)
            .read(rows: 0..<completedItemCount)
    }

    /// Rows of the complete items on the `byte` and `patch` axes.
    public func completeRowCounts() throws -> (bytes: Int, patches: Int) {
        let rows = 0..<completedItemCount
        let g = ProbeRunSchema.Group.items
        return (Int(try dataset(g, "byte_count").read(rows: rows, as: Int64.self).reduce(0, +)),
                Int(try dataset(g, "patch_count").read(rows: rows, as: Int64.self).reduce(0, +)))
    }

    /// A whole numeric column, e.g. `column("bytes/entropy", as: Float.self)` or
    /// `column("measures/patch_level/hoyer", as: Float.self)` (row-major `[rows × hooks]`), limited to
    /// the rows of complete items. `T` must match the stored type (bool columns read as `Bool` or `UInt8`).
    public func column<T: HDF5Scalar>(_ path: String, as type: T.Type = T.self) throws -> [T] {
        let (dataset, rows) = try completeRows(path)
        return try dataset.read(rows: rows, as: T.self)
    }

    /// A whole string column (e.g. `items/ladder`), limited to the rows of complete items.
    public func stringColumn(_ path: String) throws -> [String] {
        let (dataset, rows) = try completeRows(path)
        return try dataset.readStrings(rows: rows)
    }

    func completeRows(_ path: String) throws -> (HDF5Dataset, Range<Int>) {
        let parts = path.split(separator: "/").map(String.init)
        guard let name = parts.last, parts.count >= 2 else {
            throw HDF5Error.notFound(kind: "column", name: path, in: self.path)
        }
        let dataset = try dataset(parts.dropLast().joined(separator: "/"), name)
        let shape = try dataset.shape()
        guard let available = shape.first else { return (dataset, 0..<0) }
        let limit: Int
        switch try dataset.axisLabel(0) {
        case ProbeRunSchema.Dimension.item: limit = completedItemCount
        case ProbeRunSchema.Dimension.byte: limit = try completeRowCounts().bytes
        case ProbeRunSchema.Dimension.patch: limit = try completeRowCounts().patches
        default: limit = available
        }
        return (dataset, 0..<min(limit, available))
    }

    // MARK: Statistics

    /// The statistics table (empty for a partial file, which has none yet).
    public func statistics() throws -> [ProbeRunStatisticRow] {
        guard try file.contains(ProbeRunSchema.Group.statistics) else { return [] }
        let g = ProbeRunSchema.Group.statistics
        func strings(_ name: String) throws -> [String] { try dataset(g, name).readStrings() }
        func reals(_ name: String) throws -> [Double?] { try dataset(g, name).read(as: Double.self).map { $0.isNaN ? nil : $0 } }
        let test = try strings("test"), question = try strings("question"), ladder = try strings("ladder")
        let hook = try strings("hook"), measure = try strings("measure"), estimator = try strings("estimator")
        let pTest = try strings("p_test"), ciMethod = try strings("ci_method"), verdict = try strings("verdict")
        let note = try strings("note")
        let primary = try dataset(g, "is_primary").read(as: Bool.self)
        let n = try dataset(g, "n").read(as: Int64.self)
        let estimate = try reals("estimate"), ciLow = try reals("ci_low"), ciHigh = try reals("ci_high")
        let p = try reals("p"), pCorrected = try reals("p_corrected")
        let count = test.count
        let lengths: [(String, Int)] = [
            ("question", question.count), ("ladder", ladder.count), ("hook", hook.count), ("measure", measure.count),
            ("estimator", estimator.count), ("p_test", pTest.count), ("ci_method", ciMethod.count),
            ("verdict", verdict.count), ("note", note.count), ("is_primary", primary.count), ("n", n.count),
            ("estimate", estimate.count), ("ci_low", ciLow.count), ("ci_high", ciHigh.count), ("p", p.count),
            ("p_corrected", pCorrected.count),
        ]
        for (name, length) in lengths where length != count {
            throw HDF5Error.schema(path: path, detail: "/statistics/\(name) has \(length) rows, /statistics/test has \(count)")
        }
        // Columns added later in v1: absent in older files (defaults), checked when present.
        func optionalStrings(_ name: String) throws -> [String] {
            guard try file.group(g).contains(name) else { return [String](repeating: "", count: count) }
            let v = try strings(name)
            guard v.count == count else { throw HDF5Error.schema(path: path, detail: "/statistics/\(name) has \(v.count) rows, expected \(count)") }
            return v
        }
        func optionalReals(_ name: String) throws -> [Double?] {
            guard try file.group(g).contains(name) else { return [Double?](repeating: nil, count: count) }
            let v = try reals(name)
            guard v.count == count else { throw HDF5Error.schema(path: path, detail: "/statistics/\(name) has \(v.count) rows, expected \(count)") }
            return v
        }
        let direction = try optionalStrings("direction"), stratum = try optionalStrings("stratum")
        let delta = try optionalReals("equivalence_delta"), tost = try optionalReals("tost_p"), vif = try optionalReals("max_vif")
        return test.indices.map { i in
            ProbeRunStatisticRow(test: test[i], question: question[i], ladder: ladder[i], hook: hook[i], measure: measure[i],
                                 isPrimary: primary[i], estimator: estimator[i], pTest: pTest[i], ciMethod: ciMethod[i],
                                 n: Int(n[i]), estimate: estimate[i], ciLow: ciLow[i], ciHigh: ciHigh[i], p: p[i],
                                 pCorrected: pCorrected[i], verdict: verdict[i], note: note[i], direction: direction[i],
                                 equivalenceDelta: delta[i], tostP: tost[i], maxVIF: vif[i], stratum: stratum[i])
        }
    }
}
