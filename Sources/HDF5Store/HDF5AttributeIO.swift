import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A decoded attribute value, for generic display (`probe inspect`) and typed access.
public enum HDF5AttributeValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case strings([String])
    case integers([Int64])
    case unsignedIntegers([UInt64])
    case reals([Double])
    /// A type ByteLens does not decode (references, compounds such as H5DS bookkeeping).
    case unsupported(String)

    public var description: String {
        func list<T>(_ values: [T]) -> String {
            values.count == 1 ? "\(values[0])" : "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
        }
        switch self {
        case .string(let value): return value
        case .strings(let values): return list(values.map { "\"\($0)\"" })
        case .integers(let values): return list(values)
        case .unsignedIntegers(let values): return list(values)
        case .reals(let values): return list(values)
        case .unsupported(let what): return "<\(what)>"
        }
    }
}

/// Attribute reading and writing on raw identifiers (shared by `HDF5Object` and dataset setup).
enum HDF5AttributeIO {
    static func exists(_ object: hid_t, _ name: String, owner: String) throws -> Bool {
        try HDF5Call.status("looking up attribute '\(name)' of \(owner)") { H5Aexists(object, name) } > 0
    }

    /// Deletes an existing attribute so it can be rewritten with a new type or shape.
    static func removeIfPresent(_ object: hid_t, _ name: String, owner: String) throws {
        if try exists(object, name, owner: owner) {
            try HDF5Call.status("replacing attribute '\(name)' of \(owner)") { H5Adelete(object, name) }
        }
    }

    static func makeSpace(count: Int?) throws -> ScopedID {
        if let count {
            var dims = [hsize_t(count)]
            return .dataspace(try HDF5Call.id("creating an attribute space") { H5Screate_simple(1, &dims, nil) })
        }
        return .dataspace(try HDF5Call.id("creating a scalar space") { H5Screate(H5S_SCALAR) })
    }

    /// Writes numbers; `count == nil` writes a scalar attribute (values must hold one element).
    static func writeNumbers<T: HDF5Scalar>(_ object: hid_t, _ name: String, _ values: [T], scalar: Bool, owner: String) throws {
        if try overwriteInPlace(object, name, values, scalar: scalar, owner: owner) { return }
        try removeIfPresent(object, name, owner: owner)
        let space = try makeSpace(count: scalar ? nil : values.count)
        let attribute = ScopedID.attribute(try HDF5Call.id("creating attribute '\(name)' of \(owner)") {
            H5Acreate2(object, name, T.hdf5Type.fileType, space.id, bl_H5P_DEFAULT(), bl_H5P_DEFAULT())
        })
        try HDF5Buffer.withBytes(values) { pointer in
            try HDF5Call.status("writing attribute '\(name)' of \(owner)") {
                H5Awrite(attribute.id, T.hdf5Type.memoryType, pointer)
            }
        }
    }

    /// Rewrites an existing attribute of the same type and shape in place (no header churn when a
    /// counter is updated after every item); returns false when it must be recreated.
    static func overwriteInPlace<T: HDF5Scalar>(_ object: hid_t, _ name: String, _ values: [T], scalar: Bool,
                                                owner: String) throws -> Bool {
        guard try exists(object, name, owner: owner) else { return false }
        let attribute = try open(object, name, owner: owner)
        let fileType = ScopedID.datatype(try HDF5Call.id("reading attribute type") { H5Aget_type(attribute.id) })
        let space = ScopedID.dataspace(try HDF5Call.id("reading an attribute space") { H5Aget_space(attribute.id) })
        let isScalar = H5Sget_simple_extent_type(space.id) == H5S_SCALAR
        guard H5Tequal(fileType.id, T.hdf5Type.fileType) > 0, isScalar == scalar,
              try elementCount(attribute.id) == values.count else { return false }
        try HDF5Buffer.withBytes(values) { pointer in
            try HDF5Call.status("writing attribute '\(name)' of \(owner)") {
                H5Awrite(attribute.id, T.hdf5Type.memoryType, pointer)
            }
        }
        return true
    }

    /// Writes variable-length UTF-8 strings (scalar when `scalar`).
    static func writeStrings(_ object: hid_t, _ name: String, _ values: [String], scalar: Bool, owner: String) throws {
        try removeIfPresent(object, name, owner: owner)
        let type = try makeUTF8StringType()
        let space = try makeSpace(count: scalar ? nil : values.count)
        let attribute = ScopedID.attribute(try HDF5Call.id("creating attribute '\(name)' of \(owner)") {
            H5Acreate2(object, name, type.id, space.id, bl_H5P_DEFAULT(), bl_H5P_DEFAULT())
        })
        try withCStringArray(values) { pointers in
            try HDF5Call.status("writing attribute '\(name)' of \(owner)") { H5Awrite(attribute.id, type.id, pointers) }
        }
    }

    static func open(_ object: hid_t, _ name: String, owner: String) throws -> ScopedID {
        guard try exists(object, name, owner: owner) else {
            throw HDF5Error.notFound(kind: "attribute", name: name, in: owner)
        }
        return .attribute(try HDF5Call.id("opening attribute '\(name)' of \(owner)") {
            H5Aopen(object, name, bl_H5P_DEFAULT())
        })
    }

    static func elementCount(_ attribute: hid_t) throws -> Int {
        let space = ScopedID.dataspace(try HDF5Call.id("reading an attribute space") { H5Aget_space(attribute) })
        let count = try HDF5Call.status("reading an attribute size") { H5Sget_simple_extent_npoints(space.id) }
        return Int(count)
    }

    static func readNumbers<T: HDF5Scalar>(_ object: hid_t, _ name: String, as: T.Type, owner: String) throws -> [T] {
        let attribute = try open(object, name, owner: owner)
        let fileType = ScopedID.datatype(try HDF5Call.id("reading attribute type") { H5Aget_type(attribute.id) })
        let found = HDF5ElementType.classify(fileType.id)
        let expected = T.hdf5Type == .bool ? HDF5ElementType.uint8 : T.hdf5Type
        guard found == expected else {
            throw HDF5Error.typeMismatch(object: "attribute '\(name)' of \(owner)", expected: T.hdf5Type.rawValue,
                                         found: found?.rawValue ?? "an unsupported type")
        }
        let count = try elementCount(attribute.id)
        return try HDF5Buffer.read(T.self, count: count) { pointer in
            try HDF5Call.status("reading attribute '\(name)' of \(owner)") {
                H5Aread(attribute.id, T.hdf5Type.memoryType, pointer)
            }
        }
    }

    /// Reads a string attribute, variable- or fixed-length (fixed-length padding is stripped).
    static func readStrings(_ object: hid_t, _ name: String, owner: String) throws -> [String] {
        let attribute = try open(object, name, owner: owner)
        let fileType = ScopedID.datatype(try HDF5Call.id("reading attribute type") { H5Aget_type(attribute.id) })
        guard H5Tget_class(fileType.id) == H5T_STRING else {
            throw HDF5Error.typeMismatch(object: "attribute '\(name)' of \(owner)", expected: "string",
                                         found: HDF5ElementType.classify(fileType.id)?.rawValue ?? "an unsupported type")
        }
        let count = try elementCount(attribute.id)
        try HeapReferences.checkAttribute(attribute.id, of: object, name: name, owner: owner)
        let space = ScopedID.dataspace(try HDF5Call.id("reading an attribute space") { H5Aget_space(attribute.id) })
        return try readStringElements(fileType: fileType.id, space: space.id, count: count,
                                      context: "attribute '\(name)' of \(owner)") { memoryType, buffer in
            H5Aread(attribute.id, memoryType, buffer)
        }
    }

    /// Decodes any attribute for display.
    static func readAny(_ object: hid_t, _ name: String, owner: String) throws -> HDF5AttributeValue {
        let attribute = try open(object, name, owner: owner)
        let fileType = ScopedID.datatype(try HDF5Call.id("reading attribute type") { H5Aget_type(attribute.id) })
        let space = ScopedID.dataspace(try HDF5Call.id("reading an attribute space") { H5Aget_space(attribute.id) })
        let isScalar = H5Sget_simple_extent_type(space.id) == H5S_SCALAR
        switch HDF5ElementType.classify(fileType.id) {
        case .string?:
            let values = try readStrings(object, name, owner: owner)
            return isScalar && values.count == 1 ? .string(values[0]) : .strings(values)
        case .float32?, .float64?:
            return .reals(try readNumbers(object, name, as: Double.self, owner: owner, converting: true))
        case .int8?, .int16?, .int32?, .int64?:
            return .integers(try readNumbers(object, name, as: Int64.self, owner: owner, converting: true))
        case .uint8?, .uint16?, .uint32?, .uint64?, .bool?:
            return .unsignedIntegers(try readNumbers(object, name, as: UInt64.self, owner: owner, converting: true))
        case nil:
            return .unsupported("HDF5 type class \(H5Tget_class(fileType.id).rawValue)")
        }
    }

    /// Reads numbers letting HDF5 convert between numeric types (used for display only).
    static func readNumbers<T: HDF5Scalar>(_ object: hid_t, _ name: String, as: T.Type, owner: String, converting: Bool) throws -> [T] {
        let attribute = try open(object, name, owner: owner)
        let count = try elementCount(attribute.id)
        return try HDF5Buffer.read(T.self, count: count) { pointer in
            try HDF5Call.status("reading attribute '\(name)' of \(owner)") {
                H5Aread(attribute.id, T.hdf5Type.memoryType, pointer)
            }
        }
    }

    static func names(_ object: hid_t, owner: String) throws -> [String] {
        var info = H5O_info_t()
        try HDF5Call.status("listing attributes of \(owner)") { H5Oget_info2(object, &info, UInt32(H5O_INFO_NUM_ATTRS)) }
        var names: [String] = []
        for index in 0..<info.num_attrs {
            let length = try HDF5Call.status("reading an attribute name of \(owner)") {
                H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, bl_H5P_DEFAULT())
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try HDF5Call.status("reading an attribute name of \(owner)") {
                H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, bl_H5P_DEFAULT())
            }
            names.append(stringFromCBuffer(buffer))
        }
        return names
    }
}

/// Calls `body` with a C array of NUL-terminated UTF-8 copies of `values`, freed afterwards.
@discardableResult
func withCStringArray<R>(_ values: [String], _ body: (UnsafeRawPointer) throws -> R) throws -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    if pointers.isEmpty { pointers = [nil] }  // a valid address even for zero strings
    return try pointers.withUnsafeBytes { try body($0.baseAddress!) }
}

/// Reads string elements of an attribute or dataset selection, variable- or fixed-length.
/// `read(memoryType, buffer)` performs the actual H5Aread/H5Dread.
func readStringElements(fileType: hid_t, space: hid_t, count: Int, context: String,
                        read: (hid_t, UnsafeMutableRawPointer) -> herr_t) throws -> [String] {
    if count == 0 { return [] }
    if H5Tis_variable_str(fileType) > 0 {
        // The file's own character set in memory, so libhdf5 never converts between ASCII and UTF-8
        // (`H5DSset_label` and other tools write ASCII; the bytes are decoded as UTF-8 either way).
        let memoryType = try makeUTF8StringType()
        let cset = H5Tget_cset(fileType)
        if cset == H5T_CSET_ASCII {
            try HDF5Call.status("setting ASCII") { H5Tset_cset(memoryType.id, H5T_CSET_ASCII) }
        }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        _ = try pointers.withUnsafeMutableBytes { raw in
            try HDF5Call.status("reading \(context)") { read(memoryType.id, raw.baseAddress!) }
        }
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        _ = pointers.withUnsafeMutableBytes { raw in
            H5Dvlen_reclaim(memoryType.id, space, bl_H5P_DEFAULT(), raw.baseAddress!)
        }
        return strings
    }
    let width = H5Tget_size(fileType)
    let memoryType = ScopedID.datatype(try HDF5Call.id("creating a string type") { H5Tcopy(bl_H5T_C_S1()) })
    try HDF5Call.status("sizing a string type") { H5Tset_size(memoryType.id, width) }
    var bytes = [UInt8](repeating: 0, count: width * count)
    _ = try bytes.withUnsafeMutableBytes { raw in
        try HDF5Call.status("reading \(context)") { read(memoryType.id, raw.baseAddress!) }
    }
    return (0..<count).map { index in
        let slice = bytes[(index * width)..<((index + 1) * width)]
        let trimmed = slice.prefix { $0 != 0 }
        var text = String(decoding: trimmed, as: UTF8.self)
        while text.hasSuffix(" ") { text.removeLast() }  // space-padded fixed strings
        return text
    }
}
