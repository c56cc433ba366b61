import Foundation
import Testing
@testable import Ladders

@Suite struct ExportTests {
    @Test func jsonlRoundTripsExactBytes() throws {
        let items = try TestCatalog.catalog(items: 5).ladder(named: "ood").items(limit: 5)
        let text = String(decoding: try LadderItem.jsonlBytes(items), as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == items.count)
        for (line, item) in zip(lines, items) {
            let record = try JSONDecoder().decode(LadderItemRecord.self, from: Data(line.utf8))
            #expect(Data(base64Encoded: record.bytes_b64).map([UInt8].init) == item.bytes)
            #expect(record.seed == String(item.seed) && record.level == item.level.index)
            #expect(record.analysis_span == [item.analysisSpan.lowerBound, item.analysisSpan.upperBound])
            // Random bytes are not valid UTF-8: text is null there, present elsewhere.
            #expect((record.text == nil) == (String(validating: item.bytes, as: UTF8.self) == nil))
        }
        #expect(lines.contains { $0.contains("\"text\":null") } || !items.contains { $0.level.name == "random bytes" })
    }

    @Test func escapingIsLosslessAndReadable() {
        #expect(ByteEscaping.escape(Array("a\\b\nc\té".utf8)) == "a\\\\b\\nc\\té")
        #expect(ByteEscaping.escape([0x00, 0x7F, 0xFF, 0xC3]) == "\\x00\\x7f\\xff\\xc3")
        #expect(ByteEscaping.escape([0xED, 0xA0, 0x80]) == "\\xed\\xa0\\x80")  // a surrogate is invalid
        #expect(ByteEscaping.escape(Array("日本".utf8)) == "日本")
    }

    @Test func assetLocatorReportsWhereItSearched() {
        let error = #expect(throws: LadderError.self) { try AssetLocator.locate(override: "/nonexistent/Assets") }
        #expect(error?.description.contains("/nonexistent/Assets") == true)
        #expect(error?.description.contains("BYTELENS_ASSETS") == true)
    }
}
