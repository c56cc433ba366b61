/// Storage layout of a new dataset.
///
/// - `fixed`: contiguous storage, shape set at creation. Cheapest for small tables and attributes-like data.
/// - `appendable`: the first axis is unlimited (grows with `HDF5Dataset.append`), storage is chunked
///   along that axis and, for numeric data, compressed with shuffle + deflate (gzip), which every
///   HDF5 reader decodes without plugins. String datasets are chunked but never filtered: filters
///   on variable-length data only compress heap references and netCDF-C refuses them.
public struct HDF5DatasetOptions: Sendable, Equatable {
    /// Whether the first axis is unlimited (required for `append`).
    public var extendible: Bool
    /// Rows (first-axis entries) per chunk; nil picks about 256 KiB per chunk (h5py's guidance is
    /// 10 KiB–1 MiB; HDF5's default chunk cache is 1 MiB per dataset).
    public var chunkRows: Int?
    /// Deflate level 1...9 with the shuffle filter, or nil for no compression. Ignored for strings.
    public var compressionLevel: Int?

    public init(extendible: Bool, chunkRows: Int? = nil, compressionLevel: Int? = nil) {
        self.extendible = extendible
        self.chunkRows = chunkRows
        self.compressionLevel = compressionLevel
    }

    /// Contiguous storage with a fixed shape.
    public static let fixed = HDF5DatasetOptions(extendible: false)

    /// Unlimited first axis, chunked, shuffle + deflate at `compressionLevel` (default 4).
    public static func appendable(chunkRows: Int? = nil, compressionLevel: Int? = 4) -> HDF5DatasetOptions {
        HDF5DatasetOptions(extendible: true, chunkRows: chunkRows, compressionLevel: compressionLevel)
    }

    /// Fixed shape but chunked and compressed (for large one-shot arrays such as logits).
    public static func compressed(level: Int = 4, chunkRows: Int? = nil) -> HDF5DatasetOptions {
        HDF5DatasetOptions(extendible: false, chunkRows: chunkRows, compressionLevel: level)
    }

    /// Whether storage must be chunked.
    var isChunked: Bool { extendible || compressionLevel != nil }

    /// Chunk shape for a dataset of `shape`: `rows` along the first axis, whole trailing axes
    /// (a zero-length trailing axis gets chunk length 1, since HDF5 rejects zero chunk sizes).
    func chunkShape(for shape: [Int], elementWidth: Int) -> [Int] {
        let trailing = shape.dropFirst().map { max($0, 1) }
        let rowBytes = max(1, trailing.reduce(1, *) * elementWidth)
        var rows = chunkRows ?? max(1, (256 * 1024) / rowBytes)
        if !extendible, let first = shape.first { rows = min(rows, max(first, 1)) }
        return [max(rows, 1)] + trailing
    }
}
