import Foundation
import Testing
@testable import HDF5Store

/// `HDF5File.readEveryObject` (the check `probe` runs in a child process before reading a file) and the
/// axis labels it reads without `H5DSget_label`.
@Suite("Reading every object of a file")
struct ReadCheckTests {
    /// A file with nested groups, attributes of several types, numbers, strings and labelled axes.
    func makeFile(_ path: String) throws {
        let file = try HDF5File.create(at: path)
        try file.setAttribute("schema", "bytelens.test")
        try file.setAttribute("sizes", [Int64(1), 2, 3])
        try file.createDimension("row", length: 0, unlimited: true)
        let group = try file.createGroup("measures")
        let inner = try group.createGroup("inner")
        try inner.setAttribute("note", ["a", "", "ü"])
        try group.createCoordinateDimension("hook", strings: ["enc.0", "enc.1"])
        let values = try group.createDataset("hoyer", type: .float32, dimensions: ["row", "hook"], shape: [0, 2],
                                             options: .appendable(chunkRows: 4))
        for _ in 0..<5 { _ = try values.append([Float(0.1), 0.2, 0.3, 0.4]) }
        _ = try file.createDataset("names", strings: ["x", "yy", "zzz"], dimensions: ["name"])
        _ = try file.createDataset("flags", values: [true, false, true], dimensions: ["flag"])
    }

    @Test func walksEveryObjectOfAGoodFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("good.h5")
        try makeFile(path)
        let file = try HDF5File.open(path)
        // row, measures, measures/inner, measures/hook, measures/hoyer, names, name, flags, flag.
        #expect(try file.readEveryObject() == 9)
        #expect(try file.group("measures").dataset("hoyer").axisLabel(1) == "hook")
        #expect(try file.dataset("names").axisLabel(0) == "name")
        // Past the limits: refused with the limit named.
        var limits = HDF5File.ReadCheckLimits()
        limits.objects = 3
        #expect(throws: HDF5Error.self) { try file.readEveryObject(limits: limits) }
        limits = HDF5File.ReadCheckLimits()
        limits.depth = 0
        #expect(throws: HDF5Error.self) { try file.readEveryObject(limits: limits) }
    }

    @Test func unlabelledAxesAndWrongLabelCountsAreHandledWithoutTheHLLibrary() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("labels.h5")
        do {
            let file = try HDF5File.create(at: path)
            _ = try file.createDataset("plain", values: [Float(1), 2, 3, 4], shape: [2, 2])
            let odd = try file.createDataset("odd", values: [Float(1), 2, 3, 4], shape: [2, 2])
            // Three labels for two axes: what a damaged or foreign file may hold.
            try odd.setAttribute("DIMENSION_LABELS", ["a", "b", "c"])
        }
        let file = try HDF5File.open(path)
        #expect(try file.dataset("plain").axisLabel(0) == "")
        #expect(throws: HDF5Error.shapeMismatch(object: "attribute 'DIMENSION_LABELS' of \(path):/odd",
                                                detail: "3 labels for 2 axes")) {
            _ = try file.dataset("odd").axisLabel(0)
        }
        // The walk still visits everything and then reports the first error.
        #expect(throws: HDF5Error.self) { try file.readEveryObject() }
    }
}
