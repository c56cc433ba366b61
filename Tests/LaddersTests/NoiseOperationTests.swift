import Testing
@testable import Ladders

@Suite struct NoiseOperationTests {
    let s = TestCatalog.scalars
    let str = TestCatalog.string

    @Test func typoEditsHaveTheirExactEffect() {
        let text = s("abcd")
        #expect(str(TypoNoise.apply([nil, .substitute("x"), nil, nil], to: text)) == "axcd")
        #expect(str(TypoNoise.apply([nil, .delete, nil, nil], to: text)) == "acd")
        #expect(str(TypoNoise.apply([nil, .insert("z"), nil, nil], to: text)) == "abzcd")
        #expect(str(TypoNoise.apply([nil, .swap, nil, nil], to: text)) == "acbd")
        // A swap consumes the next scalar: its own edit is ignored.
        #expect(str(TypoNoise.apply([.swap, .delete, nil, nil], to: text)) == "bacd")
        // A swap on the last scalar leaves it unchanged.
        #expect(str(TypoNoise.apply([nil, nil, nil, .swap], to: text)) == "abcd")
        // Missing trailing edits mean "untouched"; several edits combine left to right.
        #expect(str(TypoNoise.apply([.delete, .insert("q")], to: text)) == "bqcd")
        #expect(str(TypoNoise.apply([], to: s(""))) == "")
    }

    @Test func typoPlanRespectsTheRate() {
        var rng = SplitMix64(seed: 5)
        #expect(TypoNoise.plan(count: 500, rate: 0, rng: &rng).allSatisfy { $0 == nil })
        let all = TypoNoise.plan(count: 2000, rate: 1, rng: &rng)
        #expect(all.allSatisfy { $0 != nil })
        // All four operations occur with roughly equal frequency.
        var counts = [0, 0, 0, 0]
        for e in all {
            switch e! {
            case .substitute(let c): counts[0] += 1; #expect(("a"..."z").contains(c))
            case .delete: counts[1] += 1
            case .insert(let c): counts[2] += 1; #expect(("a"..."z").contains(c))
            case .swap: counts[3] += 1
            }
        }
        #expect(counts.allSatisfy { $0 > 400 && $0 < 600 })
        let some = TypoNoise.plan(count: 10000, rate: 0.1, rng: &rng).compactMap { $0 }.count
        #expect(some > 900 && some < 1100)
    }

    @Test func bltStrategiesHaveTheirExactEffect() {
        var rng = SplitMix64(seed: 1)
        #expect(str(BLTNoise.upperCase.apply(s("The cat, 2x."), rng: &rng)) == "THE CAT, 2X.")
        #expect(str(BLTNoise.antSpeak.apply(s("the cat"), rng: &rng)) == "T H E   C A T")
        #expect(str(BLTNoise.antSpeak.apply(s(""), rng: &rng)) == "")
        // RandomCase changes only the case of letters.
        let rc = str(BLTNoise.randomCase.apply(s("the quick brown fox, 42!"), rng: &rng))
        #expect(rc.lowercased() == "the quick brown fox, 42!")
        let long = String(repeating: "abcdefghij", count: 100)
        let rcLong = str(BLTNoise.randomCase.apply(s(long), rng: &rng))
        let upper = rcLong.filter(\.isUppercase).count
        #expect(upper > 400 && upper < 600)
    }

    /// Replays the documented draw order with a copy of the generator: the operations do exactly
    /// what their doc comments say, draw by draw.
    @Test func randomOperationsFollowTheirDocumentedDraws() {
        let text = s("The cat sat on the mat; it was 42 years old.")
        for seed in UInt64(0)..<20 {
            var rng = SplitMix64(seed: seed), replay = rng
            let dropped = BLTNoise.drop.apply(text, rng: &rng)
            #expect(dropped == text.filter { _ in replay.nextUnit() >= BLTNoise.dropRate })

            rng = SplitMix64(seed: seed); replay = rng
            var expected: [Unicode.Scalar] = []
            for c in text {
                expected.append(c)
                if replay.nextUnit() < BLTNoise.repeatRate {
                    expected += Array(repeating: c, count: 1 + replay.nextInt(below: 3))
                }
            }
            #expect(BLTNoise.repeat.apply(text, rng: &rng) == expected)

            rng = SplitMix64(seed: seed); replay = rng
            let cased = BLTNoise.randomCase.apply(text, rng: &rng)
            #expect(cased == text.map { c -> Unicode.Scalar in
                guard c.properties.isAlphabetic else { return c }
                let up = replay.nextUnit() < 0.5
                return s(up ? String(c).uppercased() : String(c).lowercased())[0]
            })

            rng = SplitMix64(seed: seed); replay = rng
            let plan = TypoNoise.plan(count: text.count, rate: 0.3, rng: &rng)
            let letters = Array("abcdefghijklmnopqrstuvwxyz".unicodeScalars)
            let expectedPlan: [TypoEdit?] = text.map { _ in
                guard replay.nextUnit() < 0.3 else { return nil }
                switch replay.nextInt(below: 4) {
                case 0: return .substitute(letters[replay.nextInt(below: 26)])
                case 1: return .delete
                case 2: return .insert(letters[replay.nextInt(below: 26)])
                default: return .swap
                }
            }
            #expect(plan == expectedPlan)
        }
    }

    @Test func dropDeletesAboutTenPercentAndKeepsOrder() {
        var rng = SplitMix64(seed: 2)
        let text = s(String(repeating: "abcdefghijklmnopqrstuvwxyz", count: 100))
        let out = BLTNoise.drop.apply(text, rng: &rng)
        let dropped = text.count - out.count
        #expect(dropped > 200 && dropped < 320)
        // The output is a subsequence of the input.
        var i = 0
        for c in out {
            while i < text.count && text[i] != c { i += 1 }
            #expect(i < text.count)
            i += 1
        }
    }

    @Test func repeatAddsOneToThreeCopies() {
        var rng = SplitMix64(seed: 3)
        let text = s(String(repeating: "ab", count: 1000))  // no two equal neighbours
        let out = BLTNoise.repeat.apply(text, rng: &rng)
        // Collapse runs: recovers the input; every run has length 1...4; ~20 % are longer than 1.
        var runs: [(Unicode.Scalar, Int)] = []
        for c in out {
            if let last = runs.last, last.0 == c { runs[runs.count - 1].1 += 1 } else { runs.append((c, 1)) }
        }
        #expect(runs.map(\.0) == text)
        #expect(runs.allSatisfy { (1...4).contains($0.1) })
        let repeated = runs.filter { $0.1 > 1 }.count
        #expect(repeated > 320 && repeated < 480)
        #expect(Set(runs.map(\.1)) == [1, 2, 3, 4])
    }

    @Test func structureTransformsHaveTheirExactEffect() {
        var rng = SplitMix64(seed: 9)
        let text = s("One two three. Four five!\nSix \"seven.\" Eight")
        #expect(StructureTransform.original.apply(text, rng: &rng) == text)
        #expect(str(StructureTransform.reversed.apply(s("abc de"), rng: &rng)) == "ed cba")
        // Sentences: bodies permuted, separators (" ", "\n", " ") fixed in place.
        let bodies = StructureTransform.sentenceBodies(text).map { str(Array(text[$0])) }
        #expect(bodies == ["One two three.", "Four five!", "Six \"seven.\"", "Eight"])
        // A line break ends a sentence even without a terminator.
        #expect(StructureTransform.sentenceBodies(s("a line\nanother line. Third")).map { str(Array(s("a line\nanother line. Third")[$0])) }
                == ["a line", "another line.", "Third"])
        var outputs = Set<String>()
        for _ in 0..<30 {
            let out = str(StructureTransform.sentencesShuffled.apply(text, rng: &rng))
            outputs.insert(out)
            #expect(out.unicodeScalars.count == text.count)
            // The output is one of the 24 permutations of the bodies between the fixed separators
            // " ", "\n" and " ".
            #expect(permutations(bodies).contains { p in p[0] + " " + p[1] + "\n" + p[2] + " " + p[3] == out })
        }
        #expect(outputs.count > 5)
        // Words: same multiset of words, the same whitespace runs in the same order.
        let words = StructureTransform.wordsShuffled.apply(text, rng: &rng)
        #expect(whitespaceRuns(str(words)) == whitespaceRuns(str(text)))
        #expect(str(words).split(whereSeparator: \.isWhitespace).sorted() == str(text).split(whereSeparator: \.isWhitespace).sorted())
        // Typoglycemia: first/last letters fixed, interior permuted, short words untouched.
        let tg = str(StructureTransform.interiorLettersShuffled.apply(s("it cat abcdefgh, xyz"), rng: &rng))
        #expect(tg.hasPrefix("it cat a"))
        #expect(tg.hasSuffix("h, xyz"))
        #expect(String(tg.dropFirst(8).prefix(6)).sorted() == Array("bcdefg"))
        // All letters of each word permuted: letter multisets per word kept, punctuation fixed.
        let wl = str(StructureTransform.wordLettersShuffled.apply(s("abcdef, ghij."), rng: &rng))
        #expect(Array(wl)[6] == "," && wl.last == ".")
        #expect(wl.prefix(6).sorted() == Array("abcdef") && wl.dropFirst(8).prefix(4).sorted() == Array("ghij"))
        // Characters shuffled: same multiset.
        let cs = StructureTransform.charactersShuffled.apply(text, rng: &rng)
        #expect(cs.map(\.value).sorted() == text.map(\.value).sorted() && cs != text)
        // Uniform random letters: same length, alphabet a–z and space.
        let ur = StructureTransform.uniformRandomLetters.apply(text, rng: &rng)
        #expect(ur.count == text.count && ur.allSatisfy { $0 == " " || ("a"..."z").contains($0) })
    }

    func permutations(_ a: [String]) -> [[String]] {
        guard a.count > 1 else { return [a] }
        return a.indices.flatMap { i in
            permutations(Array(a[..<i] + a[(i + 1)...])).map { [a[i]] + $0 }
        }
    }

    func whitespaceRuns(_ t: String) -> [String] {
        StructureTransform.runs(Array(t.unicodeScalars)) { $0.properties.isWhitespace }
            .map { str(Array(Array(t.unicodeScalars)[$0])) }
    }

    @Test func noiseLadderEndpoints() throws {
        let ladder = try TestCatalog.catalog().ladder(named: "noise")
        let items = try ladder.items(limit: 20)
        let clean = items.filter { $0.level.index == 0 }
        // p = 0 is the trimmed passage itself.
        for (item, passage) in zip(clean, TestCatalog.assets.passages) {
            #expect(item.analysisSpan.count == 256)
            #expect(Array(item.bytes[item.analysisSpan]) == Array(passage.text.utf8.prefix(256)))
        }
    }
}
