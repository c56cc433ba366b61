import ArgumentParser
import Foundation
import Plotting
import Probing

/// `probe report FILE.h5`: figures and REPORT.md from a finished probe run, no model needed.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the figures and REPORT.md of a probe run from its HDF5 file alone.",
        discussion: """
        Reads only the file (items, bytes, patches, measures, statistics, provenance); no model or \
        dataset is needed, so a report can be rebuilt on another machine.

        Examples:
          probe report Reports/ood/probe.h5        (rewrites Reports/ood/REPORT.md)
          probe report run.h5 --out /tmp/ood-report
          probe report Reports/ood/probe.h5 --format pdf,svg,png --preset paper --out /tmp/ood-paper
          probe report Reports/ood/probe.h5 --format png,svg,pdf --width-in 6.75 --out /tmp/ood-wide
          probe report Reports/ood/probe.h5 --heatmap-rows per-row --out /tmp/ood-rows

        The paper preset lays every figure out for a two-column paper: trend, scatter and patch-length \
        figures 3.3 inches wide, heatmaps and byte strips 6.9 inches; body text is 7.2 pt in SVG/PDF; \
        PNGs are drawn 3× (about 340 dpi at that width).
        """)

    @Argument(help: "A finished probe-run file (probe.h5).")
    var file: String

    @Option(name: .long, help: "Output directory (default: the file's directory).")
    var out: String?

    @Option(name: .long, help: "Figure formats, comma-separated: png (always written; REPORT.md links it), svg, pdf (vector, text in DejaVu Sans, through Cairo).")
    var format: String = "png"

    @Option(name: .customLong("width-in"), help: "Width of every SVG/PDF figure in inches (default: the preset's scale; screen: 0.75 pt per pixel, i.e. 96 pixels per inch).")
    var widthIn: Double?

    @Option(help: "Figure layout: screen (natural size, as the committed reports) or paper (3.3-in column / 6.9-in page width, 7.2-pt text).")
    var preset: String = "screen"

    @Option(name: .customLong("heatmap-rows"), help: "Colour scale of the ladder × layer heatmaps: shared (one scale) or per-row (each level scaled to its own range).")
    var heatmapRows: String = "shared"

    func validate() throws {
        if let widthIn, !(widthIn >= 1 && widthIn <= 40) { throw ValidationError("--width-in must be in 1...40 inches, got \(widthIn)") }
    }

    func run() async throws {
        try FilePreflight.check([file])
        let directory = out ?? URL(fileURLWithPath: file).deletingLastPathComponent().path
        var builder = ReportBuilder(path: file)
        builder.figureFormats = try FigureFormat.parseList(format)
        builder.widthInches = widthIn
        builder.preset = try FigurePreset.named(preset)
        guard let rows = LadderLayerHeatmap.RowScaling(rawValue: heatmapRows) else {
            throw ValidationError("--heatmap-rows must be one of \(LadderLayerHeatmap.RowScaling.allCases.map(\.rawValue).joined(separator: ", ")), got '\(heatmapRows)'")
        }
        builder.rowScaling = rows
        let output = try builder.write(to: directory)
        print("wrote \(output.reportPath) with \(output.figurePaths.count) figures")
    }
}
