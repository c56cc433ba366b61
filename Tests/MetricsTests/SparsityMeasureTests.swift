import Testing
@testable import Metrics

/// The C kernel packs one double per measure: its count and the Swift enum cannot drift apart.
@Test func kernelPacksOneValuePerMeasure() {
    #expect(SparsityValues.packedCount == SparsityMeasure.allCases.count)
}
