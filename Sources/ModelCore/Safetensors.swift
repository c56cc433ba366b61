import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Element types of safetensors files. Only `f32`, `bf16`, `f16` can be read as weights.
public enum TensorDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }

    public var isFloatWeight: Bool { self == .f32 || self == .bf16 || self == .f16 }
}

/// A read-only memory mapping of a whole file; unmapped when the last reference goes away.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let base: UnsafeRawPointer?
    public let size: Int
    /// True for `init(copying:name:)`: `base` is a heap allocation, not a mapping.
    private let ownsAllocation: Bool
    /// Whether `base` is a mapping of a file (pages may be dropped and re-read), not an in-memory copy.
    public var isFileMapping: Bool { !ownsAllocation }

    /// An in-memory copy of `bytes` presented like a mapped file (for parsing untrusted bytes, e.g. fuzzing).
    public init(copying bytes: [UInt8], name: String) {
        path = name
        size = bytes.count
        ownsAllocation = true
        if bytes.isEmpty { base = nil; return }
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        base = UnsafeRawPointer(pointer)
    }

    public init(path: String) throws(CheckpointError) {
        self.path = path
        ownsAllocation = false
        // O_NONBLOCK: a FIFO in place of a weights file must be refused, not waited on.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw .fileMissing(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .unreadable(path: path, reason: "not a regular file (a FIFO, device, socket or directory)")
        }
        size = Int(info.st_size)
        if size == 0 { base = nil; return }
        let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        if pointer == MAP_FAILED || pointer == nil {
            throw .unreadable(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(pointer!)
    }

    deinit {
        guard let base else { return }
        if ownsAllocation { UnsafeMutableRawPointer(mutating: base).deallocate() } else { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }
}

/// One tensor of a safetensors file: where its bytes are and how to read them.
public struct TensorSlice: Sendable {
    public let name: String
    public let dtype: TensorDType
    public let shape: [Int]
    /// Byte offset of the tensor data from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int
    public let file: MappedFile

    package init(name: String, dtype: TensorDType, shape: [Int], fileOffset: Int, byteCount: Int, file: MappedFile) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.fileOffset = fileOffset
        self.byteCount = byteCount
        self.file = file
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var path: String { file.path }

    /// Pointer to the first byte (may be unaligned for the element type).
    var bytes: UnsafeRawPointer { file.base! + fileOffset }

    /// Converts the whole tensor to Float (used for everything except the big embedding tables).
    public func floats() -> [Float] {
        if elementCount == 0 { return [] }
        var out = [Float](repeating: 0, count: elementCount)
        out.withUnsafeMutableBufferPointer { buffer in
            readFloats(from: 0, count: elementCount, into: buffer.baseAddress!)
        }
        return out
    }

    /// Converts `count` elements starting at element `start` into `out`.
    public func readFloats(from start: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        if count == 0 { return }
        let source = bytes + start * dtype.byteSize
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: count * 4)
        case .bf16:
            for i in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
            }
        case .f16:
            for i in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                out[i] = Float(Float16(bitPattern: UInt16(littleEndian: bits)))
            }
        default:
            preconditionFailure("non-float tensors are rejected when the checkpoint is validated")
        }
    }

    /// Reads an integer tensor (I64, I32, U8, ...) as Int64; float tensors are rounded toward zero.
    public func int64s() -> [Int64] {
        if elementCount == 0 { return [] }
        var out = [Int64](repeating: 0, count: elementCount)
        let source = bytes
        for i in 0..<elementCount {
            switch dtype {
            case .i64: out[i] = Int64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
            case .u64: out[i] = Int64(truncatingIfNeeded: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
            case .i32: out[i] = Int64(Int32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
            case .u32: out[i] = Int64(UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            case .i16: out[i] = Int64(Int16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
            case .u16: out[i] = Int64(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            case .i8: out[i] = Int64(source.load(fromByteOffset: i, as: Int8.self))
            case .u8, .bool: out[i] = Int64(source.load(fromByteOffset: i, as: UInt8.self))
            case .f64: out[i] = Int64(source.loadUnaligned(fromByteOffset: 8 * i, as: Double.self))
            case .f32, .f16, .bf16:
                var f: Float = 0
                readFloats(from: i, count: 1, into: &f)
                out[i] = Int64(f)
            case .f8e4m3, .f8e5m2: out[i] = 0
            }
        }
        return out
    }

    /// Adds `count` elements starting at element `start` to `out` (used to gather embedding rows).
    public func addFloats(from start: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        let source = bytes + start * dtype.byteSize
        switch dtype {
        case .f32:
            for i in 0..<count { out[i] += source.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .bf16:
            for i in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                out[i] += Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
            }
        case .f16:
            for i in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                out[i] += Float(Float16(bitPattern: UInt16(littleEndian: bits)))
            }
        default:
            preconditionFailure("non-float tensors are rejected when the checkpoint is validated")
        }
    }
}

/// A parsed, memory-mapped `.safetensors` file. Parsing validates the header completely (sizes,
/// dtypes, offsets in range, byte counts, no overlaps) so later reads cannot fault.
public struct SafetensorsFile: Sendable {
    public let path: String
    public let tensors: [String: TensorSlice]
    public let metadata: [String: String]

    /// Largest header accepted (the format's own reference implementation uses 100 MB).
    public static let maximumHeaderSize = 100_000_000

    public init(path: String) throws(CheckpointError) {
        try self.init(mapped: try MappedFile(path: path))
    }

    /// Parses an already mapped (or copied) file.
    public init(mapped file: MappedFile) throws(CheckpointError) {
        let path = file.path
        self.path = path
        guard file.size >= 8, let base = file.base else {
            throw .truncatedHeader(path: path, fileSize: file.size, needed: 8)
        }
        let headerSize = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        if headerSize > UInt64(Self.maximumHeaderSize) {
            if headerSize > UInt64(file.size) {
                throw .truncatedHeader(path: path, fileSize: file.size, needed: headerSize > UInt64(Int.max - 8) ? Int.max : Int(headerSize) + 8)
            }
            throw .invalidHeader(path: path, reason: "header of \(headerSize) bytes exceeds the 100 MB limit")
        }
        let headerLength = Int(headerSize)
        guard 8 + headerLength <= file.size else {
            throw .truncatedHeader(path: path, fileSize: file.size, needed: 8 + headerLength)
        }
        let headerData = Data(bytes: base + 8, count: headerLength)
        do { try StrictJSONScan.check(UnsafeRawBufferPointer(start: base + 8, count: headerLength)) } catch {
            throw .invalidHeader(path: path, reason: error.reason)
        }
        let parsed: JSONValue
        do { parsed = try JSONDecoder().decode(JSONValue.self, from: headerData) } catch {
            throw .invalidHeader(path: path, reason: "header is not valid JSON (\(error))")
        }
        guard case .object(let entries) = parsed else {
            throw .invalidHeader(path: path, reason: "header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataSize = file.size - dataStart
        var tensors: [String: TensorSlice] = [:]
        var metadata: [String: String] = [:]
        var spans: [(begin: Int, end: Int, name: String)] = []
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                if case .object(let m) = entry {
                    for (k, v) in m { if case .string(let s) = v { metadata[k] = s } }
                }
                continue
            }
            guard case .object(let fields) = entry else {
                throw .invalidTensorEntry(path: path, tensor: name, reason: "entry is not an object")
            }
            guard case .string(let dtypeName)? = fields["dtype"] else {
                throw .invalidTensorEntry(path: path, tensor: name, reason: "missing string 'dtype'")
            }
            guard let dtype = TensorDType(rawValue: dtypeName) else {
                throw .unknownDType(path: path, tensor: name, dtype: dtypeName)
            }
            guard case .array(let shapeValues)? = fields["shape"] else {
                throw .invalidTensorEntry(path: path, tensor: name, reason: "missing array 'shape'")
            }
            var shape: [Int] = []
            for v in shapeValues {
                guard case .int(let d) = v, d >= 0 else {
                    throw .invalidTensorEntry(path: path, tensor: name, reason: "shape must hold non-negative integers")
                }
                shape.append(d)
            }
            guard case .array(let offsetValues)? = fields["data_offsets"], offsetValues.count == 2,
                  case .int(let begin) = offsetValues[0], case .int(let end) = offsetValues[1] else {
                throw .invalidTensorEntry(path: path, tensor: name, reason: "'data_offsets' must be two integers")
            }
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw .offsetsOutOfRange(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
            }
            var elements = 1
            var overflow = false
            for d in shape {
                let (product, didOverflow) = elements.multipliedReportingOverflow(by: d)
                elements = product
                overflow = overflow || didOverflow
            }
            let (expectedBytes, bytesOverflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            if overflow || bytesOverflow || expectedBytes != end - begin {
                throw .byteCountMismatch(path: path, tensor: name, shape: shape, dtype: dtypeName, byteCount: end - begin)
            }
            tensors[name] = TensorSlice(name: name, dtype: dtype, shape: shape, fileOffset: dataStart + begin,
                                        byteCount: end - begin, file: file)
            if end > begin { spans.append((begin, end, name)) }
        }
        spans.sort { $0.begin < $1.begin }
        for i in spans.indices.dropFirst() where spans[i].begin < spans[i - 1].end {
            throw .overlappingTensors(path: path, first: spans[i - 1].name, second: spans[i].name)
        }
        // The format requires the data section to be indexed entirely, without holes (as the reference
        // implementation checks): bytes that no tensor owns mean a damaged or doctored file.
        var covered = 0
        for span in spans {
            if span.begin != covered {
                throw .invalidHeader(path: path, reason: "data bytes \(covered)..<\(span.begin) before tensor '\(span.name)' belong to no tensor")
            }
            covered = span.end
        }
        if covered != dataSize {
            throw .invalidHeader(path: path, reason: "\(dataSize - covered) trailing data bytes after the last tensor belong to no tensor")
        }
        self.tensors = tensors
        self.metadata = metadata
    }
}

/// All tensors of a Hugging Face checkpoint directory: `model.safetensors`, or the shards listed by
/// `model.safetensors.index.json` (`weight_map`: tensor name -> shard file name).
public struct CheckpointFiles: Sendable {
    public let directory: String
    public let tensors: [String: TensorSlice]
    public let files: [String]

    /// Tensors that are not read from a directory (generated weights, see `RandomWeights`).
    package init(label: String, tensors: [String: TensorSlice]) {
        directory = label
        self.tensors = tensors
        files = []
    }

    public init(directory: URL) throws(CheckpointError) {
        self.directory = directory.path
        let single = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: single.path) {
            let file = try SafetensorsFile(path: single.path)
            tensors = file.tensors
            files = [single.path]
            return
        }
        guard FileManager.default.fileExists(atPath: index.path) else {
            throw .fileMissing(path: single.path)
        }
        let data: Data
        do { data = try RegularFile.read(index.path, limit: 256 << 20) } catch {
            throw .unreadable(path: index.path, reason: error.reason)
        }
        let parsed: JSONValue
        do { parsed = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw .invalidIndex(path: index.path, reason: "not valid JSON (\(error))")
        }
        guard case .object(let root) = parsed, case .object(let weightMap)? = root["weight_map"] else {
            throw .invalidIndex(path: index.path, reason: "missing object 'weight_map'")
        }
        var shardNames = Set<String>()
        for (tensor, value) in weightMap {
            guard case .string(let shard) = value else {
                throw .invalidIndex(path: index.path, reason: "weight_map['\(tensor)'] is not a file name")
            }
            if shard.contains("/") || shard == ".." {
                throw .invalidIndex(path: index.path, reason: "shard name '\(shard)' must be a plain file name")
            }
            shardNames.insert(shard)
        }
        var all: [String: TensorSlice] = [:]
        var paths: [String] = []
        for shard in shardNames.sorted() {
            let path = directory.appendingPathComponent(shard).path
            let file = try SafetensorsFile(path: path)
            paths.append(path)
            for (name, slice) in file.tensors {
                if let previous = all[name] {
                    throw .duplicateTensor(name: name, firstPath: previous.path, secondPath: path)
                }
                all[name] = slice
            }
        }
        for (tensor, value) in weightMap {
            guard case .string(let shard) = value else { continue }
            let expectedPath = directory.appendingPathComponent(shard).path
            guard let slice = all[tensor] else {
                throw .invalidIndex(path: index.path, reason: "tensor '\(tensor)' is not in its shard \(shard)")
            }
            if slice.path != expectedPath {
                throw .invalidIndex(path: index.path, reason: "tensor '\(tensor)' is in \(slice.path), index says \(shard)")
            }
        }
        tensors = all
        files = paths
    }
}
