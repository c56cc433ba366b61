import Foundation
import HDF5Store
import Parallelism
import Plotting

/// Files a report build wrote.
public struct ReportOutput: Sendable, Equatable {
    /// `<dir>/REPORT.md`.
    public var reportPath: String
    /// Every PNG under `<dir>/figures/`, in report order.
    public var figurePaths: [String]
}

/// Rebuilds the figures and REPORT.md of a finished probe run from its HDF5 file alone (no model, no
/// dataset assets). `probe run` calls it on the file it just finished; `probe report FILE.h5` calls it
/// on any file. Output is deterministic for a given file apart from nothing: figures and Markdown are
/// pure functions of the stored values and provenance.
///
/// Files are written atomically (temporary name, then rename); stale figures of an earlier build with
/// other names are left alone.
public struct ReportBuilder: Sendable {
    public let path: String
    /// Formats of every figure besides the PNG that REPORT.md links (`probe report --format`).
    public var figureFormats: [FigureFormat] = [.png]
    /// Width of each SVG/PDF figure in inches; nil = 0.75 pt per canvas pixel (96 pixels per inch).
    public var widthInches: Double? = nil
    /// Layout and physical size of the figures (`probe report --preset`): ``FigurePreset/screen`` (the
    /// committed reports) or ``FigurePreset/paper`` (column- and page-wide, 7.2-pt body text).
    public var preset: FigurePreset = .screen
    /// Colour scaling of the ladder × layer heatmaps (`probe report --heatmap-rows`).
    public var rowScaling: LadderLayerHeatmap.RowScaling = .shared
    /// Threads that draw and encode the figures (each figure on one thread; the files do not depend on it).
    public var threads: Int = min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))

    public init(path: String) { self.path = path }

    public func write(to directory: String) throws -> ReportOutput {
        let reader = try ProbeRunReader(path: path)
        defer { reader.close() }
        if let shard = try reader.shard() { throw ProbingError.shardIsNotAStudy(path: path, shard: "\(shard.index)/\(shard.count)") }
        let data = try ReportData(reader: reader)
        var builder = ReportFigures(data: data)
        builder.rowScaling = rowScaling
        let figures = try builder.all()
        let figureDirectory = URL(fileURLWithPath: directory).appendingPathComponent("figures")
        do {
            try FileManager.default.createDirectory(at: figureDirectory, withIntermediateDirectories: true)
        } catch {
            throw ProbingError.outputNotWritable(path: figureDirectory.path, detail: error.localizedDescription)
        }
        // Drawing and PNG encoding (deflate) are most of a report's time and independent per figure: they
        // run on `threads` threads; the vector formats (Cairo) follow one figure at a time, in order.
        let drawn = try orderedParallelMap(figures.count, threads: threads) { i -> (target: String, canvas: Canvas) in
            let f = figures[i]
            let target = figureDirectory.appendingPathComponent(f.fileName).path
            var figure = f.figure
            figure.maxWidth = preset.maxWidth(f.span)
            let canvas = try figure.render()
            // Paper-preset PNGs are enlarged 3× (nearest neighbour: ~340 dpi at their printed width).
            try (preset.maxWidth(f.span) == nil ? canvas : canvas.scaled(by: 3)).writePNG(to: target)
            if let tabular = f.figure as? any TabularFigure {
                // The numbers behind the figure, to restyle it without recomputing the study.
                var table = tabular.table()
                table.notes.insert("data of figures/\(f.fileName) (\(f.caption)); redraw: probe report \(URL(fileURLWithPath: path).lastPathComponent)", at: 0)
                let csvPath = (target as NSString).deletingPathExtension + ".csv"
                do {
                    try SafeFile.atomicWrite(Array(table.csv().utf8), to: csvPath)
                } catch {
                    throw ProbingError.outputNotWritable(path: csvPath, detail: error.localizedDescription)
                }
            }
            return (target, canvas)
        }
        var paths: [String] = []
        for (target, canvas) in drawn {
            paths.append(target)
            for format in figureFormats where format != .png {
                let pointsPerPixel = widthInches.map { $0 * 72 / Double(max(1, canvas.width)) } ?? preset.pointsPerPixel
                let vectorPath = (target as NSString).deletingPathExtension + "." + format.rawValue
                try VectorFigure(canvas, pointsPerPixel: min(VectorFigure.maxPointsPerPixel, pointsPerPixel)).write(format, to: vectorPath)
                paths.append(vectorPath)
            }
        }
        var replication: [PaperReplicationTable.Entry] = []
        if data.config.studyProtocol == StudyProtocol.sparsityPaper.rawValue {
            replication = try PaperReplicationTable.compute(data)
            let csvPath = URL(fileURLWithPath: directory).appendingPathComponent("replication.csv").path
            do {
                try SafeFile.atomicWrite(Array(PaperReplicationTable.csv(replication).utf8), to: csvPath)
            } catch {
                throw ProbingError.outputNotWritable(path: directory, detail: "writing replication.csv: \(error.localizedDescription)")
            }
        }
        let markdown = ReportMarkdown(data: data, figures: figures, replication: replication).render()
        let reportPath = URL(fileURLWithPath: directory).appendingPathComponent("REPORT.md").path
        do {
            // New temporary file (O_EXCL, unpredictable name), fsync, rename over a regular REPORT.md.
            try SafeFile.atomicWrite(Array(markdown.utf8), to: reportPath)
        } catch {
            throw ProbingError.outputNotWritable(path: directory, detail: "writing REPORT.md: \(error.localizedDescription)")
        }
        return ReportOutput(reportPath: reportPath, figurePaths: paths)
    }
}
