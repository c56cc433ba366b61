import CHDF5

/// The element types ByteLens stores, with their in-file (explicit little-endian) HDF5 types.
///
/// `bool` is stored as `uint8` (0/1) with the attribute `dtype="bool"`, which xarray decodes back to
/// booleans; HDF5 has no boolean type and h5py's own bool is an enum other tools do not read.
/// `string` is a variable-length UTF-8 string (h5py reads it as `bytes`, or `str` via `.asstr()`;
/// h5netcdf/xarray read it as Python `str`).
public enum HDF5ElementType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool
    case string

    public var description: String { rawValue }

    /// Native in-memory type for reading and writing Swift arrays.
    var memoryType: hid_t {
        switch self {
        case .float32: bl_H5T_NATIVE_FLOAT()
        case .float64: bl_H5T_NATIVE_DOUBLE()
        case .int8: bl_H5T_NATIVE_INT8()
        case .int16: bl_H5T_NATIVE_INT16()
        case .int32: bl_H5T_NATIVE_INT32()
        case .int64: bl_H5T_NATIVE_INT64()
        case .uint8, .bool: bl_H5T_NATIVE_UINT8()
        case .uint16: bl_H5T_NATIVE_UINT16()
        case .uint32: bl_H5T_NATIVE_UINT32()
        case .uint64: bl_H5T_NATIVE_UINT64()
        case .string: bl_H5T_C_S1()  // never used directly: strings go through a vlen copy
        }
    }

    /// Explicit little-endian file type, so files are identical whatever machine writes them.
    var fileType: hid_t {
        switch self {
        case .float32: bl_H5T_IEEE_F32LE()
        case .float64: bl_H5T_IEEE_F64LE()
        case .int8: bl_H5T_STD_I8LE()
        case .int16: bl_H5T_STD_I16LE()
        case .int32: bl_H5T_STD_I32LE()
        case .int64: bl_H5T_STD_I64LE()
        case .uint8, .bool: bl_H5T_STD_U8LE()
        case .uint16: bl_H5T_STD_U16LE()
        case .uint32: bl_H5T_STD_U32LE()
        case .uint64: bl_H5T_STD_U64LE()
        case .string: bl_H5T_C_S1()
        }
    }

    /// Bytes per element in the file (strings: size of the variable-length reference in memory).
    var byteWidth: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16, .uint16: 2
        case .float32, .int32, .uint32: 4
        case .float64, .int64, .uint64: 8
        case .string: MemoryLayout<UnsafePointer<CChar>>.size
        }
    }

    /// Classifies an HDF5 datatype found in a file. `bool` is never inferred from the type alone
    /// (it is `uint8` on disk); callers check the `dtype` attribute. Returns nil for types ByteLens
    /// does not write (compound, enum, fixed-length strings are reported as `string`).
    static func classify(_ type: hid_t) -> HDF5ElementType? {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            return size == 4 ? .float32 : size == 8 ? .float64 : nil
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            switch size {
            case 1: return signed ? .int8 : .uint8
            case 2: return signed ? .int16 : .uint16
            case 4: return signed ? .int32 : .uint32
            case 8: return signed ? .int64 : .uint64
            default: return nil
            }
        case H5T_STRING:
            return .string
        default:
            return nil
        }
    }
}

/// A Swift scalar that maps one-to-one onto an HDF5 numeric element type.
///
/// `Int` and `UInt` map to 64-bit integers (ByteLens only targets 64-bit platforms). `Bool` maps to
/// `uint8` 0/1; reading any non-zero byte gives `true`.
public protocol HDF5Scalar: Sendable {
    static var hdf5Type: HDF5ElementType { get }
}

extension Float: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .float32 } }
extension Double: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .float64 } }
extension Int8: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .int8 } }
extension Int16: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .int16 } }
extension Int32: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .int32 } }
extension Int64: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .int64 } }
extension Int: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .int64 } }
extension UInt8: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .uint8 } }
extension UInt16: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .uint16 } }
extension UInt32: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .uint32 } }
extension UInt64: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .uint64 } }
extension UInt: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .uint64 } }
extension Bool: HDF5Scalar { public static var hdf5Type: HDF5ElementType { .bool } }

/// Raw-buffer helpers shared by datasets and attributes. Bool is converted through `UInt8` so that
/// arbitrary bytes read from a file never become invalid `Bool` bit patterns.
enum HDF5Buffer {
    @discardableResult
    static func withBytes<T: HDF5Scalar, R>(_ values: [T], _ body: (UnsafeRawPointer?) throws -> R) rethrows -> R {
        if T.self == Bool.self {
            let bytes = values.map { ($0 as! Bool) ? UInt8(1) : UInt8(0) }
            return try bytes.withUnsafeBytes { try body($0.baseAddress) }
        }
        return try values.withUnsafeBytes { try body($0.baseAddress) }
    }

    static func read<T: HDF5Scalar>(_ type: T.Type, count: Int, _ fill: (UnsafeMutableRawPointer?) throws -> Void) rethrows -> [T] {
        if T.self == Bool.self {
            var bytes = [UInt8](repeating: 0, count: count)
            try bytes.withUnsafeMutableBytes { try fill($0.baseAddress) }
            return bytes.map { ($0 != 0) as! T }
        }
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Zero first: a failed read must not leave uninitialised memory behind.
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            initialized = count
            try fill(raw.baseAddress)
        }
    }
}
