import ArgumentParser
import Foundation
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
        """)

    @Argument(help: "A finished probe-run file (probe.h5).")
    var file: String

    @Option(name: .long, help: "Output directory (default: the file's directory).")
    var out: String?

    func run() async throws {
        let directory = out ?? URL(fileURLWithPath: file).deletingLastPathComponent().path
        let output = try ReportBuilder(path: file).write(to: directory)
        print("wrote \(output.reportPath) with \(output.figurePaths.count) figures")
    }
}
