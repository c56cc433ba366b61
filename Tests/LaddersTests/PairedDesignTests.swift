import Testing
@testable import Ladders

@Suite struct PairedDesignTests {
    @Test(arguments: LadderCatalog.builtInNames)
    func everyLevelHasEveryBaseItem(name: String) throws {
        let ladder = try TestCatalog.catalog(items: 25).ladder(named: name)
        let items = try ladder.items(limit: 25)
        #expect(items.count == ladder.levels.count * 25)
        let expectedIDs = Array(ladder.baseItemIDs.prefix(25))
        for level in ladder.levels {
            #expect(items.filter { $0.level == level }.map(\.baseItemID) == expectedIDs)
        }
        #expect(ladder.itemCounts == Array(repeating: ladder.baseItemIDs.count, count: ladder.levels.count))
    }

    @Test(arguments: LadderCatalog.builtInNames)
    func itemsRecordSpansSuffixAndShift(name: String) throws {
        let catalog = TestCatalog.catalog(items: 10)
        let suffix = catalog.options.probeSuffix
        for item in try catalog.ladder(named: name).items(limit: 10) {
            #expect(item.ladder == name)
            #expect(Array(item.bytes.suffix(suffix.count)) == suffix)
            #expect(item.analysisSpan == 0..<(item.byteLength - suffix.count))
            #expect(item.contentByteLength > 0)
            let shift = try #require(item.shiftBitsPerByte)
            #expect(shift.isFinite && shift > 0)
            if name.hasPrefix("tasks") {
                let answer = try #require(item.answerSpan)
                #expect(answer.upperBound <= item.analysisSpan.upperBound && !answer.isEmpty)
                #expect(!item.scoredOffsets.isEmpty && item.scoredOffsets.allSatisfy(answer.contains))
            } else {
                #expect(item.answerSpan == nil && item.scoredOffsets.isEmpty)
            }
        }
    }

    @Test func englishLaddersShareTheirBaseContent() throws {
        let catalog = TestCatalog.catalog()
        let budget = catalog.options.englishByteBudget
        let clean = try catalog.ladder(named: "noise").items(levels: nil, limit: 50).filter { $0.level.index == 0 }
        let original = try catalog.ladder(named: "structure").items(limit: 50).filter { $0.level.index == 0 }
        #expect(clean.map(\.bytes) == original.map(\.bytes))
        // Passages are ASCII and ≥ 256 bytes, so the clean content is exactly the budget.
        #expect(clean.allSatisfy { $0.contentByteLength == budget })
        // Structure levels keep the byte length (ASCII input, length-preserving operations).
        for item in try catalog.ladder(named: "structure").items(limit: 50) {
            #expect(item.contentByteLength == budget, "\(item.level.name)")
        }
    }

    @Test(arguments: ["structure", "noise", "noise-blt"])
    func perturbedLevelsActuallyChangeTheText(name: String) throws {
        let items = try TestCatalog.catalog().ladder(named: name).items(limit: 200)
        let clean = Dictionary(uniqueKeysWithValues: items.filter { $0.level.index == 0 }.map { ($0.baseItemID, $0.bytes) })
        for level in Set(items.map(\.level)) where level.index > 0 {
            let unchanged = items.filter { $0.level == level && $0.bytes == clean[$0.baseItemID] }.count
            // p = 0.02 typos may leave a 256-byte item untouched with probability 0.98^256 ≈ 0.6 %.
            #expect(unchanged <= 4, "\(name) \(level.name): \(unchanged) of 200 unchanged")
        }
    }

    @Test func oodLevelsUseTheirLanguagesAndMatchRandomLengths() throws {
        let ladder = try TestCatalog.catalog(items: 40).ladder(named: "ood")
        let items = try ladder.items(limit: 40)
        for (index, level) in LadderCatalog.oodLevels.enumerated() where !level.fields.isEmpty {
            #expect(items.filter { $0.level.index == index }.allSatisfy { level.fields.contains($0.variant) })
        }
        let english = items.filter { $0.level.index == 0 }
        for level in [8, 9] {
            let random = items.filter { $0.level.index == level }
            #expect(random.map(\.contentByteLength) == english.map(\.contentByteLength))
        }
        // Random valid UTF-8 decodes; Cyrillic/Greek and CJK levels are non-ASCII; levels 0–5 ASCII-dominated.
        for item in items.filter({ $0.level.index == 8 }) {
            #expect(String(validating: item.bytes, as: UTF8.self) != nil)
        }
        #expect(items.filter { $0.level.index == 6 }.allSatisfy { $0.bytes.contains { $0 >= 0x80 } })
        #expect(items.filter { [4, 5].contains($0.level.index) }.allSatisfy { $0.bytes.allSatisfy { $0 < 0x80 } })
        // Same 12 messages at every level: every item not cut by the byte budget has 12 lines
        // (11 separators + the "\n" suffix).
        let budget = TestCatalog.catalog().options.oodByteBudget
        let uncut = items.filter { $0.level.index < 8 && $0.contentByteLength < budget - 8 }
        #expect(uncut.count > items.count / 2)
        #expect(uncut.allSatisfy { $0.bytes.filter { $0 == 10 }.count == LadderCatalog.messagesPerOODItem })
    }
}
