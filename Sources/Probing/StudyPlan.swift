import BLTModel
import Foundation
import HDF5Store
import Ladders
import Metrics
import Statistics

/// A validated study: which items, which model, which hooks, where the file goes. Building a plan
/// reads only small files (dataset assets, `config.json`); no weights are loaded and nothing is
/// computed, so every user error surfaces before the first forward pass.
public struct StudyPlan: Sendable {
    public let request: StudyRequest
    /// The ladders of the dataset (one, or four for the group `tasks`).
    public let ladders: [Ladder]
    /// Selected level indices per ladder (same order as `ladders`).
    public let selectedLevels: [[LadderLevel]]
    /// Every item of the study, ladder-major, then level, then base item (the HDF5 row order; the
    /// dataset manifest hash covers exactly these).
    public let items: [LadderItem]
    /// The same items again under fixed-size patching (the patch-length control arm), with ladder
    /// names `<ladder>@fixed:N` (see ``StudyArm``); written after `items`. Empty when the run's own
    /// patching is fixed-size or the control is turned off.
    public let controlItems: [LadderItem]
    /// Patching of `controlItems` and its spec (`fixed:N`), nil without a control arm.
    public let controlPatching: PatchingStrategy?
    public let controlPatchingSpec: String?
    /// The untrained control model (nil: no model-control arm) and its items: the study's items again,
    /// ladder names `<ladder>@<model control>` (e.g. `ood@random-init:0`), written after `controlItems`.
    /// Each runs with the trained model's patches for the same bytes (``patching``), so the arms differ
    /// in the weights only.
    public let modelControl: ModelSource?
    public let modelControlItems: [LadderItem]
    /// Pre-registered primary hooks, one per model component, fixed before any forward pass: the last
    /// block's residual stream of the patcher, encoder and global transformer, and the decoder's
    /// final-norm state (the sparsity paper's last-layer post-norm analogue), among the measured hooks.
    public let primaryHooks: [String]
    /// Level-0 items whose activations define the reference profile of each hook: held-out base items,
    /// not the analysed ones (see ``heldOutReference(ladder:catalog:request:)``).
    public let referenceItems: [LadderItem]
    /// How the reference set was chosen, per ladder (recorded as `reference_rule` in the run configuration).
    public let referenceRule: String
    public let modelDirectory: URL
    public let config: BLTConfig
    /// Hooks with sparsity measures, in forward order.
    public let measuredHooks: [HookPoint]
    /// Hooks whose raw activations are stored.
    public let activationHooks: [HookPoint]
    /// Hooks whose state at the probe position is stored per item (`--save-probe-vectors`).
    public internal(set) var probeVectorHooks: [HookPoint] = []
    public let patching: PatchingStrategy
    /// Normalised patching spec as recorded (`entropy`, `monotonic:0.0`, `fixed:4`, `space`).
    public let patchingSpec: String
    public let measures: [SparsityMeasure]
    public let layout: ProbeRunLayout
    public let outDirectory: URL
    /// `<out>/probe.h5`, or `<out>/shards/shard-IIII-of-NNNN.h5` for a shard.
    public let finalPath: String
    /// Rows of ``runItems`` this process runs, ascending: all of them, or a shard's (``StudyShard``).
    public let studyItemIndices: [Int]
    public let assetsDirectory: URL

    /// The sparsity variants every measure is stored in.
    public static let variants: [SparsityVariant] = [.raw, .withoutOutliers, .zScored]
    /// Most base items a generated ladder (`ood`, `tasks-*`) makes for a large `--limit` (the English ladders
    /// have 629 committed passages; a larger `--limit` is capped like theirs).
    public static let maxGeneratedBaseItems = 1000
    /// The entropy model's logits, captured for its per-byte log-probabilities.
    static let patcherLogitsHook = HookName(.patcher, .component, .logits)!.description
    /// Name of the shipped default model under `Assets/models/`.
    public static let defaultModelName = "bytelens-tiny"
    /// File name of the run inside the output directory.
    public static let fileName = "probe.h5"

    /// Validates `request` completely.
    /// - Throws: `LadderError` (unknown dataset listing the known ones, unknown level, custom dataset
    ///   line errors), ``ProbingError`` (model directory, hooks, measures, patching, output directory,
    ///   resume state, empty selection), `BLTConfigError` for an invalid `config.json`.
    /// With `dryRun` the output directory is checked but not created.
    public static func prepare(_ request: StudyRequest, dryRun: Bool = false) throws -> StudyPlan {
        try checkNumbers(request)
        let assets = try AssetLocator.locate(override: request.assetsDirectory)
        // Generated ladders (`ood`, `tasks-*`) make as many base items as `--limit` asks for (at least the
        // default 200, at most `maxGeneratedBaseItems`), so `--limit` can match the 629 committed English
        // passages everywhere; existing items do not change (item seeds depend only on the id).
        var ladderOptions = LadderOptions(baseSeed: request.seed)
        ladderOptions.generatedBaseItems = max(ladderOptions.generatedBaseItems, min(request.limit ?? 0, maxGeneratedBaseItems))
        let catalog = try LadderCatalog(assets: DatasetAssets(assetsDirectory: assets), options: ladderOptions)
        let ladders = try catalog.ladders(matching: request.dataset)

        var selected: [[LadderLevel]] = []
        var items: [LadderItem] = []
        var reference: [LadderItem] = []
        var referenceNotes: [String] = []
        for ladder in ladders {
            let levels = try request.levels.map { specs in try specs.map { try ladder.level($0) } } ?? ladder.levels
            let unique = levels.reduce(into: [LadderLevel]()) { if !$0.contains($1) { $0.append($1) } }
                .sorted { $0.index < $1.index }
            selected.append(unique)
            items += try ladder.items(levels: unique, limit: request.limit)
            let held = try heldOutReference(ladder: ladder, catalog: catalog, request: request)
            reference += held.items
            referenceNotes.append(held.note)
        }
        guard !items.isEmpty else { throw ProbingError.noItems(dataset: request.dataset) }
        // Every item must have a probe position (prompt-end needs an answer span): fail before any forward.
        for item in items { _ = try request.probePosition.sequencePosition(of: item) }

        let modelDirectory = try locateModel(request.modelDirectory, assets: assets)
        let config = try BLTConfig(contentsOf: modelDirectory.appendingPathComponent("config.json"))
        let catalogue = try request.modelSource.catalogue(config: config)
        // Hook patterns that name components the model does not have (e.g. the default `encoder`/`global`
        // hooks for a standalone entropy model) are dropped for non-BLT sources; a pattern matching
        // nothing at all is still an error.
        let hookPatterns = request.modelSource.patches ? request.hookPatterns
            : request.hookPatterns.filter { p in catalogue.contains { HookSelection.isMeasurable($0) && HookPoint.matches(pattern: p, name: $0.name) } }
        let measured = try HookSelection.resolve(hookPatterns.isEmpty ? request.hookPatterns : hookPatterns,
                                                 option: "--hooks", catalogue: catalogue)
        let saved = try HookSelection.resolve(request.saveActivationPatterns, option: "--save-activations", catalogue: catalogue)
        let probeVectors = try HookSelection.resolve(request.saveProbeVectorPatterns, option: "--save-probe-vectors", catalogue: catalogue)
        var (patching, spec) = try parsePatching(request.patching, config: config)
        if !request.modelSource.patches {
            // A model without patching processes every byte as one step; only the default spec applies.
            guard request.patching == StudyRequest(dataset: request.dataset).patching else {
                throw ProbingError.invalidOption(name: "--patching",
                                                 detail: "\(request.modelSource) has no patching; leave --patching at its default")
            }
            (patching, spec) = (.configDefault, "none (\(request.modelSource): every byte is one step)")
        }
        if request.match != .none {
            items = try StudyMatching.apply(request.match, to: items, ladders: ladders, request: request,
                                            modelDirectory: modelDirectory, patching: patching)
        }
        guard !request.measures.isEmpty else { throw ProbingError.invalidOption(name: "--measures", detail: "no measure given") }
        let measures = request.measures.reduce(into: [SparsityMeasure]()) { if !$0.contains($1) { $0.append($1) } }

        var controlPatching: PatchingStrategy? = nil, controlSpec: String? = nil, controlItems: [LadderItem] = []
        if request.patchControl, patching.needsEntropy {
            controlPatching = .fixed(request.controlPatchSize)
            controlSpec = "fixed:\(request.controlPatchSize)"
            controlItems = items.map { StudyArm.controlCopy(of: $0, spec: controlSpec!) }
        }
        // The model control: only for the trained BLT (a control of a control is not a study).
        let modelControl = request.modelSource == .blt ? request.modelControl : nil
        if let control = modelControl, !control.canBeControl {
            throw ProbingError.invalidOption(name: "--control-model",
                                             detail: "\(control) is not a control of the same architecture; use random-init[:SEED], checkpoint:DIR or none")
        }
        if let control = modelControl, case .checkpoint(let path) = control {
            // A trained control must have every measured hook (the arms are paired hook by hook).
            let theirs = Dictionary(try control.catalogue(config: config).map { ($0.name, $0.columns) }, uniquingKeysWith: { a, _ in a })
            let missing = measured.filter { theirs[$0.name] == nil || theirs[$0.name]! != $0.columns }.map(\.name)
            guard missing.isEmpty else {
                throw ProbingError.invalidOption(name: "--control-model", detail: "checkpoint \(path) lacks \(missing.count) measured hook(s) "
                                                 + "of the same width, e.g. \(missing[0]); a control model needs the architecture of --model")
            }
        }
        let modelControlItems = modelControl.map { m in items.map { StudyArm.controlCopy(of: $0, spec: m.description) } } ?? []
        let primaryHooks = Self.primaryHooks(measured.map(\.name))

        let layout = ProbeRunLayout(
            byteLevelHooks: measured.filter { HookSelection.scope(of: $0) == .byte }.map(\.name),
            patchLevelHooks: measured.filter { HookSelection.scope(of: $0) == .patch }.map(\.name),
            probeHooks: measured.map(\.name),
            measureColumns: variants.flatMap { v in measures.map { v.columnName($0) } },
            itemMetricNames: ItemMetrics.names,
            activations: saved.map { ProbeRunActivationSpec(hook: $0.name, scope: HookSelection.scope(of: $0), width: $0.columns!) }
                + probeVectors.map { ProbeRunActivationSpec(hook: $0.name, scope: .probe, width: $0.columns!) },
            itemMetricDescriptions: ItemMetrics.descriptions)

        let out = URL(fileURLWithPath: request.outDirectory ?? RunOutput.defaultDirectory(for: request)).standardizedFileURL
        try checkWritable(out, create: !dryRun)
        var finalPath = out.appendingPathComponent(fileName).path
        let runItems = items + controlItems + modelControlItems
        var studyItemIndices = Array(runItems.indices)
        if let shard = request.shard {
            let specs = [controlSpec, modelControl?.description].compactMap { $0 }
            let groups = StudyShard.groupCount(of: runItems, controlSpecs: specs)
            guard shard.count <= groups else {
                throw ProbingError.invalidOption(name: "--shard",
                    detail: "\(shard.count) shards for a study of \(groups) base items (shards keep every level of a base item together); use at most \(groups)")
            }
            let assignment = StudyShard.assignment(of: runItems, shards: shard.count, controlSpecs: specs)
            studyItemIndices = runItems.indices.filter { assignment[$0] == shard.index }
            let folder = out.appendingPathComponent(StudyShard.folder)
            try checkWritable(folder, create: !dryRun)
            finalPath = folder.appendingPathComponent(shard.fileName).path
        }
        let partial = ProbeRunWriter.partialPath(for: finalPath)
        let partialExists = ProbeRunWriter.unfinishedRunExists(at: finalPath)
        if request.resume && !partialExists { throw ProbingError.nothingToResume(partialPath: partial) }
        if !request.resume && partialExists { throw ProbingError.partialRunExists(partialPath: partial) }

        var plan = StudyPlan(request: request, ladders: ladders, selectedLevels: selected, items: items,
                             controlItems: controlItems, controlPatching: controlPatching, controlPatchingSpec: controlSpec,
                             modelControl: modelControl, modelControlItems: modelControlItems,
                             primaryHooks: primaryHooks, referenceItems: reference,
                             referenceRule: referenceRulePrefix + referenceNotes.joined(separator: "; "),
                             modelDirectory: modelDirectory, config: config,
                             measuredHooks: measured, activationHooks: saved, patching: patching, patchingSpec: spec,
                             measures: measures, layout: layout, outDirectory: out, finalPath: finalPath,
                             studyItemIndices: studyItemIndices,
                             assetsDirectory: assets)
        plan.probeVectorHooks = probeVectors
        if request.resume { try plan.checkResumable() }
        return plan
    }

    static let referenceRulePrefix = "level-0 items of held-out base items (not analysed); span positions (byte hooks) / "
        + "patches starting in the span (patch hooks); outliers: mean abs(h) > 10 x median, at most 1 % of dims; "

    /// The reference set of one ladder: level-0 items of base items that are *not* analysed, so the
    /// outlier dimensions and z-score moments are not fitted on the very items they are applied to.
    ///
    /// With `a` analysed base items (`--limit`, capped at the ladder's count) and `r = --reference-items`
    /// (at most `--limit`), the reference uses base items `a ..< a + r`: the next ones after the analysed ones. Generated ladders
    /// (`ood`, `tasks-*`) generate extra base ids for this (item seeds depend only on the id, so the
    /// analysed items are unchanged). Ladders with a fixed set of base items (the English passages, custom
    /// datasets) use what remains; with none left (e.g. `--limit all`) they fall back to the first `r`
    /// analysed base items, and the returned note says so. Deterministic: no randomness, item order.
    static func heldOutReference(ladder: Ladder, catalog: LadderCatalog, request: StudyRequest) throws
        -> (items: [LadderItem], note: String) {
        let analysed = min(request.limit ?? ladder.baseItemIDs.count, ladder.baseItemIDs.count)
        // As many as `--reference-items`, but not more than the analysed items per level (keeps small runs cheap).
        let wanted = min(request.limit ?? request.referenceItems, request.referenceItems)
        var source = ladder
        if analysed + wanted > ladder.baseItemIDs.count, LadderCatalog.generatedNames.contains(ladder.name) {
            var options = catalog.options
            options.generatedBaseItems = analysed + wanted
            source = try LadderCatalog(assets: catalog.assets, options: options).ladder(named: ladder.name)
        }
        let level0 = ladder.levels[0]
        let held = analysed..<min(analysed + wanted, source.baseItemIDs.count)
        let items = try held.compactMap { try source.item(level: level0, baseIndex: $0) }
        if !items.isEmpty {
            let fewer = items.count < wanted ? " (only \(items.count) of the \(wanted) requested exist)" : ""
            return (items, "\(ladder.name): base items \(held.lowerBound)..<\(held.upperBound)\(fewer)")
        }
        let fallback = try ladder.items(levels: [level0], limit: min(wanted, analysed))
        return (fallback, "\(ladder.name): FALLBACK, no held-out base items left (\(ladder.baseItemIDs.count) in the ladder, "
            + "\(analysed) analysed), so the first \(fallback.count) analysed level-0 items are used")
    }

    /// Every forward the item stage runs, in HDF5 row order: the study's items, then the control arm.
    public var runItems: [LadderItem] { items + controlItems + modelControlItems }

    /// The items this process runs, in study order: ``runItems``, or the shard's part of it.
    public var itemsToRun: [LadderItem] {
        request.shard == nil ? runItems : { let all = runItems; return studyItemIndices.map { all[$0] } }()
    }

    /// Every control spec of the run (patch control, model control), for ``StudyArm/split(_:controlSpecs:)``.
    public var controlSpecs: [String] { [controlPatchingSpec, modelControl?.description].compactMap { $0 } }

    /// Whether `item` belongs to the model-control arm (runs through the control model).
    public func isModelControl(_ item: LadderItem) -> Bool {
        guard let m = modelControl else { return false }
        return StudyArm.split(item.ladder, controlSpec: m.description).isControl
    }

    /// The patching an item runs with (the control arm's for control items).
    public func patching(for item: LadderItem) -> PatchingStrategy {
        if let controlPatching, let spec = controlPatchingSpec, StudyArm.split(item.ladder, controlSpec: spec).isControl {
            return controlPatching
        }
        return patching
    }

    /// One primary hook per component (see ``primaryHooks``), in component order.
    public static func primaryHooks(_ measured: [String]) -> [String] {
        var out: [String] = []
        let hooks = measured.compactMap(HookName.init)
        for component in HookName.stackOrder {
            let own = hooks.filter { $0.component == component }
            if component == .decoder, let final = own.first(where: { $0.site == .finalNorm }) {
                out.append(final.description)
            } else if let last = own.filter({ $0.site == .residPost }).max(by: { $0.layer ?? 0 < $1.layer ?? 0 }) {
                out.append(last.description)
            }
        }
        return out
    }

    /// The bootstrap seed of the statistics: the statistics module's default seed plus the run seed.
    public var statisticsSeed: UInt64 { StudyConfiguration().seed &+ request.seed }

    /// A partial file can only be continued with the same layout (hooks, measures, activations) and
    /// the same experiment (configuration, model); checked here so a mismatch costs no compute.
    func checkResumable() throws {
        // Read-only: the run's journal is verified record by record; nothing is changed here.
        let reader: ProbeRunResumable
        do { reader = try ProbeRunWriter.resumable(at: finalPath) } catch {
            throw ProbingError.cannotResume(partialPath: partialPath, detail: "\(error)")
        }
        guard reader.layout == layout else {
            throw ProbingError.cannotResume(partialPath: partialPath,
                detail: "it was started with other hooks, measures or activations; use the same options as the first run")
        }
        guard reader.provenance.configJSON == RunProvenance.configJSON(plan: self, statisticsSeed: statisticsSeed),
              reader.provenance.modelPath == modelDirectory.path else {
            throw ProbingError.cannotResume(partialPath: partialPath,
                detail: "it was started with another configuration (dataset, levels, limit, seed, patching or model); use the same options as the first run")
        }
    }

    static func checkNumbers(_ r: StudyRequest) throws {
        guard r.nullShuffles >= 0, r.nullShuffles <= StudyAnalysis.maxNullShuffles else {
            throw ProbingError.invalidOption(name: "--null-shuffles", detail: "must be in 0...\(StudyAnalysis.maxNullShuffles), got \(r.nullShuffles)")
        }
        if let limit = r.limit, limit < 1 { throw ProbingError.invalidOption(name: "--limit", detail: "must be ≥ 1, got \(limit)") }
        if r.threads < 1 { throw ProbingError.invalidOption(name: "--threads", detail: "must be ≥ 1, got \(r.threads)") }
        // Upper bounds (documented in `probe run --help` errors): counts far beyond any useful run would
        // otherwise overflow or allocate without bound.
        if r.itemsPerForward < 1 {
            throw ProbingError.invalidOption(name: "--items-per-forward", detail: "must be ≥ 1, got \(r.itemsPerForward)")
        }
        for (name, value, limit) in [("--limit", r.limit ?? 1, 1 << 24), ("--threads", r.threads, 256),
                                     ("--items-per-forward", r.itemsPerForward, ItemPacking.maxItemsLimit),
                                     ("--reference-items", r.referenceItems, 1 << 20),
                                     ("--control-patch-size", r.controlPatchSize, BLTConfig.Limits.positions),
                                     ("--bootstrap", r.bootstrapResamples, 10_000_000)] where value > limit {
            throw ProbingError.invalidOption(name: name, detail: "must be ≤ \(limit), got \(value)")
        }
        if r.referenceItems < 1 {
            throw ProbingError.invalidOption(name: "--reference-items", detail: "must be ≥ 1, got \(r.referenceItems)")
        }
        if r.controlPatchSize < 1 {
            throw ProbingError.invalidOption(name: "--control-patch-size", detail: "must be ≥ 1, got \(r.controlPatchSize)")
        }
        if r.bootstrapResamples < 100 {
            throw ProbingError.invalidOption(name: "--bootstrap", detail: "must be ≥ 100, got \(r.bootstrapResamples)")
        }
    }

    /// `--model DIR`, or `Assets/models/bytelens-tiny/`. The directory must hold `config.json`.
    static func locateModel(_ path: String?, assets: URL) throws -> URL {
        let directory: URL
        if let path {
            directory = URL(fileURLWithPath: path).standardizedFileURL
        } else {
            directory = assets.appendingPathComponent("models/\(defaultModelName)").standardizedFileURL
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) else {
                throw ProbingError.defaultModelMissing(searched: directory.path)
            }
        }
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) else {
            throw ProbingError.modelConfigMissing(directory: directory.path)
        }
        return directory
    }

    /// Parses a `PatchingSpec` (the grammar every `probe` command shares). `lengths:` is refused: a
    /// study has many items of different lengths.
    public static func parsePatching(_ spec: String, config: BLTConfig) throws -> (PatchingStrategy, String) {
        do {
            let parsed = try PatchingSpec(parsing: spec)
            if case .lengths = parsed {
                throw ProbingError.invalidPatching(spec: spec, detail: "explicit lengths fit one input only (use them with `probe trace`)")
            }
            let (strategy, normalized) = try parsed.resolve(config: config)
            return (strategy, normalized)
        } catch PatchingSpecError.invalid(_, let detail) {
            throw ProbingError.invalidPatching(spec: spec, detail: "\(detail); grammar: \(PatchingSpec.grammar)")
        } catch PatchingSpecError.needsPatcher {
            throw ProbingError.invalidPatching(spec: spec, detail: "the model has no entropy model (patch_in_forward is false)")
        }
    }

    /// Creates the directory if needed and proves a file can be created in it. Without `create`, an
    /// existing directory must be writable, or else its nearest existing ancestor.
    static func checkWritable(_ directory: URL, create: Bool) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ProbingError.outputNotWritable(path: directory.path, detail: "it is a file, not a directory")
        }
        guard create else {
            var existing = directory
            while !fm.fileExists(atPath: existing.path) && existing.pathComponents.count > 1 { existing.deleteLastPathComponent() }
            var existingIsDirectory: ObjCBool = false
            guard fm.fileExists(atPath: existing.path, isDirectory: &existingIsDirectory), existingIsDirectory.boolValue else {
                throw ProbingError.outputNotWritable(path: directory.path, detail: "\(existing.path) is a file, not a directory")
            }
            guard fm.isWritableFile(atPath: existing.path) else {
                throw ProbingError.outputNotWritable(path: directory.path, detail: "\(existing.path) is not writable")
            }
            return
        }
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ProbingError.outputNotWritable(path: directory.path, detail: "cannot create it (\(error.localizedDescription))")
        }
        let probe = directory.appendingPathComponent(".probe-write-test-\(ProcessInfo.processInfo.processIdentifier)")
        guard fm.createFile(atPath: probe.path, contents: Data("ok".utf8)) else {
            throw ProbingError.outputNotWritable(path: directory.path, detail: "cannot create a file in it")
        }
        try? fm.removeItem(at: probe)
    }

    /// Directory name for a dataset: the ladder name, or `custom-<file name>` for `custom:PATH`.
    public static func slug(_ dataset: String) -> String {
        guard dataset.hasPrefix("custom:") else { return dataset }
        let path = URL(fileURLWithPath: String(dataset.dropFirst("custom:".count)))
        return "custom-" + path.deletingPathExtension().lastPathComponent
    }

    /// `<out>/probe.h5.partial`, where rows go until the run finishes.
    public var partialPath: String { ProbeRunWriter.partialPath(for: finalPath) }

    /// Forward passes the run performs: the reference pass over level-0 items, then one per item.
    /// With a model control, its reference pass and items run as well (plus a patcher-only pass per
    /// control item for the trained patches, not counted: it is a small fraction of a forward).
    public var forwardCount: Int {
        (modelControl == nil ? 1 : 2) * referenceItems.count + studyItemIndices.count
    }
}
