import ArgumentParser
import BLTModel
import HDF5Store
import Metrics
import Plotting
import Probing

/// `probe heatmap FILE.h5 --item ID [--hooks …] --out PNG`: renders one item of a probe-run file as a
/// layer × position heatmap of a sparsity measure (default) or as a byte strip (`--strip`), from the HDF5
/// file alone.
struct Heatmap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render one item of a probe-run HDF5 file as a layer × position heatmap (or a byte strip).",
        discussion: """
            The item is a row index of /items (0-based) or a base item id; with a base id, --level picks the \
            ladder level when the id occurs at several levels. Hooks default to every measured hook \
            (encoder and decoder hooks per byte, global hooks per patch); the BOS position is not drawn.

            Examples:
              probe heatmap Reports/ood/probe.h5 --item ood-0000 --level 9 --out hard.png
              probe heatmap Reports/ood/probe.h5 --item 3 --strip --out strip.png
              probe heatmap run.h5 --item 0 --hooks 'global.blocks.3.hook_resid_post' \\
                  --measure gini --axis patches --scale 2 --out item0.png
            """)

    @Argument(help: "A probe-run file written by `probe run`.")
    var file: String

    @Option(help: "Item row index (0-based) or base item id.")
    var item: String

    @Option(help: "Level index, to pick one item when --item is a base id present at several levels.")
    var level: Int?

    @Option(parsing: .upToNextOption, help: "Hook names or globs to draw ('*' spans dots; commas also separate).")
    var hooks: [String] = []

    @Option(help: "Measure column (default: hoyer when present, else the first column).")
    var measure: String?

    @Option(help: "Position axis of the heatmap: bytes or patches.")
    var axis: PositionUnit = .bytes

    @Flag(help: "Draw the byte strip (text on entropy, one sparsity row per hook) instead of the heatmap.")
    var strip = false

    @Option(help: "Bytes per line of the byte strip.")
    var bytesPerLine = 64

    @Option(help: "Integer pixel scale of the PNG (2 for print; text stays crisp).")
    var scale = 1

    @Flag(help: "Also open a partial run (a `.partial` file of an interrupted `probe run`); only its complete items are visible.")
    var allowPartial = false

    @Option(help: "Output PNG path (written atomically).")
    var out: String

    func run() async throws {
        try FilePreflight.check([file])
        let reader = try ProbeRunReader(path: file, allowPartial: allowPartial)
        defer { reader.close() }
        let index = try HeatmapInputs.resolveItem(item, level: level, in: try reader.itemRecords(), file: file)
        let inputs = try HeatmapInputs(item: try reader.item(at: index), index: index, layout: reader.layout,
                                       measure: measure, hooks: hooks.flatMap { $0.split(separator: ",").map(String.init) },
                                       fileLabel: file.split(separator: "/").last.map(String.init) ?? file)
        let figure: any Figure
        if strip {
            // A strip with dozens of hook rows is unreadable: without --hooks it shows a representative few.
            figure = (hooks.isEmpty ? inputs.representativeHooks() : inputs).byteStrip(bytesPerLine: bytesPerLine)
        } else {
            figure = inputs.layerHeatmap(axis: axis)
        }
        guard (1...8).contains(scale) else { throw ValidationError("--scale must be 1...8, got \(scale)") }
        try figure.render().scaled(by: scale).writePNG(to: out)
        print("wrote \(out)")
    }
}

extension PositionUnit: ExpressibleByArgument {}

/// One probe-run item converted into the plain inputs of the Plotting figures.
///
/// Positions whose byte value is negative (BOS) are dropped; patch starts are recomputed on the remaining
/// bytes, and patches left with no byte (the BOS patch, HF's trailing empty patch) are dropped together with
/// their per-patch values.
struct HeatmapInputs {
    struct Hook {
        var name: String
        var block: String
        var label: String
        var unit: PositionUnit
        var values: [Double]
    }

    var title: String
    var subtitle: String
    var measure: String
    var bytes: [UInt8]
    var entropy: [Double]
    var patchStarts: [Int]
    var hooks: [Hook]

    init(item: ProbeRunItem, index: Int, layout: ProbeRunLayout, measure requestedMeasure: String?, hooks requested: [String],
         fileLabel: String) throws {
        guard !layout.measureColumns.isEmpty else {
            throw ValidationError("\(fileLabel) stores no sparsity measures")
        }
        let measure = requestedMeasure ?? (layout.measureColumns.contains("hoyer") ? "hoyer" : layout.measureColumns[0])
        guard layout.measureColumns.contains(measure) else {
            throw ValidationError("unknown measure '\(measure)'; the file has: " + ShortList.format(layout.measureColumns, limit: 12, hint: "see `probe inspect FILE`"))
        }
        let available = layout.byteLevelHooks + layout.patchLevelHooks
        for pattern in requested where !available.contains(where: { HookPoint.matches(pattern: pattern, name: $0) }) {
            throw ValidationError("hook pattern '\(pattern)' matches no hook of the file; it has: "
                                  + ShortList.format(available, hint: "all of them: `probe inspect FILE`"))
        }
        let wanted = { (name: String) in requested.isEmpty || requested.contains { HookPoint.matches(pattern: $0, name: name) } }
        let kept = item.bytes.value.indices.filter { item.bytes.value[$0] >= 0 }
        guard !kept.isEmpty else { throw ValidationError("item \(index) has no text bytes") }
        self.measure = measure
        self.bytes = kept.map { UInt8(item.bytes.value[$0]) }
        // Stored in nats; shown in bits like every report figure.
        self.entropy = kept.map { ByteEntropy.bits(fromNats: Double(item.bytes.entropy[$0])) }
        var starts = [Int](), keptPatchIDs = [Int]()
        for (i, position) in kept.enumerated() {
            let patch = Int(item.bytes.patchID[position])
            if i == 0 || patch != keptPatchIDs.last { starts.append(i); keptPatchIDs.append(patch) }
        }
        self.patchStarts = starts

        var selected = [Hook]()
        func column(_ rows: ProbeRunMeasureRows, _ hookIndex: Int, _ hookCount: Int, _ positions: [Int]) -> [Double] {
            positions.map { Double(rows.value(measure, row: $0, hook: hookIndex, hookCount: hookCount) ?? .nan) }
        }
        // Blocks are the model's components in data-flow order (patcher, encoder, global, decoder), read
        // from the stored names with the one hook-name parser.
        func component(_ name: String) -> HookComponent { HookName(name)?.component ?? .output }
        for (h, name) in layout.byteLevelHooks.enumerated() where wanted(name) {
            selected.append(Hook(name: name, block: component(name).rawValue, label: Self.shortLabel(name), unit: .bytes,
                                 values: column(item.byteMeasures, h, layout.byteLevelHooks.count, kept)))
        }
        for (h, name) in layout.patchLevelHooks.enumerated() where wanted(name) {
            selected.append(Hook(name: name, block: component(name).rawValue, label: Self.shortLabel(name), unit: .patches,
                                 values: column(item.patchMeasures, h, layout.patchLevelHooks.count, keptPatchIDs)))
        }
        let rank = { (block: String) in HookComponent(rawValue: block)?.order ?? HookComponent.allCases.count }
        self.hooks = selected.enumerated().sorted {
            (rank($0.element.block), $0.offset) < (rank($1.element.block), $1.offset)
        }.map(\.element)

        let r = item.record
        self.title = "\(measure) by layer and position"
        self.subtitle = "\(fileLabel) · item \(index) (\(r.ladder) / \(r.levelName), base \(r.baseItemID)) · "
            + "\(bytes.count) bytes, \(starts.count) patches"
    }

    /// "local_encoder.layers.0" → "layers.0": the block is shown separately, so the first name component is
    /// dropped when something remains.
    static func shortLabel(_ hook: String) -> String {
        guard let dot = hook.firstIndex(of: "."), hook.index(after: dot) < hook.endIndex else { return hook }
        return String(hook[hook.index(after: dot)...])
    }

    /// At most six hooks: the first and last of each block, plus the middle global hook; unchanged when
    /// there are six or fewer.
    func representativeHooks() -> HeatmapInputs {
        guard hooks.count > 6 else { return self }
        var keep = Set<Int>()
        for block in ["encoder", "global", "decoder", "patcher"] {
            let indices = hooks.indices.filter { hooks[$0].block == block }
            guard let first = indices.first, let last = indices.last else { continue }
            keep.insert(first)
            keep.insert(last)
            if block == "global" { keep.insert(indices[indices.count / 2]) }
        }
        var copy = self
        copy.hooks = hooks.indices.filter { keep.contains($0) }.prefix(6).map { hooks[$0] }
        return copy
    }

    func layerHeatmap(axis: PositionUnit) -> LayerPositionHeatmap {
        var blocks = [LayerPositionHeatmap.Block]()
        for hook in hooks {
            if let last = blocks.last, last.name == hook.block, last.unit == hook.unit {
                blocks[blocks.count - 1].layerLabels.append(hook.label)
                blocks[blocks.count - 1].values.append(hook.values)
            } else {
                blocks.append(.init(name: hook.block, layerLabels: [hook.label], values: [hook.values], unit: hook.unit))
            }
        }
        return LayerPositionHeatmap(title: title, subtitle: subtitle, measureName: measure, blocks: blocks,
                                    byteCount: bytes.count, patchStarts: patchStarts, xAxis: axis)
    }

    func byteStrip(bytesPerLine: Int) -> ByteStripFigure {
        ByteStripFigure(title: "Entropy and \(measure) along one item", subtitle: subtitle, bytes: bytes,
                        entropy: entropy, entropyLabel: "entropy (bits)", patchStarts: patchStarts,
                        hookRows: hooks.map { .init(name: $0.name, values: $0.values, unit: $0.unit) },
                        sparsityLabel: measure, bytesPerLine: bytesPerLine)
    }

    /// Resolves `--item`: a row index, or a base item id (with `--level` when it is ambiguous).
    static func resolveItem(_ id: String, level: Int?, in records: [ProbeRunItemRecord], file: String) throws -> Int {
        if let index = Int(id) {
            guard index >= 0, index < records.count else {
                throw ValidationError("item \(index) is outside 0..<\(records.count) in \(file)")
            }
            return index
        }
        let matches = records.indices.filter { records[$0].baseItemID == id && (level == nil || records[$0].levelIndex == level) }
        guard let first = matches.first else {
            throw ValidationError("no item with base id '\(id)'\(level.map { " at level \($0)" } ?? "") in \(file)")
        }
        guard matches.count == 1 else {
            let levels = matches.map { "\(records[$0].levelIndex) (\(records[$0].ladder)/\(records[$0].levelName))" }
            throw ValidationError("base id '\(id)' matches \(matches.count) items; pick one with --level: \(levels.joined(separator: ", "))")
        }
        return first
    }
}
