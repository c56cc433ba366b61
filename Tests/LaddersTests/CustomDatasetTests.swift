import Foundation
import Testing
@testable import Ladders

@Suite struct CustomDatasetTests {
    func parse(_ text: String) throws -> [CustomDataset.Entry] {
        try CustomDataset.parseJSONL(Data(text.utf8), path: "my.jsonl")
    }

    @Test func validJSONLBuildsALadder() throws {
        let dir = try TestCatalog.tempDir()
        let file = dir.appendingPathComponent("d.jsonl")
        let lines = [
            #"{"id": "a", "text": "hello world", "level": 0, "level_name": "clean"}"#,
            #"{"id": 7, "text": "h\u00e9llo", "level": 0}"#,
            "",
            #"{"id": "a", "text": "hxllo wxrld", "level": 2}"#,
        ]
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let ladder = try TestCatalog.catalog().ladder(named: "custom:" + file.path)
        #expect(ladder.levels.map(\.name) == ["clean", "level 2"])
        #expect(ladder.baseItemIDs == ["a", "7"])
        #expect(ladder.itemCounts == [2, 1])
        let items = try ladder.items()
        #expect(items.count == 3)
        #expect(items[1].bytes == Array("héllo\n".utf8))
        #expect(items[1].analysisSpan == 0..<6)
        #expect(items[2].level.index == 1 && items[2].baseItemID == "a")
        #expect(items.allSatisfy { $0.shiftBitsPerByte != nil })
    }

    @Test func badJSONLineNamesTheLineNumber() {
        #expect(throws: LadderError.invalidJSONLine(path: "my.jsonl", line: 3, detail: "invalid JSON")) {
            try parse(#"{"id": "a", "text": "x", "level": 0}"# + "\n\n" + #"{"id": "b", "text": "#)
        }
        let error = #expect(throws: LadderError.self) { try parse("[1, 2]") }
        #expect(error?.description.contains("my.jsonl:1") == true)
    }

    @Test func missingTextIsReported() {
        #expect(throws: LadderError.missingField(path: "my.jsonl", line: 2, field: "text")) {
            try parse(#"{"id": "a", "text": "x", "level": 0}"# + "\n" + #"{"id": "b", "level": 1}"#)
        }
        #expect(throws: LadderError.missingField(path: "my.jsonl", line: 1, field: "id")) {
            try parse(#"{"text": "x", "level": 1}"#)
        }
        #expect(throws: LadderError.invalidField(path: "my.jsonl", line: 1, field: "text", detail: "must be a string")) {
            try parse(#"{"id": "a", "text": 5, "level": 1}"#)
        }
    }

    @Test(arguments: [#"1.5"#, #""2""#, "true", "null"])
    func nonIntegerLevelIsReported(level: String) {
        #expect(throws: LadderError.invalidField(path: "my.jsonl", line: 1, field: "level", detail: "must be an integer")) {
            try parse(#"{"id": "a", "text": "x", "level": "# + level + "}")
        }
    }

    @Test func duplicateAndEmptyDatasetsAreErrors() throws {
        let dir = try TestCatalog.tempDir()
        let dup = dir.appendingPathComponent("dup.jsonl")
        try (#"{"id": "a", "text": "x", "level": 0}"# + "\n" + #"{"id": "a", "text": "y", "level": 0}"#)
            .write(to: dup, atomically: true, encoding: .utf8)
        #expect(throws: LadderError.self) { try TestCatalog.catalog().ladder(named: "custom:" + dup.path) }
        let empty = dir.appendingPathComponent("empty.jsonl")
        try "\n\n".write(to: empty, atomically: true, encoding: .utf8)
        #expect(throws: LadderError.emptyCustomDataset(path: empty.path)) {
            try TestCatalog.catalog().ladder(named: "custom:" + empty.path)
        }
        #expect(throws: LadderError.self) { try TestCatalog.catalog().ladder(named: "custom:/nonexistent/x.jsonl") }
    }

    @Test func folderGivesOneLevelPerSubfolder() throws {
        let dir = try TestCatalog.tempDir()
        let fm = FileManager.default
        for (level, files) in [("10_hard", ["b.txt": "zz"]), ("2_easy", ["a.txt": "ab", "b.txt": "cd"])] {
            let sub = dir.appendingPathComponent(level)
            try fm.createDirectory(at: sub, withIntermediateDirectories: true)
            for (name, text) in files { try text.write(to: sub.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        }
        let ladder = try TestCatalog.catalog().ladder(named: "custom:" + dir.path)
        #expect(ladder.levels.map(\.name) == ["2_easy", "10_hard"])  // numeric order, not lexicographic
        #expect(ladder.baseItemIDs == ["a", "b"])
        #expect(ladder.itemCounts == [2, 1])
        let items = try ladder.items()
        #expect(items.map { String(decoding: $0.bytes, as: UTF8.self) } == ["ab\n", "cd\n", "zz\n"])
    }

    @Test func unknownLadderNamesKnownOnes() {
        let error = #expect(throws: LadderError.self) { try TestCatalog.catalog().ladder(named: "nope") }
        #expect(error?.description.contains("structure") == true)
    }
}
