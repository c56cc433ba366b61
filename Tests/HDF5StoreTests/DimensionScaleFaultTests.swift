import Foundation
import Testing
import CHDF5
@testable import HDF5Store

/// Attributes on which the HL library 1.10.8 corrupts memory (`H5DSis_scale` frees its buffer twice,
/// `H5DSget_num_scales` writes past its buffer): ByteLens answers or throws instead. Without the guards
/// these tests abort the test process ("free(): double free detected").
@Suite("Dimension-scale attributes the HL library mishandles")
struct DimensionScaleFaultTests {
    /// Writes a 16-byte NUL-terminated fixed-length string attribute, as `H5DSset_scale` does.
    static func writeFixedClass(_ value: String, on object: hid_t) throws {
        let type = H5Tcopy(bl_H5T_C_S1())
        defer { H5Tclose(type) }
        #expect(H5Tset_size(type, 16) >= 0 && H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0)
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(object, "CLASS", type, space, bl_H5P_DEFAULT(), bl_H5P_DEFAULT())
        try #require(attribute >= 0)
        defer { H5Aclose(attribute) }
        var bytes = [CChar](repeating: 0, count: 16)
        for (k, byte) in value.utf8.prefix(15).enumerated() { bytes[k] = CChar(bitPattern: byte) }
        #expect(H5Awrite(attribute, type, bytes) >= 0)
    }

    @Test func aClassOtherThanDimensionScaleIsNotAScale() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("class.h5")
        do {
            let file = try HDF5File.create(at: path)
            let other = try file.createDataset("other", values: [Float(1), 2])
            try Self.writeFixedClass("DIMENSION_SCALX", on: other.id)   // H5DSis_scale: double free
            let real = try file.createDataset("real", values: [Float(1), 2])
            try real.makeDimensionScale(coordinateName: "real")
            let numeric = try file.createDataset("numeric", values: [Float(1), 2])
            try numeric.setAttribute("CLASS", [Int64(7)])
        }
        let file = try HDF5File.open(path)
        #expect(try file.dataset("other").isDimensionScale() == false)
        #expect(try file.dataset("real").isDimensionScale() == true)
        #expect(try file.dataset("numeric").isDimensionScale() == false)
        #expect(try file.dataset("other").summaryLine().isEmpty == false)
    }

    @Test func aDimensionListLongerThanTheRankIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("list.h5")
        do {
            let file = try HDF5File.create(at: path)
            let values = try file.createDataset("values", values: [Float(1), 2])
            // Three variable-length entries on a 1-D dataset: H5DSget_num_scales would read them into room for one.
            let type = H5Tvlen_create(bl_H5T_NATIVE_INT32())
            defer { H5Tclose(type) }
            var dims = [hsize_t(3)]
            let space = H5Screate_simple(1, &dims, nil)
            defer { H5Sclose(space) }
            let attribute = H5Acreate2(values.id, "DIMENSION_LIST", type, space, bl_H5P_DEFAULT(), bl_H5P_DEFAULT())
            try #require(attribute >= 0)
            defer { H5Aclose(attribute) }
            var numbers: [Int32] = [1, 2, 3]
            try numbers.withUnsafeMutableBytes { raw in
                let entries = (0..<3).map { hvl_t(len: 1, p: raw.baseAddress! + 4 * $0) }
                try #require(H5Awrite(attribute, type, entries) >= 0)
            }
        }
        let file = try HDF5File.open(path)
        #expect(throws: HDF5Error.shapeMismatch(object: "attribute 'DIMENSION_LIST' of \(path):/values", detail: "3 entries for 1 axes")) {
            _ = try file.dataset("values").scaleCount(axis: 0)
        }
    }
}
