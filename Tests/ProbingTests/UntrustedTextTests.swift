import Foundation
import Plotting
import Testing
@testable import Probing

/// Dataset text ends up in REPORT.md and in file names: it must neither inject Markdown nor make a file
/// name too long for the file system.
@Suite("Untrusted dataset text in reports and file names")
struct UntrustedTextTests {
    @Test func levelNamesCannotBreakOutOfATableCell() {
        let hostile = "p=0.1 | injected |\n## Heading\r\n<img src=x onerror=alert(1)> [link](http://x) `code` *bold*\u{202E}"
        let cell = ReportMarkdown.cell(hostile)
        #expect(!cell.contains("\n") && !cell.contains("\r") && !cell.contains("\u{202E}"))
        // Every markup character is escaped: no unescaped "|", "<", "[", "`" or "#" is left.
        let unescaped = cell.indices.filter { i in
            "|<>[]`#*".contains(cell[i]) && (i == cell.startIndex || cell[cell.index(before: i)] != "\\")
        }
        #expect(unescaped.isEmpty, "\(cell)")
        #expect(ReportMarkdown.cell("p=0.05") == "p=0.05")
    }

    @Test func aHostileDatasetNameCannotInjectMarkdownIntoTheReport() throws {
        // The ladder of a custom dataset is named after its path, which may hold any byte but "/" and NUL.
        let dir = try TemporaryDirectory()
        let plain = try TinyLadder.write(in: dir)
        let hostile = dir.file("x | y\n# injected heading\n<b>bold.jsonl")
        try FileManager.default.copyItem(atPath: plain, toPath: hostile)
        var request = TinyLadder.request(dataset: hostile, out: dir.file("out"))
        request.patchControl = false
        request.modelControl = nil
        request.nullShuffles = 0
        let outcome = try isolatedRunner(try StudyPlan.prepare(request)).run()
        let report = try String(contentsOfFile: outcome.report!.reportPath, encoding: .utf8)
        #expect(report.contains("injected heading"))
        for line in report.split(separator: "\n", omittingEmptySubsequences: false) {
            #expect(!line.hasPrefix("# injected") && !line.contains("<b>"), "\(line)")
        }
    }

    @Test func longItemIDsAreShortenedWithAHash() {
        let a = String(repeating: "x", count: 230) + "a"
        let b = String(repeating: "x", count: 230) + "b"
        #expect(ReportFigures.safe(a).utf8.count < 80)
        #expect(ReportFigures.safe(a) != ReportFigures.safe(b))
        #expect(ReportFigures.safe(String(repeating: "é", count: 200)).utf8.count < 120)
        #expect(ReportFigures.safe("item-7") == "item-7")
    }

    @Test func aFigureIsNeverWrittenOverAFIFO() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("figure.png").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let canvas = Canvas(width: 4, height: 4)
        #expect(throws: PlottingError.self) { try canvas.writePNG(to: fifo) }
        let path = directory.appendingPathComponent("ok.png").path
        try canvas.writePNG(to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["figure.png", "ok.png"])
    }
}
