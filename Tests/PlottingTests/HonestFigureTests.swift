import Testing
@testable import Plotting

/// Figures say what the data are: categories are not joined by lines, long patches are not hidden.
@Suite struct HonestFigureTests {
    func chart(_ scale: TrendChart.LevelScale) -> TrendChart {
        TrendChart(title: "t", levels: ["a", "b", "c"], panels: [
            .init(title: "p", yLabel: "y", series: [.init(name: "s", mean: [1, 2, 1.5], lower: [0.8, 1.7, 1.2], upper: [1.2, 2.3, 1.8])]),
        ], levelScale: scale)
    }

    func lines(_ c: Canvas, atLeast points: Int) -> Int {
        c.operations.filter { if case .polyline(let p, _, _) = $0 { return p.count >= points }; return false }.count
    }

    @Test func unorderedCategoriesAreNotJoined() throws {
        let categorical = try chart(.categories).render()
        #expect(lines(categorical, atLeast: 3) == 0, "no line through the three levels")
        #expect(!categorical.operations.contains { if case .polygon(let p, _) = $0 { return p.count > 4 }; return false },
                "no confidence band")
        #expect(categorical.operations.contains { if case .text(let s, _, _) = $0 { return s.contains("unordered categories") }; return false })
        let ordered = try chart(.orderedCategories).render()
        #expect(lines(ordered, atLeast: 3) == 1)
        #expect(ordered.operations.contains { if case .text(let s, _, _) = $0 { return s.contains("hypothesised difficulty order") }; return false })
        #expect(lines(try chart(.numeric).render(), atLeast: 3) == 1)
    }

    @Test func patchesLongerThanTheAxisAreCounted() throws {
        let lengths = [[Int](repeating: 2, count: 300) + [3, 4], [Int](repeating: 3, count: 300) + [40, 55]]
        let c = try PatchLengthDistribution(title: "p", levels: ["a", "b"], lengths: lengths).render()
        let texts = c.operations.compactMap { op -> String? in if case .text(let s, _, _) = op { return s }; return nil }
        #expect(texts.contains("+2 ≤ 55"), "\(texts)")
        #expect(!texts.contains { $0.contains("not shown") })
    }
}

@Suite struct FigureTableTests {
    @Test func csvQuotesAndKeepsEveryNumber() {
        let t = FigureTable(columns: ["name", "value"], rows: [["a,b", FigureTable.cell(0.1)], ["say \"hi\"", FigureTable.cell(.nan)]],
                            notes: ["first\nnote"])
        #expect(t.csv() == "# first note\nname,value\n\"a,b\",0.1\n\"say \"\"hi\"\"\",\n")
    }

    @Test func everyFigureHandsOverItsNumbers() throws {
        let trend = TrendChart(title: "t", levels: ["a", "b"], panels: [
            .init(title: "p", yLabel: "y", series: [.init(name: "s", mean: [1, 2], lower: [0.5, 1.5], upper: [1.5, 2.5])])])
        #expect(trend.table().rows == [["p", "s", "0", "a", "1.0", "0.5", "1.5"], ["p", "s", "1", "b", "2.0", "1.5", "2.5"]])
        let lengths = PatchLengthDistribution(title: "p", levels: ["a"], lengths: [[1, 1, 9]])
        #expect(lengths.table().rows == [["0", "a", "1", "2"], ["0", "a", "9", "1"]])
        let dense = ScatterFigure(title: "s", xLabel: "x", yLabel: "y", x: (0..<3000).map { Double($0 % 7) }, y: (0..<3000).map { Double($0 % 5) })
        let bins = dense.table()
        #expect(bins.columns.last == "count")
        #expect(bins.rows.map { Int($0.last!)! }.reduce(0, +) == 3000, "every point is in one drawn bin")
        let sparse = ScatterFigure(title: "s", xLabel: "x", yLabel: "y", x: [1, .nan, 3], y: [2, 4, 6])
        #expect(sparse.table().rows == [["1.0", "2.0"], ["3.0", "6.0"]])
    }
}
