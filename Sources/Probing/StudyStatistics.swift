import Foundation
import HDF5Store
import Metrics
import Statistics

/// Turns a probe-run file into the study's tests (a)–(d) (``Statistics/StudyAnalysis``), reading
/// everything through ``HDF5Store/ProbeRunReader`` so that the statistics depend on the stored values only.
///
/// Per ladder:
/// - per-item entropy: `mean_entropy_bits` (mean byte-aligned entropy over the analysis span);
/// - per-item sparsity: every measure column at every probe hook (the probe position);
/// - patch table for (d): every non-empty patch that starts inside its item's analysis span, with its
///   mean entropy (bits), length and start position, and every measure column at every patch-level hook.
/// Items are paired by `base_item_id`; an item missing at some level gets NaN there and is dropped from
/// that test (listwise). With several ladders (the group `tasks`), Holm is re-applied across ladders.
public enum StudyStatistics {
    public static func analyze(_ reader: ProbeRunReader, configuration: StudyConfiguration,
                               threads: Int = 1) throws -> [StudyResultRow] {
        var configuration = configuration
        let config = RunConfiguration(json: reader.provenance.configJSON)
        if configuration.primaryHooks.isEmpty, let hooks = config.primaryHooks { configuration.primaryHooks = hooks }
        let controlSpec = controlSpec(reader.provenance), modelControl = modelControlSpec(reader.provenance)
        let specs = controlSpecs(reader.provenance)
        let inputs = try self.inputs(reader)
        var rows: [StudyResultRow] = []
        for input in inputs { rows += try StudyAnalysis.analyze(input, configuration: configuration, threads: threads) }
        // Holm across ladders within each arm (the group `tasks`): each control arm is its own family.
        let arm: (String) -> String? = { StudyArm.split($0, controlSpecs: specs).spec }
        if inputs.filter({ arm($0.ladder) == nil }).count > 1 {
            var corrected: [StudyResultRow] = []
            for spec in [nil] + specs.map(Optional.some) {
                let family = rows.filter { arm($0.ladder) == spec }
                if !family.isEmpty { corrected += StudyAnalysis.correctAcrossLadders(family, alpha: configuration.alpha) }
            }
            rows = corrected
        }
        for input in inputs where arm(input.ladder) == nil {
            // The patch-length control (g): each ladder against its fixed-patching arm.
            if let spec = controlSpec, let control = inputs.first(where: { $0.ladder == StudyArm.controlLadder(input.ladder, spec: spec) }) {
                rows += try StudyAnalysis.patchingInteraction(main: input, control: control, configuration: configuration,
                                                              threads: threads)
            }
            // The model control (h): each ladder against the untrained model's arm.
            if let spec = modelControl, let control = inputs.first(where: { $0.ladder == StudyArm.controlLadder(input.ladder, spec: spec) }) {
                rows += try StudyAnalysis.modelControlDifference(main: input, control: control, configuration: configuration,
                                                                 threads: threads)
            }
        }
        // The permutation null (calibration of the verdict pipeline), run's own arm only.
        let shuffles = config.nullShuffles ?? 0
        if shuffles > 0 {
            for input in inputs where arm(input.ladder) == nil {
                rows += try StudyAnalysis.permutationNull(input, shuffles: shuffles, configuration: configuration, threads: threads)
            }
        }
        let categorical = categoricalLadders(reader.provenance)
        return rows.map { row in
            guard categorical.contains(StudyArm.split(row.ladder, controlSpecs: specs).base),
                  row.test != .entropySparsityPatchCorrelation else { return row }
            var r = row
            r.note = [categoricalNote, r.note].filter { !$0.isEmpty }.joined(separator: "; ")
            return r
        }
    }

    /// Note added to the trend rows (a)–(c) of a categorical ladder.
    public static let categoricalNote = "categorical ladder: its level order is not a difficulty order, so the trend test is not meaningful"

    /// Ladders the dataset manifest marks as not ordinal (e.g. `noise-blt`).
    public static func categoricalLadders(_ provenance: ProbeRunProvenance) -> Set<String> {
        Set(manifestLadders(provenance).compactMap { $0.ordinal == false ? $0.name : nil })
    }

    /// Ladders whose levels are categories with a hypothesised order (manifest `level_scale`), whose
    /// level enters test (c) as indicators.
    public static func ladderWithCategoricalLevels(_ provenance: ProbeRunProvenance) -> Set<String> {
        Set(manifestLadders(provenance).compactMap { $0.hasCategoricalLevels ? $0.name : nil })
    }

    static func manifestLadders(_ provenance: ProbeRunProvenance) -> [DatasetManifest.Ladder] {
        DatasetManifest(json: provenance.datasetManifestJSON).ladders ?? []
    }

    /// The control arm's patching spec recorded in the run configuration (nil: no control arm).
    public static func controlSpec(_ provenance: ProbeRunProvenance) -> String? { arm(RunConfiguration(json: provenance.configJSON).patchControl) }

    /// The model-control arm's model (`random-init:0`) recorded in the run configuration (nil: none;
    /// files written before model controls have none).
    public static func modelControlSpec(_ provenance: ProbeRunProvenance) -> String? { arm(RunConfiguration(json: provenance.configJSON).modelControl) }

    /// Every control arm's spec of the run: the patch control's, then the model control's.
    public static func controlSpecs(_ provenance: ProbeRunProvenance) -> [String] {
        [controlSpec(provenance), modelControlSpec(provenance)].compactMap { $0 }
    }

    /// A control arm's spec, nil when the run had none (`none` or absent).
    static func arm(_ spec: String?) -> String? { spec == "none" ? nil : spec }

    /// The per-item measured difficulty: the model's loss over the task's answer when the ladder has
    /// answers, else over the analysis span (bits per byte).
    public static let answerLossMetric = ItemMetrics.answerLossBits

    /// How a stored measure column reads (orients verdicts); unknown columns read as "higher = sparser".
    public static func direction(ofColumn column: String) -> EffectDirection {
        guard let (measure, _) = SparsityVariant.parse(columnName: column) else { return .higherIsSparser }
        switch measure.direction {
        case .higherIsSparser: return .higherIsSparser
        case .lowerIsSparser: return .lowerIsSparser
        case .notASparsityMeasure: return .notSparsity
        }
    }

    /// One ``Statistics/StudyInput`` per stored ladder (control arms included), in file order.
    public static func inputs(_ reader: ProbeRunReader) throws -> [StudyInput] {
        let records = try reader.itemRecords()
        let layout = reader.layout
        func metric(_ name: String) throws -> [Double]? {
            layout.itemMetricNames.contains(name) ? try reader.itemMetric(name) : nil
        }
        let entropy = try reader.itemMetric(ItemMetrics.meanEntropyBits)
        let spanLoss = try metric(ItemMetrics.bitsPerByte)
        let answerLoss = try metric(answerLossMetric)
        let probeEntropy = try metric(ItemMetrics.probePatchEntropyBits)
        let probePatchLength = try metric(ItemMetrics.probePatchLength)
        let inputStatistics = try self.inputStatistics(metric)
        let hooks = layout.probeHooks
        var probe: [String: [Float]] = [:]
        if !hooks.isEmpty { for column in layout.measureColumns { probe[column] = try reader.probeMeasure(column) } }
        let specs = controlSpecs(reader.provenance)
        let categoricalLevels = ladderWithCategoricalLevels(reader.provenance)
        let patchColumns = try PatchColumns(reader)

        var ladderOrder: [String] = []
        for r in records where !ladderOrder.contains(r.ladder) { ladderOrder.append(r.ladder) }
        return ladderOrder.map { ladder in
            let indices = records.indices.filter { records[$0].ladder == ladder }
            var levels: [(index: Int, name: String)] = []
            for i in indices where !levels.contains(where: { $0.index == records[i].levelIndex }) {
                levels.append((records[i].levelIndex, records[i].levelName))
            }
            levels.sort { $0.index < $1.index }
            var items: [String] = []
            for i in indices where !items.contains(records[i].baseItemID) { items.append(records[i].baseItemID) }
            let itemPosition = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1, $0) })
            let levelPosition = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1.index, $0) })
            func table(_ value: (Int) -> Double) -> [[Double]] {
                var t = [[Double]](repeating: [Double](repeating: .nan, count: levels.count), count: items.count)
                for i in indices { t[itemPosition[records[i].baseItemID]!][levelPosition[records[i].levelIndex]!] = value(i) }
                return t
            }
            var series: [LevelSeries] = []
            for (h, hook) in hooks.enumerated() {
                for column in layout.measureColumns {
                    let values = probe[column]!
                    series.append(LevelSeries(hook: hook, measure: column,
                                              values: table { Double(values[$0 * hooks.count + h]) },
                                              direction: direction(ofColumn: column)))
                }
            }
            let patches = patchColumns.map {
                patchTable($0, indices: indices, itemPosition: itemPosition, levelPosition: levelPosition, records: records)
            }
            // Measured difficulty: answer loss where the ladder's items have answers, else span loss.
            let hasAnswers = answerLoss.map { a in indices.contains { a[$0].isFinite } } ?? false
            let loss: [[Double]]? = hasAnswers ? table { answerLoss![$0] } : spanLoss.map { l in table { l[$0] } }
            let base = StudyArm.split(ladder, controlSpecs: specs).base
            return StudyInput(ladder: ladder, levels: levels.map(\.name), items: items,
                              entropyMeasure: ItemMetrics.meanEntropyBits, entropy: table { entropy[$0] },
                              sparsity: series, patches: patches, levelsAreCategories: categoricalLevels.contains(base),
                              loss: loss, lossMeasure: loss == nil ? "" : (hasAnswers ? answerLossMetric : ItemMetrics.bitsPerByte),
                              probeEntropy: probeEntropy.map { p in table { p[$0] } },
                              probePatchLength: probePatchLength.map { p in table { p[$0] } },
                              inputCovariates: inputStatistics.map { InputCovariate(name: $0.name, values: table($0.value)) })
        }
    }

    /// The input statistics held fixed in test (c), per stored item: the span's length in bytes, its patch
    /// count, and its byte-class mix (non-ASCII share and "other" share; ASCII letters are the baseline). Files
    /// written before a metric existed simply lack that covariate.
    static func inputStatistics(_ metric: (String) throws -> [Double]?) throws -> [(name: String, value: (Int) -> Double)] {
        var out: [(name: String, value: (Int) -> Double)] = []
        guard let bytes = try metric(ItemMetrics.contentBytes) else { return out }
        out.append(("span_bytes", { bytes[$0] }))
        if let perByte = try metric(ItemMetrics.patchesPerByte) {
            out.append(("span_patch_count", { (perByte[$0] * bytes[$0]).rounded() }))
        }
        if let letters = try metric(ItemMetrics.asciiLetterFraction), let nonASCII = try metric(ItemMetrics.nonASCIIFraction) {
            out.append(("non_ascii_fraction", { nonASCII[$0] }))
            out.append(("other_byte_fraction", { 1 - letters[$0] - nonASCII[$0] }))
        }
        return out
    }

    static func patchTable(_ columns: PatchColumns, indices: [Int], itemPosition: [String: Int],
                           levelPosition: [Int: Int], records: [ProbeRunItemRecord]) -> PatchTable {
        let hookCount = columns.hooks.count, columnCount = columns.measureColumns.count
        var item: [Int] = [], level: [Int] = [], entropy: [Double] = [], length: [Double] = [], position: [Double] = []
        var values = [[Double]](repeating: [], count: hookCount * columnCount)
        for i in indices {
            let span = records[i].analysisSpan
            let itemCode = itemPosition[records[i].baseItemID]!, levelCode = levelPosition[records[i].levelIndex]!
            for row in columns.rows(ofItem: i) {
                let start = Int(columns.start[row]), len = Int(columns.length[row])
                guard len > 0, span.contains(start) else { continue }
                item.append(itemCode)
                level.append(levelCode)
                entropy.append(ByteEntropy.bits(fromNats: Double(columns.meanEntropy[row])))
                length.append(Double(len))
                position.append(Double(start))
                for h in 0..<hookCount {
                    for c in 0..<columnCount {
                        values[h * columnCount + c].append(Double(columns.measures[c][row * hookCount + h]))
                    }
                }
            }
        }
        var series: [PatchSeries] = []
        for (h, hook) in columns.hooks.enumerated() {
            for (c, column) in columns.measureColumns.enumerated() {
                series.append(PatchSeries(hook: hook, measure: column, values: values[h * columnCount + c],
                                          direction: direction(ofColumn: column)))
            }
        }
        return PatchTable(item: item, level: level, entropy: entropy, length: length, position: position, sparsity: series)
    }

    /// The patch axis of a probe-run file, read as whole columns once for every ladder's patch table: reading
    /// item by item (`ProbeRunReader.item(at:)`) also read and inflated each item's byte-level measures and
    /// activations, which the table never uses (most of the statistics stage's reading time).
    struct PatchColumns {
        let hooks: [String], measureColumns: [String]
        let offset: [Int64], count: [Int64]
        let start: [Int32], length: [Int32], meanEntropy: [Float]
        /// Per measure column, `[patch row × hook]` row-major.
        let measures: [[Float]]

        /// nil when the file has no patch-level hooks. The reader validated every offset, count and column
        /// length when it opened the file (`validateStructure`), and `column` reads the complete items' rows.
        init?(_ reader: ProbeRunReader) throws {
            let layout = reader.layout
            guard !layout.patchLevelHooks.isEmpty else { return nil }
            hooks = layout.patchLevelHooks
            measureColumns = layout.measureColumns
            offset = try reader.column("items/patch_offset", as: Int64.self)
            count = try reader.column("items/patch_count", as: Int64.self)
            start = try reader.column("patches/start", as: Int32.self)
            length = try reader.column("patches/length", as: Int32.self)
            meanEntropy = try reader.column("patches/mean_entropy", as: Float.self)
            measures = try measureColumns.map {
                try reader.column("\(ProbeRunSchema.Group.measures)/\(ProbeRunSchema.Group.patchLevel)/\($0)", as: Float.self)
            }
        }

        /// Patch rows of item `index`.
        func rows(ofItem index: Int) -> Range<Int> { Int(offset[index])..<Int(offset[index] + count[index]) }
    }

    /// The HDF5 form of result rows (nil → NaN, no CI method → "").
    public static func storedRows(_ rows: [StudyResultRow]) -> [ProbeRunStatisticRow] {
        rows.map { r in
            ProbeRunStatisticRow(test: r.test.rawValue, question: r.question, ladder: r.ladder, hook: r.hook, measure: r.measure,
                                 isPrimary: r.isPrimary, estimator: r.estimator, pTest: r.pTest, ciMethod: r.ciMethod ?? "",
                                 n: r.n, estimate: r.estimate, ciLow: r.ciLow, ciHigh: r.ciHigh, p: r.p,
                                 pCorrected: r.correctedP, verdict: r.verdict.rawValue, note: r.note,
                                 direction: r.direction.rawValue, equivalenceDelta: r.equivalenceDelta, tostP: r.tostP,
                                 maxVIF: r.maxVIF, stratum: r.stratum)
        }
    }

    /// Rows read back from HDF5; rows with an unknown test or verdict string (a newer writer) are skipped.
    public static func resultRows(_ stored: [ProbeRunStatisticRow]) -> [StudyResultRow] {
        stored.compactMap { s in
            guard let test = StudyTest(rawValue: s.test), let verdict = Verdict(rawValue: s.verdict) else { return nil }
            var row = StudyResultRow(test: test, question: s.question, ladder: s.ladder, hook: s.hook, measure: s.measure,
                                     isPrimary: s.isPrimary, estimator: s.estimator, pTest: s.pTest,
                                     ciMethod: s.ciMethod.isEmpty ? nil : s.ciMethod, n: s.n, estimate: s.estimate,
                                     ciLow: s.ciLow, ciHigh: s.ciHigh, p: s.p, correctedP: s.pCorrected, verdict: verdict,
                                     note: s.note)
            // Files written before verdicts were oriented have no direction column: re-derive it from the
            // measure name so old rows at least say how their estimate reads.
            row.direction = EffectDirection(rawValue: s.direction)
                ?? (s.hook.isEmpty ? .none : direction(ofColumn: s.measure))
            row.equivalenceDelta = s.equivalenceDelta
            row.tostP = s.tostP
            row.maxVIF = s.maxVIF
            row.stratum = s.stratum
            return row
        }
    }
}
