/// Everything that can be wrong with a checkpoint directory or a safetensors file. Every case names
/// the file and, where relevant, the tensor, so a user can find the broken piece.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// A required file does not exist (`model.safetensors`, an index, or a shard named by the index).
    case fileMissing(path: String)
    case unreadable(path: String, reason: String)
    /// The file ends before the 8-byte header length or before the header it announces.
    case truncatedHeader(path: String, fileSize: Int, needed: Int)
    /// The JSON header does not parse, or is not an object of tensor entries.
    case invalidHeader(path: String, reason: String)
    /// One header entry lacks `dtype`/`shape`/`data_offsets` or has values of the wrong kind.
    case invalidTensorEntry(path: String, tensor: String, reason: String)
    /// A dtype string the safetensors format does not define.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A valid safetensors dtype that a BLT weight cannot have (only F32, BF16, F16 are accepted).
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// `data_offsets` point outside the data section (typical of a truncated file).
    case offsetsOutOfRange(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// `end - begin` differs from `product(shape) * dtype size`.
    case byteCountMismatch(path: String, tensor: String, shape: [Int], dtype: String, byteCount: Int)
    /// Two tensors share bytes.
    case overlappingTensors(path: String, first: String, second: String)
    /// `model.safetensors.index.json` is malformed.
    case invalidIndex(path: String, reason: String)
    /// The same tensor name appears in two shards.
    case duplicateTensor(name: String, firstPath: String, secondPath: String)
    /// A tensor the config requires is absent from every file.
    case missingTensor(name: String, expectedShape: [Int], directory: String)
    /// A tensor is present with a shape that does not match the config.
    case wrongShape(path: String, tensor: String, expected: [Int], actual: [Int])
    /// Generated (random-initialised) weights would exceed `RandomWeights.maxElements`.
    case tensorTooLarge(name: String, elements: String, limit: Int)

    public var description: String {
        switch self {
        case let .fileMissing(path): return "\(path): file not found"
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .truncatedHeader(path, size, needed):
            return "\(path): truncated safetensors header (file has \(size) bytes, header needs \(needed))"
        case let .invalidHeader(path, reason): return "\(path): invalid safetensors header: \(reason)"
        case let .invalidTensorEntry(path, tensor, reason): return "\(path): tensor '\(tensor)': invalid header entry: \(reason)"
        case let .unknownDType(path, tensor, dtype): return "\(path): tensor '\(tensor)': unknown dtype '\(dtype)'"
        case let .unsupportedDType(path, tensor, dtype):
            return "\(path): tensor '\(tensor)': dtype \(dtype) is not supported for weights (expected F32, BF16 or F16)"
        case let .offsetsOutOfRange(path, tensor, begin, end, dataSize):
            return "\(path): tensor '\(tensor)': data_offsets [\(begin), \(end)) exceed the data section of \(dataSize) bytes (file truncated?)"
        case let .byteCountMismatch(path, tensor, shape, dtype, byteCount):
            return "\(path): tensor '\(tensor)': \(byteCount) bytes do not hold shape \(shape) of \(dtype)"
        case let .overlappingTensors(path, first, second):
            return "\(path): tensors '\(first)' and '\(second)' have overlapping data_offsets"
        case let .invalidIndex(path, reason): return "\(path): invalid safetensors index: \(reason)"
        case let .duplicateTensor(name, first, second): return "tensor '\(name)' appears in both \(first) and \(second)"
        case let .missingTensor(name, shape, directory):
            return "\(directory): missing tensor '\(name)' (expected shape \(shape))"
        case let .tensorTooLarge(name, elements, limit):
            return "random initialisation: tensor '\(name)' needs \(elements) values, more than the limit of \(limit)"
        case let .wrongShape(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)' has shape \(actual), expected \(expected)"
        }
    }
}
