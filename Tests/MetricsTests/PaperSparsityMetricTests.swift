import Testing
@testable import Metrics

@Suite("The sparsity paper's metrics against numpy/scipy")
struct PaperSparsityMetricTests {
    let fixture = MetricsFixture.shared

    @Test("every paper metric on every fixture vector matches the paper code's definitions in numpy/scipy")
    func vectorsMatchNumpy() throws {
        for vectorCase in fixture.vectors {
            let values = try PaperSparsityMetric.values(of: vectorCase.values)
            for (metric, value) in zip(PaperSparsityMetric.allCases, values) {
                let expected = try #require(vectorCase.paper[metric.rawValue], "\(metric) missing in the fixture")
                #expect(isClose(value, expected, relative: 1e-9, absolute: 1e-12),
                        "\(vectorCase.name) \(metric.rawValue): swift \(value) numpy \(expected)")
                #expect(value.isFinite == true)
            }
        }
    }

    @Test("top-k counts floor like the paper's int(ρ·d), ByteLens' own measures ceil")
    func topCounts() {
        #expect(PaperSparsityMetric.paperTopCount(percent: 1, dimension: 256) == 2)
        #expect(SparsityMeasure.topCount(percent: 1, dimension: 256) == 3)
        #expect(PaperSparsityMetric.paperTopCount(percent: 5, dimension: 10) == 1)
        #expect(PaperSparsityMetric.paperTopCount(percent: 10, dimension: 4096) == 409)
        #expect(PaperSparsityMetric.paperTopCount(percent: 10, dimension: 1) == 1)
    }

    @Test("degenerate vectors give the documented values, never NaN; bad input throws")
    func degenerate() throws {
        let zero = try PaperSparsityMetric.values(of: [Float](repeating: 0, count: 8))
        let byName = Dictionary(uniqueKeysWithValues: zip(PaperSparsityMetric.allCases, zero))
        #expect(byName[.l1Norm] == 0 && byName[.hoyer] == 0 && byName[.gini] == 0 && byName[.kurtosisOfMagnitudes] == 0)
        #expect(isClose(byName[.effectiveRank]!, 1.0 / 8) && isClose(byName[.effectiveRankL1]!, 1.0 / 8, relative: 1e-6))
        let single = try PaperSparsityMetric.values(of: [3])
        #expect(single.allSatisfy { $0.isFinite })
        #expect(throws: MetricsError.self) { try PaperSparsityMetric.values(of: []) }
        #expect(throws: MetricsError.self) { try PaperSparsityMetric.values(of: [1, .nan]) }
    }

    @Test("one-hot is maximally concentrated under every reading")
    func oneHot() throws {
        var v = [Float](repeating: 0, count: 100)
        v[17] = -2
        let m = Dictionary(uniqueKeysWithValues: zip(PaperSparsityMetric.allCases, try PaperSparsityMetric.values(of: v)))
        #expect(m[.hoyer] == 1)
        #expect(m[.top1pctEnergy] == 1)
        #expect(isClose(m[.gini]!, 0.99))
        #expect(isClose(m[.participationRatio]!, 0.01))
        #expect(m[.l0Density] == 0.01)
        #expect(m[.l1Norm] == 2)
    }
}
