import Testing
@testable import HDF5Store

@Suite("HDF5 attributes, groups, scales and errors")
struct HDF5AttributeAndErrorTests {
    @Test func attributesOfEveryKindOnRootGroupsAndDatasets() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("attributes.h5")
        do {
            let file = try HDF5File.create(at: path)
            try file.setAttribute("schema", "bytelens.probe-run")
            try file.setAttribute("version", Int64(1))
            try file.setAttribute("pi", 3.25)
            try file.setAttribute("flag", true)
            try file.setAttribute("levels", ["easy", "médium", "hard"])
            try file.setAttribute("sizes", [Int32(1), -2, 3])
            try file.setAttribute("empty", [Float]())
            try file.setAttribute("version", Int64(2))  // replaced, not duplicated
            let group = try file.createGroup("items")
            try group.setAttribute("note", "ünïcode ✓")
            let dataset = try group.createDataset("x", values: [UInt8(1), 2])
            try dataset.setAttribute("scale", Float(0.5))
        }
        let file = try HDF5File.open(path)
        #expect(try file.stringAttribute("schema") == "bytelens.probe-run")
        #expect(try file.attribute("version", as: Int64.self) == 2)
        #expect(try file.attribute("pi", as: Double.self) == 3.25)
        #expect(try file.attribute("flag", as: Bool.self) == true)
        #expect(try file.stringArrayAttribute("levels") == ["easy", "médium", "hard"])
        #expect(try file.arrayAttribute("sizes", as: Int32.self) == [1, -2, 3])
        #expect(try file.arrayAttribute("empty", as: Float.self) == [])
        #expect(try file.attributeNames() == ["empty", "flag", "levels", "pi", "schema", "sizes", "version"])
        #expect(try file.attributeValue("sizes") == .integers([1, -2, 3]))
        #expect(try file.attributeValue("schema") == .string("bytelens.probe-run"))
        #expect(try file.group("items").stringAttribute("note") == "ünïcode ✓")
        #expect(try file.group("items").dataset("x").attribute("scale", as: Float.self) == 0.5)
        #expect(throws: HDF5Error.notFound(kind: "attribute", name: "missing", in: "\(path):/")) {
            _ = try file.stringAttribute("missing")
        }
        #expect(throws: HDF5Error.self) { _ = try file.attribute("version", as: Float.self) }
    }

    @Test func groupsListAndDistinguishMembers() throws {
        let directory = try TemporaryDirectory()
        let file = try HDF5File.create(at: directory.file("groups.h5"))
        let outer = try file.createGroup("outer")
        try outer.createGroup("inner")
        try outer.createDataset("values", values: [1.0, 2.0])
        #expect(try outer.memberNames() == ["inner", "values"])
        #expect(try outer.memberKind("inner") == .group)
        #expect(try outer.memberKind("values") == .dataset)
        #expect(try outer.memberKind("absent") == nil)
        #expect(try file.group("outer").group("inner").path == "/outer/inner")
        #expect(throws: HDF5Error.self) { try outer.createGroup("inner") }
    }

    @Test func dimensionScalesAreNamedTheNetCDFWay() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("scales.h5")
        do {
            let file = try HDF5File.create(at: path)
            try file.createDimension("byte", length: 0, unlimited: true)
            let group = try file.createGroup("measures")
            try group.createCoordinateDimension("hook", strings: ["enc.0", "enc.1"])
            let values = try group.createDataset("hoyer", type: .float32, dimensions: ["byte", "hook"], shape: [0, 2],
                                                 options: .appendable())
            try values.append([Float(0.1), 0.2, 0.3, 0.4])
        }
        let file = try HDF5File.open(path)
        let byte = try file.dataset("byte")
        #expect(try byte.isDimensionScale())
        #expect(try byte.stringAttribute("NAME").hasPrefix(HDF5Dataset.netCDFDimensionWithoutVariable))
        #expect(try byte.stringAttribute("CLASS") == "DIMENSION_SCALE")
        let hoyer = try file.group("measures").dataset("hoyer")
        #expect(try hoyer.axisLabel(0) == "byte")
        #expect(try hoyer.axisLabel(1) == "hook")
        #expect(try hoyer.scaleCount(axis: 0) == 1 && hoyer.scaleCount(axis: 1) == 1)
        #expect(try file.group("measures").dataset("hook").stringAttribute("NAME") == "hook")
        #expect(throws: HDF5Error.notFound(kind: "dimension", name: "patch", in: "\(path):/measures or its ancestors")) {
            _ = try file.group("measures").dimensionScale("patch")
        }
    }

    @Test func missingDimensionsAreCreatedAndConflictingLengthsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("trace.h5")
        let file = try HDF5File.create(at: path)
        // What `probe trace` does: name the axes, let the dimensions appear.
        try file.createDataset("input_ids", values: [Int32(1), 72, 105], dimensions: ["position"])
        try file.createDataset("logits", values: [Float](repeating: 0.5, count: 3 * 4), dimensions: ["position", "vocab"],
                               shape: [3, 4])
        #expect(try file.dataset("position").isDimensionScale())
        #expect(try file.dataset("vocab").shape() == [4])
        #expect(try file.dataset("logits").axisLabel(1) == "vocab")
        do {
            try file.createDataset("patch_lengths", values: [Int32(1), 2], dimensions: ["position"])
            Issue.record("a conflicting length must be refused")
        } catch let error as HDF5Error {
            #expect(error.description.contains("dimension 'position'"))
        }
        #expect(try !file.contains("patch_lengths"))
    }

    @Test func openingANonHDF5FileCarriesHDF5sMessage() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("not-hdf5.h5")
        try writeFileBytes(Array("definitely not HDF5\n".utf8), to: path)
        #expect(!HDF5File.isHDF5(path))
        do {
            _ = try HDF5File.open(path)
            Issue.record("opening a text file must fail")
        } catch let HDF5Error.library(operation, stack) {
            #expect(operation.contains(path))
            #expect(stack.contains { $0.contains("file signature not found") }, "stack: \(stack)")
            #expect(stack.first?.hasPrefix("H5Fopen()") == true, "stack: \(stack)")
        }
        #expect(throws: HDF5Error.fileSystem(path: directory.file("absent.h5"), detail: "no such file")) {
            _ = try HDF5File.open(directory.file("absent.h5"))
        }
    }

    @Test func missingDatasetErrorNamesIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("missing.h5")
        let file = try HDF5File.create(at: path)
        try file.createGroup("bytes")
        do {
            _ = try file.group("bytes").dataset("entropy")
            Issue.record("a missing dataset must throw")
        } catch let error as HDF5Error {
            #expect(error == .notFound(kind: "dataset", name: "entropy", in: "\(path):/bytes"))
            #expect(error.description.contains("'entropy'"))
        }
    }

    @Test func refusingToOverwriteAndUsingClosedHandles() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("exists.h5")
        let file = try HDF5File.create(at: path)
        #expect(throws: HDF5Error.self) { _ = try HDF5File.create(at: path, overwrite: false) }
        let dataset = try file.createDataset("d", values: [1.0])
        dataset.close()
        dataset.close()  // idempotent
        #expect(throws: HDF5Error.self) { _ = try dataset.read(as: Double.self) }
        file.close()
        #expect(!file.isOpen)
    }
}
