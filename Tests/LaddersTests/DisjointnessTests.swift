import Foundation
import Testing
@testable import Ladders

@Suite struct DisjointnessTests {
    @Test func sha256MatchesKnownVectors() {
        let hex = { (b: [UInt8]) in b.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
        #expect(hex(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func heldOutItemsNeverAppearInTheTrainSplit() throws {
        let assets = TestCatalog.assets
        let hashes = try TrainLineHashes(contentsOf: assets.directory.appendingPathComponent("train_line_hashes.bin"))
        #expect(hashes.count > 100_000)
        let passageLines = assets.passages.map(\.text)
        let messageLines = assets.messages.flatMap { $0.translations.map(\.value) }  // incl. transliterations
        let checked = (passageLines + messageLines).flatMap { $0.split(separator: "\n") }.compactMap(TrainLineHashes.normalized)
        #expect(checked.count > 2000)  // the check covers thousands of lines, not a handful
        #expect(hashes.leakedLines(of: passageLines + messageLines) == [])
    }

    @Test func lineHashCheckDetectsATrainLine() throws {
        // Positive control: lines known to be in the train split (the WordNet gloss of "dog" and a
        // Python-doc sentence) are found, so an empty leak list above is meaningful.
        let hashes = try TrainLineHashes(contentsOf: TestCatalog.assets.directory.appendingPathComponent("train_line_hashes.bin"))
        let known = KnownTrainLines.lines
        #expect(!known.isEmpty)
        #expect(hashes.leakedLines(of: known) == known)
    }

    @Test func heldOutSetsHaveTheDocumentedShape() {
        let assets = TestCatalog.assets
        #expect(assets.passages.count >= 600)
        #expect(assets.passages.allSatisfy { (256...512).contains($0.text.utf8.count) && $0.text.utf8.allSatisfy { $0 < 0x80 } })
        #expect(Set(assets.passages.map(\.id)).count == assets.passages.count)
        let languages = ["en", "de", "fr", "es", "pl", "tr", "vi", "ru", "uk", "el", "ar", "hi", "th", "ka", "ja", "zh_CN", "ko"]
        #expect(assets.messages.count >= 400)
        #expect(assets.messages.allSatisfy { m in languages.allSatisfy { m.translations[$0]?.isEmpty == false } })
    }
}
