/// Patch-length strata of test (d): within a stratum, patch length barely varies, so an entropy–
/// sparsity association there cannot come from length.
public struct PatchLengthStratum: Sendable, Equatable {
    public let name: String
    public let lengths: ClosedRange<Int>

    /// 1, 2, 3, 4–7 and ≥ 8 bytes (the upper bound stands for "any longer patch").
    public static let all: [PatchLengthStratum] = [
        .init(name: "patch_length=1", lengths: 1...1), .init(name: "patch_length=2", lengths: 2...2),
        .init(name: "patch_length=3", lengths: 3...3), .init(name: "patch_length=4..7", lengths: 4...7),
        .init(name: "patch_length>=8", lengths: 8...Int.max),
    ]

    /// Length categories of the flexible length term: 1, 2, …, 7 and ≥ 8 (indicators for all but 1).
    static func lengthCategory(_ length: Double) -> Int { min(8, max(1, Int(length.rounded()))) }
}

/// Test (d): within texts, do patch entropy and patch sparsity co-vary, length and position held fixed?
extension StudyAnalysis {
    static func patchRow(input: StudyInput, patches: PatchTable, series: PatchSeries, isPrimary: Bool,
                         stratum: PatchLengthStratum?, configuration: StudyConfiguration,
                         memos: AnalysisMemos = AnalysisMemos()) throws -> StudyResultRow {
        let test = StudyTest.entropySparsityPatchCorrelation
        let levels = input.levels.count
        let use = patches.item.indices.filter { k in
            patches.entropy[k].isFinite && series.values[k].isFinite && patches.length[k].isFinite && patches.position[k].isFinite
                && (stratum.map { $0.lengths.contains(Int(patches.length[k].rounded())) } ?? true)
        }
        let droppedPatches = stratum == nil ? patches.item.count - use.count : 0
        let dropNote = droppedPatches > 0 ? "\(droppedPatches) patch(es) with non-finite values dropped" : ""
        let (itemCodes, itemCount) = denseGroups(use.map { patches.item[$0] })
        let sequenceLabels = use.map { patches.item[$0] * levels + patches.level[$0] }
        let (sequenceCodes, sequenceCount) = denseGroups(sequenceLabels)
        func empty(_ note: String) -> StudyResultRow {
            emptyRow(test, input, hook: series.hook, measure: series.measure, isPrimary: isPrimary, n: itemCount,
                     note: note, direction: series.direction, stratum: stratum?.name ?? "")
        }
        guard itemCount >= 3 else { return empty(join("fewer than 3 items with patches", dropNote)) }
        let entropy = use.map { patches.entropy[$0] }
        let sparsity = use.map { series.values[$0] }
        let design = memos.patches.value(for: use) {
            patchDesign(patches: patches, use: use, entropy: entropy, sequenceCodes: sequenceCodes, sequenceCount: sequenceCount)
        }
        let controls = design.controls, controlNames = design.controlNames
        var notes: [String] = []
        if !design.absorbed.isEmpty { notes.append("constant within texts (absorbed): \(design.absorbed.joined(separator: ", "))") }
        let demeaned = [design.demeanedEntropy, demeanWithinGroups(sparsity, codes: sequenceCodes, groupCount: sequenceCount)]
            + design.demeanedControls
        let dimension = demeaned.count
        let grams = ClusterGrams(columns: demeaned, clusterCodes: itemCodes, clusterCount: itemCount)
        let baseNote = join(notes.joined(separator: "; "), dropNote)
        guard let estimate = ClusterGrams.partialCorrelation(grams.total(Array(0..<itemCount)), dimension: dimension),
              let fit = try OrdinaryLeastSquares.fit(y: sparsity, covariates: [entropy] + controls,
                                                     names: ["entropy"] + controlNames,
                                                     fixedEffectGroups: sequenceLabels, clusters: itemCodes),
              let slope = fit.coefficient(named: "entropy") else {
            return empty(join("degenerate design (no within-text variation after controls)", baseNote))
        }
        let seed = rowSeed(configuration.seed, [test.rawValue, input.ladder, series.hook, series.measure]
                           + (stratum.map { [$0.name] } ?? []))
        let interval = try ClusterBootstrap.interval(clusterCount: itemCount, resampleCount: configuration.bootstrapResamples, seed: seed,
                                                     level: configuration.confidenceLevel, method: configuration.bootstrapMethod,
                                                     statistic: { ClusterGrams.partialCorrelation(grams.total($0), dimension: dimension) },
                                                     batchStatistic: { grams.partialCorrelations(resamples: $0) })
        var row = empty(baseNote)
        fill(&row, estimate: estimate, p: slope.p, interval: interval, configuration: configuration)
        row.maxVIF = design.maxVIF
        return row
    }

    /// Test (d)'s controls for the patches `use` (see ``DesignMemo``): length indicators and position,
    /// each kept only where it varies within texts.
    static func patchDesign(patches: PatchTable, use: [Int], entropy: [Double], sequenceCodes: [Int],
                            sequenceCount: Int) -> PatchDesign {
        let position = use.map { patches.position[$0] }
        // Length enters as one indicator per length category (2…7, ≥ 8; 1 is the baseline), so no
        // functional form is assumed; a control with no variation within texts (e.g. under fixed-size
        // patching, or inside a stratum) is absorbed by the text fixed effects and dropped.
        let category = use.map { PatchLengthStratum.lengthCategory(patches.length[$0]) }
        var candidates: [(String, [Double])] = (2...8).map { c in
            ("length_\(c == 8 ? "8+" : String(c))", category.map { $0 == c ? 1.0 : 0.0 })
        }
        candidates.append(("position", position))
        var controlNames: [String] = [], controls: [[Double]] = [], absorbed: [String] = []
        for (name, column) in candidates {
            let within = demeanWithinGroups(column, codes: sequenceCodes, groupCount: sequenceCount)
            let spread = within.reduce(0) { $0 + $1 * $1 }
            let scale = column.reduce(0) { $0 + $1 * $1 }
            if scale > 0, spread > 1e-20 * scale { controlNames.append(name); controls.append(column) }
            else if name == "position" || scale > 0 { absorbed.append(name) }
        }
        let demeanedEntropy = demeanWithinGroups(entropy, codes: sequenceCodes, groupCount: sequenceCount)
        let demeanedControls = controls.map { demeanWithinGroups($0, codes: sequenceCodes, groupCount: sequenceCount) }
        return PatchDesign(controlNames: controlNames, controls: controls, absorbed: absorbed, demeanedEntropy: demeanedEntropy,
                           demeanedControls: demeanedControls,
                           maxVIF: varianceInflationFactors(demeanedControls + [demeanedEntropy]).max())
    }
}
