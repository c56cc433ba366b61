import Testing
@testable import Plotting

/// Which bytes of a strip become one character drawn in its script, and which stay hex.
@Suite struct ByteSpanTests {
    func kinds(_ bytes: [UInt8]) -> [String] {
        ByteSpan.spans(bytes).map { $0.text.map { "\($0)/\(ByteSpanTests.count($0))" } ?? String(format2: bytes[$0.start]) }
    }
    static func count(_ s: String) -> Int { s.unicodeScalars.count }

    @Test func validCharactersBecomeOneSpanOverTheirBytes() {
        let text = "a漢ि\u{0434}"  // ASCII, CJK (3 bytes), Devanagari vowel sign (a mark, 3 bytes), Cyrillic (2 bytes)
        let spans = ByteSpan.spans(Array(text.utf8))
        #expect(spans.map(\.count) == [1, 3, 3, 2])
        #expect(spans.map(\.start) == [0, 1, 4, 7])
        #expect(spans[0].text == nil)
        #expect(spans[1].text == "漢")
        #expect(spans[2].text == "\u{25CC}ि", "a combining mark is shown on a dotted circle")
        #expect(spans[3].text == "д")
    }

    @Test func invalidUTF8AndControlCharactersStayHex() {
        let cases: [[UInt8]] = [
            [0xC0, 0x80],                    // overlong NUL
            [0xE0, 0x80, 0x80],              // overlong
            [0xED, 0xA0, 0x80],              // surrogate U+D800
            [0xF4, 0x90, 0x80, 0x80],        // above U+10FFFF
            [0xE6, 0xBC],                    // truncated
            [0x80],                          // lone continuation byte
            [0xC2, 0x85],                    // U+0085, a C1 control
            [0xE2, 0x80, 0x8B],              // U+200B zero-width space (format)
            [0xEE, 0x80, 0x80],              // private use
            [0xC2, 0xA0],                    // no-break space (whitespace: blank would hide it)
        ]
        for bytes in cases {
            let spans = ByteSpan.spans(bytes)
            #expect(spans.count == bytes.count && spans.allSatisfy { $0.text == nil && $0.count == 1 }, "\(bytes)")
        }
    }

    @Test func aStripDrawsCJKInkNotHex() throws {
        let bytes = Array("漢字".utf8)
        let f = ByteStripFigure(title: "", bytes: bytes, entropy: bytes.map { _ in 1.0 }, patchStarts: [0])
        let canvas = try f.render()
        // Two text operations, one per character; no hex pairs.
        let texts = canvas.operations.compactMap { op -> String? in if case let .text(s, _, _) = op { return s } else { return nil } }
        #expect(texts.contains("漢") && texts.contains("字"))
        #expect(!texts.contains("e6") && !texts.contains("bc"))
        #expect(SystemFonts.family(for: "漢") == "Droid Sans Fallback")
        #expect(SystemFonts.family(for: "\u{25CC}ि") == "Noto Sans Devanagari")
        #expect(SystemFonts.family(for: "д") == "DejaVu Sans")
        #expect(SystemFonts.family(for: "\u{E000}") == nil)
    }
}

extension String {
    init(format2 b: UInt8) { self = b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16) }
}
