import Testing
@testable import Plotting

@Suite struct NiceTicksTests {
    @Test func stepsFollowOneTwoFive() {
        #expect(NiceTicks.niceStep(0.13) == 0.2)
        #expect(NiceTicks.niceStep(0.2) == 0.2)
        #expect(NiceTicks.niceStep(3.2) == 5)
        #expect(NiceTicks.niceStep(7) == 10)
        #expect(NiceTicks.niceStep(1) == 1)
        #expect(NiceTicks.niceStep(0.0004) == 0.0005)
        #expect(NiceTicks.niceStep(0) == 1)
        #expect(NiceTicks.niceStep(.nan) == 1)
    }

    @Test func unitInterval() {
        let t = NiceTicks(0, 1, target: 5)
        #expect(t.step == 0.2)
        #expect(t.values == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(t.labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(t.niceRange == 0...1)
    }

    @Test func decimalValuesAreExact() {
        // 3 * 0.1 is 0.30000000000000004 in binary; ticks must be the decimal 0.3.
        let t = NiceTicks(0, 0.3, target: 3)
        #expect(t.values == [0, 0.1, 0.2, 0.3])
    }

    @Test func signedRangeAndMinusSign() {
        let t = NiceTicks(-3.7, 12.2, target: 4)
        #expect(t.step == 5)
        #expect(t.values == [0, 5, 10])
        #expect(t.niceRange == -5...15)
        let n = NiceTicks(-1, 1, target: 4)
        #expect(n.labels == ["\u{2212}1.0", "\u{2212}0.5", "0.0", "0.5", "1.0"])
    }

    @Test func degenerateAndReversedRanges() {
        let d = NiceTicks(2, 2)
        #expect(d.values.contains(2))
        #expect(d.niceRange.lowerBound < 2 && d.niceRange.upperBound > 2)
        #expect(NiceTicks(1, 0).values == NiceTicks(0, 1).values)
        #expect(NiceTicks(.nan, 3).values == NiceTicks(0, 1).values)
    }

    @Test func extendedTicksCoverNiceRange() {
        let t = NiceTicks(0.13, 5.87, target: 6).extendedToNiceRange
        #expect(t.values.first == 0 && t.values.last == 6)
    }

    @Test func numberFormatting() {
        #expect(NumberFormat.fixed(2.5, decimals: 0) == "3")
        #expect(NumberFormat.fixed(-0.0004, decimals: 2) == "0.00")
        #expect(NumberFormat.fixed(-1.25, decimals: 1) == "\u{2212}1.3")
        #expect(NumberFormat.fixed(0.05, decimals: 3) == "0.050")
        #expect(NumberFormat.scientific(0.000015, significant: 3) == "1.5e\u{2212}5")
        #expect(NumberFormat.scientific(2_000_000, significant: 3) == "2e6")
        #expect(NumberFormat.tick(3_000_000, step: 1_000_000) == "3e6")
        #expect(NumberFormat.tick(0.00002, step: 0.00001) == "2e\u{2212}5")
        #expect(NumberFormat.compact(0.43219) == "0.432")
        #expect(NumberFormat.compact(12.345) == "12.3")
        #expect(NumberFormat.fixed(.nan, decimals: 2) == "NaN")
    }
}
