import Foundation
import Testing
@testable import HDF5Store

@Suite("Probe-run /reference group")
struct ProbeRunReferenceTests {
    static let profiles = [
        ProbeRunReferenceProfile(hook: "encoder.blocks.0.hook_resid_post", outlierDimensions: [1, 3],
                                 mean: [0.5, 9, -0.25, 12], standardDeviation: [1, 2, 0, 4], vectorCount: 40),
        ProbeRunReferenceProfile(hook: "global.blocks.0.hook_resid_post", outlierDimensions: [],
                                 mean: [1, 2, 3], standardDeviation: [0.5, 0.5, 0.5], vectorCount: 7),
        ProbeRunReferenceProfile(hook: "decoder.hook_final_norm", outlierDimensions: [0],
                                 mean: [100, 1], standardDeviation: [3, 1], vectorCount: 40),
    ]

    @Test func roundTripsProfilesAndRuleWithDimensionScales() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("run.h5")
        let writer = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        try writer.writeReference(Self.profiles, rule: "held-out base items 2..<4")
        try writer.writeReference([], rule: "ignored: the group exists")  // a resumed run keeps the first one
        for index in 0..<2 { try writer.append(ProbeRunFixture.item(index)) }
        try writer.finish(statistics: ProbeRunFixture.statistics, finishedUTC: "2026-11-29T05:00:00Z")

        let reader = try ProbeRunReader(path: path)
        defer { reader.close() }
        #expect(try reader.referenceProfiles() == Self.profiles)
        #expect(try reader.referenceRule() == "held-out base items 2..<4")
        let file = try HDF5File.open(path, mode: .readOnly)
        defer { file.close() }
        let group = try file.group(ProbeRunSchema.Reference.group)
        #expect(try group.dataset("outlier_dimension").axisLabel(0) == "outlier")
        #expect(try group.dataset("mean").axisLabel(0) == "reference_value")
        #expect(try group.dataset("vector_count").axisLabel(0) == "hook")
        #expect(try group.dataset("mean").read(as: Double.self).count == 9)
    }

    @Test func filesWithoutTheGroupStillRead() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("old.h5")
        try ProbeRunFixture.writeComplete(to: path, count: 2)
        let reader = try ProbeRunReader(path: path)
        defer { reader.close() }
        #expect(try reader.referenceProfiles() == nil)
        #expect(try reader.referenceRule() == nil)
        #expect(reader.completedItemCount == 2)
    }

    @Test func inconsistentProfilesAreRefusedBeforeWriting() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("bad.h5")
        let writer = try ProbeRunWriter.create(at: path, layout: ProbeRunFixture.layout, provenance: ProbeRunFixture.provenance)
        let outOfRange = ProbeRunReferenceProfile(hook: "h", outlierDimensions: [5], mean: [0, 1], standardDeviation: [1, 1], vectorCount: 1)
        #expect(throws: HDF5Error.self) { try writer.writeReference([outOfRange], rule: "") }
        let lengths = ProbeRunReferenceProfile(hook: "h", outlierDimensions: [], mean: [0, 1], standardDeviation: [1], vectorCount: 1)
        #expect(throws: HDF5Error.self) { try writer.writeReference([lengths], rule: "") }
        try writer.writeReference([], rule: "empty is allowed")
        _ = writer.abandon()
    }
}
