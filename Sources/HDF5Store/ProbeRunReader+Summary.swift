/// The text `probe inspect` prints.
extension ProbeRunReader {
    /// Schema, provenance, layout, per-group structure and (optionally) the first `itemLimit` items.
    public func summary(itemLimit: Int = 0) throws -> String {
        var lines: [String] = []
        let p = provenance
        lines.append("\(path)")
        lines.append("schema: \(ProbeRunSchema.name) version \(schemaVersion) (this build reads ≤ \(ProbeRunSchema.version))")
        lines.append("status: \(status), \(completedItemCount) complete item(s)")
        if let shard = try shard() {
            let first = shard.studyItemIndex.first.map(String.init) ?? "-", last = shard.studyItemIndex.last.map(String.init) ?? "-"
            lines.append("shard: \(shard.index) of \(shard.count) (zero-based) of a \(shard.studyItemCount)-item study; "
                         + "study rows \(first)…\(last); no statistics until `probe merge`")
        }
        lines.append("")
        lines.append("provenance:")
        lines.append("  tool: \(p.toolVersion) (git \(p.gitCommit))")
        lines.append("  model: \(p.modelPath)")
        for file in p.modelFiles { lines.append("    \(file.path)  sha256 \(file.sha256)") }
        lines.append("  dataset: \(p.datasetName)  manifest sha256 \(p.datasetManifestSHA256)")
        lines.append("  seed: \(p.seed)")
        lines.append("  command: \(p.commandLine.map(Self.shellQuoted).joined(separator: " "))")
        lines.append("  libraries: " + p.libraryVersions.keys.sorted().map { "\($0) \(p.libraryVersions[$0] ?? "")" }
            .joined(separator: ", "))
        lines.append("  started: \(p.startedUTC)  finished: \(p.finishedUTC ?? "-")"
            + (p.resumedUTC.isEmpty ? "" : "  resumed: " + p.resumedUTC.joined(separator: ", ")))
        lines.append("  config: \(p.configJSON.utf8.count) bytes of JSON in /provenance/config_json")
        lines.append("")
        lines.append("layout:")
        lines.append("  byte-level hooks (\(layout.byteLevelHooks.count)): \(Self.list(layout.byteLevelHooks))")
        lines.append("  patch-level hooks (\(layout.patchLevelHooks.count)): \(Self.list(layout.patchLevelHooks))")
        lines.append("  probe hooks (\(layout.probeHooks.count)): \(Self.list(layout.probeHooks))")
        lines.append("  measure columns (\(layout.measureColumns.count)): \(Self.list(layout.measureColumns))")
        lines.append("  item metrics (\(layout.itemMetricNames.count)): \(Self.list(layout.itemMetricNames))")
        lines.append("  activations (\(layout.activations.count)): "
            + Self.list(layout.activations.map { "\($0.key) [\($0.width)]" }))
        let statistics = try statistics()
        if !statistics.isEmpty {
            var verdicts: [String: Int] = [:]
            for row in statistics { verdicts[row.verdict, default: 0] += 1 }
            lines.append("")
            lines.append("statistics: \(statistics.count) row(s): "
                + verdicts.keys.sorted().map { "\(verdicts[$0]!) \($0)" }.joined(separator: ", "))
        }
        lines.append("")
        lines.append("groups and datasets (dtype[shape], + = unlimited axis):")
        lines += try file.structureSummary().map { "  " + $0 }
        if itemLimit > 0 {
            lines.append("")
            lines.append("first \(min(itemLimit, completedItemCount)) item(s):")
            let records = try readRecords(0..<min(itemLimit, completedItemCount))
            for (index, record) in records.enumerated() {
                let metrics = zip(layout.itemMetricNames, record.metrics).map { "\($0)=\($1)" }.joined(separator: " ")
                lines.append("  [\(index)] \(record.ladder) level \(record.levelIndex) '\(record.levelName)' "
                    + "base \(record.baseItemID) seed \(record.seed) span \(record.analysisSpan.lowerBound)..<"
                    + "\(record.analysisSpan.upperBound) probe \(record.probePosition) \(metrics)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func list(_ names: [String]) -> String { names.isEmpty ? "-" : names.joined(separator: ", ") }

    /// Quotes an argument for display when it contains shell-special characters.
    static func shellQuoted(_ argument: String) -> String {
        let safe = argument.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_./=:,+@%".unicodeScalars.contains(scalar)
        }
        if safe && !argument.isEmpty { return argument }
        return "'" + argument.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
