import Testing
@testable import Metrics

@Suite("Sparsity measures against numpy")
struct SparsityFixtureTests {
    let fixture = MetricsFixture.shared

    @Test("every measure on every fixture vector matches numpy to 1e-9 relative")
    func vectorsMatchNumpy() throws {
        #expect(fixture.vectors.count >= 10)
        for vectorCase in fixture.vectors {
            let values = try SparsityValues(measuring: vectorCase.values)
            #expect(values.dimension == vectorCase.values.count)
            for measure in SparsityMeasure.allCases {
                let expected = try #require(vectorCase.measures[measure.rawValue], "\(measure) missing")
                #expect(isClose(values[measure], expected),
                        "\(vectorCase.name) \(measure): swift \(values[measure]) numpy \(expected)")
            }
        }
    }

    @Test("outlier-removed and z-scored variants match numpy")
    func variantsMatchNumpy() throws {
        let reference = fixture.reference
        var statistics = try ReferenceStatistics(dimension: reference.cols)
        try reference.values.withUnsafeBufferPointer {
            try statistics.add($0, rows: reference.rows, cols: reference.cols)
        }
        let profile = try statistics.profile()
        #expect(profile.outlierDimensions == reference.outlier_dims)
        #expect(profile.zScoredDimensions.count == reference.z_dims_count)
        for probe in reference.probes {
            let row = try SparsityRow(measuring: probe.values, reference: profile)
            let withoutOutliers = try #require(row.withoutOutliers)
            let zScored = try #require(row.zScored)
            for measure in SparsityMeasure.allCases {
                let name = measure.rawValue
                #expect(isClose(row.raw[measure], probe.raw[name]!), "raw \(name)")
                #expect(isClose(withoutOutliers[measure], probe.no_outliers[name]!),
                        "no_outliers \(name): \(withoutOutliers[measure]) vs \(probe.no_outliers[name]!)")
                // z-scores divide by a σ that carries Welford rounding (~1e-16 relative); 1e-9 still holds.
                #expect(isClose(zScored[measure], probe.z[name]!),
                        "z \(name): \(zScored[measure]) vs \(probe.z[name]!)")
            }
        }
    }

    @Test("column names are stable")
    func columnNames() {
        #expect(SparsityMeasure.allCases.map(\.rawValue) == [
            "hoyer", "gini", "top1_energy", "top5_energy", "top10_energy", "participation_ratio",
            "energy_effective_dim", "near_zero_fraction", "excess_kurtosis", "l2_norm",
        ])
        #expect(SparsityVariant.withoutOutliers.columnName(.hoyer) == "hoyer_no_outliers")
        #expect(SparsityVariant.zScored.columnName(.gini) == "gini_z")
        #expect(SparsityVariant.raw.columnName(.top10Energy) == "top10_energy")
        #expect(SparsityMeasure.primary == .hoyer)
        #expect(SparsityMeasure.participationRatio.direction == .lowerIsSparser)
        #expect(SparsityMeasure.hoyer.direction == .higherIsSparser)
        #expect(SparsityMeasure.l2Norm.direction == .notASparsityMeasure)
    }

    @Test("top-k count uses max(1, ceil(percent·d/100)) in integers")
    func topCount() {
        #expect(SparsityMeasure.topCount(percent: 1, dimension: 100) == 1)
        #expect(SparsityMeasure.topCount(percent: 1, dimension: 101) == 2)
        #expect(SparsityMeasure.topCount(percent: 5, dimension: 100) == 5)
        #expect(SparsityMeasure.topCount(percent: 10, dimension: 2048) == 205)
        #expect(SparsityMeasure.topCount(percent: 1, dimension: 2048) == 21)
        #expect(SparsityMeasure.topCount(percent: 10, dimension: 1) == 1)
        #expect(SparsityMeasure.topCount(percent: 10, dimension: 0) == 0)
    }
}
