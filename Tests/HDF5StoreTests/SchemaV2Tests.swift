import Foundation
import Testing
@testable import HDF5Store

/// Schema v2: every numeric dataset says its units and meaning, one hook-axis name, the global patch row
/// per byte; v1 files still read.
@Suite("Probe-run schema v2")
struct SchemaV2Tests {
    @Test func everyNumericDatasetHasUnitsAndALongName() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("units.h5")
        try ProbeRunFixture.writeComplete(to: path, count: 3)
        let file = try HDF5File.open(path)
        var checked = 0
        func visit(_ group: HDF5Group, _ prefix: String) throws {
            for name in try group.memberNames() {
                switch try group.memberKind(name) {
                case .group: try visit(try group.group(name), prefix + name + "/")
                case .dataset:
                    let dataset = try group.dataset(name)
                    let attributes = Set(try dataset.attributeNames())
                    // netCDF dimension scales without data and string coordinates carry no units.
                    if attributes.contains("CLASS") || dataset.elementType == .string { continue }
                    #expect(attributes.contains("long_name"), "\(prefix)\(name) has no long_name")
                    if try attributes.contains("dtype") && dataset.stringAttribute("dtype") == "bool" { continue }
                    #expect(attributes.contains("units"), "\(prefix)\(name) has no units")
                    checked += 1
                default: continue
                }
            }
        }
        try visit(file, "/")
        #expect(checked > 40)
        #expect(try file.group("bytes").dataset("entropy").stringAttribute("units") == "nat")
        #expect(try file.group("items").dataset("byte_count").stringAttribute("units") == "1")
    }

    @Test func bytesKnowTheirGlobalPatchRow() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("patch-index.h5")
        try ProbeRunFixture.writeComplete(to: path, count: 4)
        let file = try HDF5File.open(path)
        let patchIndex = try file.group("bytes").dataset("patch_index").read(as: Int64.self)
        let itemIndex = try file.group("bytes").dataset("item_index").read(as: Int32.self)
        let patchID = try file.group("bytes").dataset("patch_id").read(as: Int32.self)
        let patchOffset = try file.group("items").dataset("patch_offset").read(as: Int64.self)
        let patchItem = try file.group("patches").dataset("item_index").read(as: Int32.self)
        #expect(patchIndex.count == patchID.count && !patchIndex.isEmpty)
        for row in patchIndex.indices {
            #expect(patchIndex[row] == patchOffset[Int(itemIndex[row])] + Int64(patchID[row]))
            #expect(patchItem[Int(patchIndex[row])] == itemIndex[row])
        }
        for group in ["measures/byte_level", "measures/patch_level", "measures/probe"] {
            var g: HDF5Group = file
            for part in group.split(separator: "/") { g = try g.group(String(part)) }
            #expect(try g.contains("hook") && !g.contains("byte_hook") && !g.contains("patch_hook"), "\(group)")
        }
    }

    /// A v1 file committed when v1 was current (written by `ProbeRunFixture.writeComplete(count: 2)`,
    /// compression level 1): it must still read, item for item.
    @Test func aSchemaV1FileStillReads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("SchemaV1/finished-2-v1.h5").path
        let reader = try ProbeRunReader(path: path)
        #expect(reader.schemaVersion == 1)
        #expect(reader.completedItemCount == 2)
        for index in 0..<2 {
            #expect(try reader.item(at: index) == ProbeRunFixture.item(index))
        }
        #expect(try reader.statistics().count == ProbeRunFixture.statistics.count)
    }
}
