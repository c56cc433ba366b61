#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Creating (and, on resume, reopening) every object of schema v1.
extension ProbeRunWriter {
    /// Chunk rows for an appendable column whose row holds `rowBytes` bytes: about 64 KiB per chunk,
    /// small enough that re-compressing the partially filled chunk at every checkpoint stays cheap.
    static func chunkRows(rowBytes: Int) -> Int { max(16, 65_536 / max(rowBytes, 1)) }

    /// Strings are chunked at 512 rows: their chunks hold 16-byte heap references and are not
    /// compressed, so 64 KiB chunks would waste space on small runs.
    func appendableOptions(rowBytes: Int, type: HDF5ElementType) -> HDF5DatasetOptions {
        .appendable(chunkRows: type == .string ? 512 : Self.chunkRows(rowBytes: rowBytes),
                    compressionLevel: type == .string ? nil : options.compressionLevel)
    }

    /// Every appendable column as (group path, name, type, dimensions, width of trailing axis, meaning, units).
    func columnPlan() -> [(group: String, name: String, type: HDF5ElementType, dimensions: [String], width: Int,
                          meaning: String, units: String?)] {
        typealias S = ProbeRunSchema
        var plan: [(String, String, HDF5ElementType, [String], Int, String, String?)] = []
        for column in S.itemColumns {
            plan.append((S.Group.items, column.name, column.type, [S.Dimension.item], 1, column.meaning, column.units))
        }
        for name in layout.itemMetricNames {
            let description = layout.itemMetricDescriptions[name]
            plan.append((S.Group.items, name, .float64, [S.Dimension.item], 1,
                         (description?.longName ?? "per-item metric '\(name)'") + " (NaN if undefined)", description?.units ?? "1"))
        }
        for column in S.byteColumns {
            plan.append((S.Group.bytes, column.name, column.type, [S.Dimension.byte], 1, column.meaning, column.units))
        }
        for column in S.patchColumns {
            plan.append((S.Group.patches, column.name, column.type, [S.Dimension.patch], 1, column.meaning, column.units))
        }
        let measureGroups = [(S.Group.byteLevel, layout.byteLevelHooks, S.Dimension.byte, S.byteHookDimension, "position"),
                             (S.Group.patchLevel, layout.patchLevelHooks, S.Dimension.patch, S.patchHookDimension, "patch"),
                             (S.Group.probe, layout.probeHooks, S.Dimension.item, S.probeHookDimension, "item at the probe position")]
        for (group, hooks, rowDimension, hookDimension, what) in measureGroups where !hooks.isEmpty {
            for column in layout.measureColumns {
                plan.append(("\(S.Group.measures)/\(group)", column, .float32, [rowDimension, hookDimension], hooks.count,
                             "sparsity measure '\(column)' per \(what) and hook (NaN if not computed)", "1"))
            }
        }
        for spec in layout.activations {
            plan.append(("\(S.Group.activations)/\(spec.scope.groupName)", spec.hook, .float32,
                         [spec.scope.dimension, S.hiddenDimension(width: spec.width)], spec.width,
                         "raw activations of hook '\(spec.hook)' per \(spec.scope.rawValue) row", "1"))
        }
        return plan
    }

    /// The hook coordinate groups: (group path, dimension name, hooks).
    func hookCoordinates() -> [(String, String, [String])] {
        typealias S = ProbeRunSchema
        return [("\(S.Group.measures)/\(S.Group.byteLevel)", S.byteHookDimension, layout.byteLevelHooks),
                ("\(S.Group.measures)/\(S.Group.patchLevel)", S.patchHookDimension, layout.patchLevelHooks),
                ("\(S.Group.measures)/\(S.Group.probe)", S.probeHookDimension, layout.probeHooks)]
            .filter { !$0.2.isEmpty && !layout.measureColumns.isEmpty }
    }

    /// Opens `path` ("a/b") below the root, creating missing groups.
    static func openGroup(_ path: String, in file: HDF5File) throws -> HDF5Group {
        var group: HDF5Group = file
        for part in path.split(separator: "/") {
            group = try group.groupCreatingIfNeeded(String(part))
        }
        return group
    }

    func createStructure(in file: HDF5File) throws {
        typealias S = ProbeRunSchema
        // The item axis carries real coordinates, the item ids (`S.itemID`), so xarray labels items by id;
        // byte and patch rows are plain row numbers (dimensions without variable).
        let itemScale = try file.createDataset(S.Dimension.item, type: .string, shape: [0],
                                               options: appendableOptions(rowBytes: 32, type: .string))
        try itemScale.makeDimensionScale(coordinateName: S.Dimension.item)
        try itemScale.setAttribute("long_name", "item id: <ladder>/<level_index>/<base_item_id>")
        columns[S.Dimension.item] = (itemScale, S.Dimension.item)
        for dimension in [S.Dimension.byte, S.Dimension.patch] {
            try file.createDimension(dimension, length: 0, unlimited: true)
        }
        for (groupPath, dimension, hooks) in hookCoordinates() {
            let group = try Self.openGroup(groupPath, in: file)
            let scale = try group.createCoordinateDimension(dimension, strings: hooks)
            try scale.setAttribute("long_name", "hook point names")
        }
        for spec in layout.activations {
            let group = try Self.openGroup("\(S.Group.activations)/\(spec.scope.groupName)", in: file)
            let hidden = S.hiddenDimension(width: spec.width)
            if try !group.contains(hidden) { try group.createDimension(hidden, length: spec.width) }
        }
        for entry in columnPlan() {
            let group = try Self.openGroup(entry.group, in: file)
            let shape = entry.dimensions.count == 1 ? [0] : [0, entry.width]
            let dataset = try group.createDataset(entry.name, type: entry.type, dimensions: entry.dimensions, shape: shape,
                                                  options: appendableOptions(rowBytes: entry.width * entry.type.byteWidth,
                                                                             type: entry.type))
            try dataset.setAttribute("long_name", entry.meaning)
            if let units = entry.units { try dataset.setAttribute("units", units) }
            columns["\(entry.group)/\(entry.name)"] = (dataset, entry.dimensions[0])
        }
        for group in [S.Group.items, S.Group.bytes, S.Group.patches] {
            try Self.openGroup(group, in: file).setAttribute("schema_group", "bytelens.probe-run v\(S.version) /\(group)")
        }
    }

    /// Reopens every appendable column of an existing file (resume).
    func reopenColumns(in file: HDF5File) throws {
        columns[ProbeRunSchema.Dimension.item] = (try file.dataset(ProbeRunSchema.Dimension.item), ProbeRunSchema.Dimension.item)
        for entry in columnPlan() {
            var group: HDF5Group = file
            for part in entry.group.split(separator: "/") { group = try group.group(String(part)) }
            columns["\(entry.group)/\(entry.name)"] = (try group.dataset(entry.name), entry.dimensions[0])
        }
    }

    func writeProvenance(_ provenance: ProbeRunProvenance, to file: HDF5File) throws {
        typealias A = ProbeRunSchema.Attribute
        try file.setAttribute(A.schema, ProbeRunSchema.name)
        try file.setAttribute(A.schemaVersion, Int64(ProbeRunSchema.version))
        try file.setAttribute(A.status, ProbeRunSchema.Status.writing)
        try file.setAttribute(A.completedItems, Int64(0))
        try file.setAttribute(A.toolVersion, provenance.toolVersion)
        try file.setAttribute(A.gitCommit, provenance.gitCommit)
        try file.setAttribute(A.modelPath, provenance.modelPath)
        try file.setAttribute(A.modelFiles, provenance.modelFiles.map(\.path))
        try file.setAttribute(A.modelSHA256, provenance.modelFiles.map(\.sha256))
        try file.setAttribute(A.datasetName, provenance.datasetName)
        try file.setAttribute(A.datasetManifestSHA256, provenance.datasetManifestSHA256)
        try file.setAttribute(A.seed, provenance.seed)
        try file.setAttribute(A.commandLine, provenance.commandLine)
        var libraries = provenance.libraryVersions
        libraries["hdf5"] = HDF5File.libraryVersion
        let names = libraries.keys.sorted()
        try file.setAttribute(A.libraryNames, names)
        try file.setAttribute(A.libraryVersions, names.map { libraries[$0] ?? "" })
        try file.setAttribute(A.hdf5Version, HDF5File.libraryVersion)
        try file.setAttribute(A.startedUTC, provenance.startedUTC)
        try file.setAttribute(A.finishedUTC, "")
        try file.setAttribute(A.resumedUTC, provenance.resumedUTC)
        let group = try file.createGroup(ProbeRunSchema.Group.provenance)
        try group.createDataset(ProbeRunSchema.configJSON, strings: [provenance.configJSON], shape: [])
            .setAttribute("long_name", "run configuration (JSON)")
        try group.createDataset(ProbeRunSchema.datasetManifestJSON, strings: [provenance.datasetManifestJSON], shape: [])
            .setAttribute("long_name", "dataset manifest (JSON, empty if unavailable)")
        try group.createDataset(ProbeRunSchema.layoutJSON, strings: [try Self.encodeLayout(layout)], shape: [])
            .setAttribute("long_name", "hooks, measure columns, item metrics and activations of this file (JSON)")
    }

    static func encodeLayout(_ layout: ProbeRunLayout) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(layout), as: UTF8.self)
    }

    func writeStatistics(_ rows: [ProbeRunStatisticRow], to file: HDF5File) throws {
        typealias S = ProbeRunSchema
        if try file.contains(S.Group.statistics) {
            throw HDF5Error.schema(path: partialPath, detail: "/statistics was already written")
        }
        let group = try file.createGroup(S.Group.statistics)
        try group.createDimension(S.resultDimension, length: rows.count)
        func strings(_ name: String, _ values: [String]) throws {
            try group.createDataset(name, strings: values, dimensions: [S.resultDimension])
        }
        func numbers<T: HDF5Scalar>(_ name: String, _ values: [T]) throws {
            try group.createDataset(name, values: values, dimensions: [S.resultDimension])
        }
        let nan = Double.nan
        try strings("test", rows.map(\.test))
        try strings("question", rows.map(\.question))
        try strings("ladder", rows.map(\.ladder))
        try strings("hook", rows.map(\.hook))
        try strings("measure", rows.map(\.measure))
        try numbers("is_primary", rows.map(\.isPrimary))
        try strings("estimator", rows.map(\.estimator))
        try strings("p_test", rows.map(\.pTest))
        try strings("ci_method", rows.map(\.ciMethod))
        try numbers("n", rows.map { Int64($0.n) })
        try numbers("estimate", rows.map { $0.estimate ?? nan })
        try numbers("ci_low", rows.map { $0.ciLow ?? nan })
        try numbers("ci_high", rows.map { $0.ciHigh ?? nan })
        try numbers("p", rows.map { $0.p ?? nan })
        try numbers("p_corrected", rows.map { $0.pCorrected ?? nan })
        try strings("verdict", rows.map(\.verdict))
        try strings("note", rows.map(\.note))
        try strings("direction", rows.map(\.direction))
        try numbers("equivalence_delta", rows.map { $0.equivalenceDelta ?? nan })
        try numbers("tost_p", rows.map { $0.tostP ?? nan })
        try numbers("max_vif", rows.map { $0.maxVIF ?? nan })
        try strings("stratum", rows.map(\.stratum))
        for column in S.statisticColumns {
            let dataset = try group.dataset(column.name)
            try dataset.setAttribute("long_name", column.meaning)
            if let units = column.units { try dataset.setAttribute("units", units) }
        }
    }
}
