import Testing
@testable import Ladders

@Suite struct TaskTests {
    @Test(arguments: 1...8)
    func additionIsCorrectAndHasTheRightDigits(digits: Int) throws {
        var rng = SplitMix64(seed: UInt64(digits))
        for _ in 0..<20 {
            let t = TaskGenerators.addition(digits: digits, rng: &rng)
            let lines = String(decoding: t.text, as: UTF8.self).split(separator: "\n")
            #expect(lines.count == TaskGenerators.contextExamples + 1)
            for line in lines {
                let parts = line.split(separator: "=")
                let ab = parts[0].split(separator: "+")
                let a = try #require(UInt64(ab[0])), b = try #require(UInt64(ab[1]))
                #expect(UInt64(parts[1]) == a + b)
                #expect(ab[0].count == digits && ab[1].count == digits)
            }
            let answer = String(decoding: t.text[t.answerSpan], as: UTF8.self)
            #expect(answer == String(lines.last!.split(separator: "=")[1]))
            #expect(t.answerSpan.upperBound == t.text.count)
        }
    }

    @Test(arguments: [1, 2, 4, 8, 16])
    func dyckStringsAreBalancedWithExactDepth(depth: Int) {
        var rng = SplitMix64(seed: UInt64(depth))
        for _ in 0..<50 {
            let s = TaskGenerators.dyckString(depth: depth, rng: &rng)
            #expect(s.count == 64)
            var stack: [UInt8] = []
            var maxDepth = 0
            for c in s {
                switch c {
                case UInt8(ascii: "("), UInt8(ascii: "["): stack.append(c); maxDepth = max(maxDepth, stack.count)
                case UInt8(ascii: ")"): #expect(stack.popLast() == UInt8(ascii: "("))
                case UInt8(ascii: "]"): #expect(stack.popLast() == UInt8(ascii: "["))
                default: Issue.record("unexpected byte \(c)")
                }
            }
            #expect(stack.isEmpty)
            #expect(maxDepth == depth)
        }
        let t = TaskGenerators.dyck(depth: depth, rng: &rng)
        #expect(t.answerSpan.count == 64 && t.answerSpan.upperBound == t.text.count)
        #expect(t.scoredOffsets.count == 32)
    }

    @Test(arguments: LadderCatalog.dyckNests.indices)
    func dyckNestsAreBalancedWithTheRightRuns(level: Int) throws {
        let (nests, depth) = LadderCatalog.dyckNests[level]
        var rng = SplitMix64(seed: UInt64(level))
        for _ in 0..<50 {
            let s = TaskGenerators.dyckNests(nests: nests, depth: depth, rng: &rng)
            #expect(s.count == 64)
            var stack: [UInt8] = []
            var maxDepth = 0, runsAtDepth = 0
            for c in s {
                switch c {
                case UInt8(ascii: "("), UInt8(ascii: "["):
                    stack.append(c); maxDepth = max(maxDepth, stack.count)
                    if stack.count == depth { runsAtDepth += 1 }
                case UInt8(ascii: ")"): #expect(stack.popLast() == UInt8(ascii: "("))
                case UInt8(ascii: "]"): #expect(stack.popLast() == UInt8(ascii: "["))
                default: Issue.record("unexpected byte \(c)")
                }
            }
            #expect(stack.isEmpty)
            #expect(maxDepth == depth)
            // Every run reaches `depth` exactly once; depth 1 means pairs only (32 of them).
            #expect(runsAtDepth == (depth == 1 ? 32 : nests))
        }
        let t = TaskGenerators.dyck(nests: nests, depth: depth, rng: &rng)
        #expect(t.answerSpan.count == 64 && t.answerSpan.upperBound == t.text.count)
        #expect(t.scoredOffsets.count == 32)
        #expect(t.scoredOffsets.allSatisfy { t.text[$0] == UInt8(ascii: ")") || t.text[$0] == UInt8(ascii: "]") })
        let lines = String(decoding: t.text, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == TaskGenerators.contextExamples + 1 && lines.allSatisfy { $0.count == 64 })
    }

    @Test func dyckLadderLevelsAreNamedByTheirShape() throws {
        let ladder = try TestCatalog.catalog(seed: 0, items: 2).ladder(named: "tasks-dyck")
        #expect(ladder.levels.map(\.name) == ["depth 1", "2 nests of depth 2", "4 nests of depth 2", "8 nests of depth 2",
                                              "2 nests of depth 3", "4 nests of depth 4", "4 nests of depth 8"])
    }

    @Test(arguments: LadderCatalog.retrievalPairs)
    func retrievalAnswerIsTheQueriedValue(pairs: Int) throws {
        var rng = SplitMix64(seed: UInt64(pairs))
        let t = TaskGenerators.retrieval(pairs: pairs, rng: &rng)
        let text = String(decoding: t.text, as: UTF8.self)
        #expect(t.text.count == TaskGenerators.retrievalLength(pairs: pairs))
        let words = text.split(separator: " ")
        let query = try #require(words.last)
        #expect(query.hasPrefix("?"))
        let key = query.dropFirst().split(separator: "=")[0]
        let table = Dictionary(uniqueKeysWithValues: words.dropLast().map { w -> (Substring, Substring) in
            let kv = w.split(separator: "=")
            return (kv[0], kv[1])
        })
        #expect(table.count == pairs)
        #expect(String(decoding: t.text[t.answerSpan], as: UTF8.self) == String(try #require(table[key])))
        // Control: two pairs plus filler, length within 3 bytes of the N-pair item.
        let c = TaskGenerators.retrieval(pairs: 2, fillerWords: TaskGenerators.controlFillerWords(matching: pairs), rng: &rng)
        #expect(abs(c.text.count - t.text.count) <= 3)
        #expect(String(decoding: c.text, as: UTF8.self).split(separator: " ").filter { $0.contains("=") }.count == 3)
    }
}
