import Foundation
import Testing
@testable import Ladders

@Suite struct ShiftDistanceTests {
    /// Per-level mean trigram bits/byte over the first `limit` base items.
    static func means(_ name: String, limit: Int = 200, perScalar: Bool = false) throws -> [(String, Double)] {
        let ladder = try TestCatalog.catalog().ladder(named: name)
        let items = try ladder.items(limit: limit)
        return ladder.levels.map { level in
            let v = items.filter { $0.level == level }.compactMap { perScalar ? $0.shiftBitsPerScalar : $0.shiftBitsPerByte }
            return (level.name, v.reduce(0, +) / Double(v.count))
        }
    }

    @Test(arguments: ["noise", "structure"])
    func shiftIncreasesMonotonicallyWithLevel(name: String) throws {
        let m = try Self.means(name)
        for (a, b) in zip(m, m.dropFirst()) {
            #expect(b.1 > a.1, "\(name): \(a.0) \(a.1) then \(b.0) \(b.1)")
        }
        // The ladder spans a real range, not a rounding-level drift.
        #expect(m.last!.1 - m.first!.1 > 1.5)
    }

    @Test func oodGradesWhereTheTrainingMixPredicts() throws {
        // The train split holds ~2.8 % native-script gettext text, so native Cyrillic/Greek is
        // cheap *per byte* (predictable UTF-8 lead bytes); per scalar the scripts separate.
        let perByte = try Self.means("ood").map(\.1)
        #expect(perByte[0] < perByte[1] && perByte[1] < perByte[2])  // English < de/fr/es < pl/tr
        #expect(perByte[8] > perByte[0...7].max()! && perByte[9] > perByte[0...7].max()!)
        let perScalar = try Self.means("ood", perScalar: true).map(\.1)
        #expect(perScalar[0] == perScalar.min()!)                     // English is the reference
        #expect(perScalar[7] > perScalar[6])                           // CJK/Thai/Devanagari > Cyrillic/Greek
        // ASCII levels: bits per byte equals bits per scalar.
        #expect(abs(perByte[0] - perScalar[0]) < 1e-12)
    }

    @Test func taskLaddersGradeWithinFamily() throws {
        let add = try Self.means("tasks-addition").map(\.1)
        #expect(zip(add, add.dropFirst()).allSatisfy { $0 < $1 })
        // Dyck: more depth-2 nests (levels 0-3) are further from the pairs-heavy training text; the deepest
        // level is the furthest. (Levels are ordered by the shipped model's accuracy, not by trigram shift:
        // 2 nests of depth 3 are trigram-cheap but hard for the model.)
        let dyck = try Self.means("tasks-dyck").map(\.1)
        #expect(zip(dyck[0...3], dyck[1...3]).allSatisfy { $0 < $1 })
        #expect(dyck.last! == dyck.max()!)
    }

    @Test func trigramModelIsANormalisedDistribution() throws {
        let model = TestCatalog.assets.trigram
        for (a, b) in [(UInt8(32), UInt8(116)), (116, 104), (0, 255), (200, 13)] {
            let total = (0...255).reduce(0.0) { $0 + model.probability(of: UInt8($1), after: a, b) }
            #expect(abs(total - 1) < 1e-9, "context \(a) \(b): \(total)")
        }
        #expect(model.bitsPerByte([]) == nil)
        let english = try #require(model.bitsPerByte(Array("the cat sat on the mat and then it said that the".utf8)))
        let random = try #require(model.bitsPerByte((0..<200).map { UInt8(($0 * 97 + 13) % 256) }))
        #expect(english < 4 && random > 8)
    }

    @Test func trigramMatchesThePythonReference() throws {
        // trigram_reference.json is written by an independent Python implementation in
        // extract_corpus.py from the same counts.
        let url = TestCatalog.assets.directory.appendingPathComponent("trigram_reference.json")
        let refs = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
        #expect(refs.count == 5)
        for ref in refs {
            let text = try #require(ref["text"] as? String)
            let expected = try #require(ref["bits_per_byte"] as? Double)
            let got = try #require(TestCatalog.assets.trigram.bitsPerByte(Array(text.utf8)))
            #expect(abs(got - expected) < 1e-9, "\(text.prefix(20)): swift \(got) python \(expected)")
        }
    }

    @Test func trigramMatchesHandComputedWittenBell() {
        // Counts: "aab" ×2, "aac" ×1, "bab" ×1. Then C(aa.)=3, N1(aa.)=2; bigram C(ab)=3 (aab×2 + bab),
        // C(ac)=1, so C(a.)=4, N1(a.)=2; unigram C(b)=3, C(c)=1, total 4, N1=2.
        let a = UInt32(97), b = UInt32(98), c = UInt32(99)
        let model = ByteTrigramModel(trigramCounts: [(a << 16 | a << 8 | b, 2), (a << 16 | a << 8 | c, 1), (b << 16 | a << 8 | b, 1)])
        let p1b = (3 + 2.0 / 256) / (4 + 2)
        let p2b = (3 + 2 * p1b) / (4 + 2)
        let p3b = (2 + 2 * p2b) / (3 + 2)
        #expect(abs(model.probability(of: 98, after: 97, 97) - p3b) < 1e-12)
        let p1z = (0 + 2.0 / 256) / 6
        let p2z = (0 + 2 * p1z) / 6
        #expect(abs(model.probability(of: 122, after: 99, 97) - p2z) < 1e-12)  // unseen context "ca" backs off
        #expect(abs(model.probability(of: 122, after: 122, 122) - p1z) < 1e-12)
    }
}
