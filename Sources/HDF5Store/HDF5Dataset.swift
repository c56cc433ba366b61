import CHDF5

/// An open HDF5 dataset of numbers, booleans (stored as uint8) or UTF-8 strings, of any rank.
///
/// Row-oriented operations (`write(_:rows:)`, `append`, `read(rows:)`, `resize(rows:)`) act on the
/// first axis; values are always flat arrays in row-major (C) order, the order h5py and numpy use.
public final class HDF5Dataset: HDF5Object {
    /// The element type; `bool` when the dataset is uint8 with the attribute `dtype="bool"`.
    public let elementType: HDF5ElementType

    init(id: hid_t, path: String, fileName: String) throws {
        let type = ScopedID.datatype(try HDF5Call.id("reading the type of \(fileName):\(path)") { H5Dget_type(id) })
        guard var element = HDF5ElementType.classify(type.id) else {
            _ = H5Dclose(id)
            throw HDF5Error.typeMismatch(object: "\(fileName):\(path)", expected: "a numeric or string type",
                                         found: "an unsupported HDF5 type class")
        }
        if element == .uint8, (try? HDF5AttributeIO.readStrings(id, "dtype", owner: "\(fileName):\(path)")) == ["bool"] {
            element = .bool
        }
        self.elementType = element
        super.init(id: id, path: path, fileName: fileName, close: { H5Dclose($0) })
    }

    /// Current extent of every axis (empty for a scalar dataset).
    public func shape() throws -> [Int] {
        try extents().current
    }

    /// Maximum extent of every axis; nil means unlimited.
    public func maxShape() throws -> [Int?] {
        try extents().maximum
    }

    /// Number of axes (0 for a scalar).
    public func rank() throws -> Int { try shape().count }

    /// Total number of elements.
    public func count() throws -> Int { try checkedProduct(try shape()) }

    func extents() throws -> (current: [Int], maximum: [Int?]) {
        try requireOpen()
        let space = ScopedID.dataspace(try HDF5Call.id("reading the shape of \(displayName)") { H5Dget_space(id) })
        let rank = Int(try HDF5Call.status("reading the rank of \(displayName)") { H5Sget_simple_extent_ndims(space.id) })
        var dims = [hsize_t](repeating: 0, count: rank)
        var maxDims = [hsize_t](repeating: 0, count: rank)
        try HDF5Call.status("reading the shape of \(displayName)") { H5Sget_simple_extent_dims(space.id, &dims, &maxDims) }
        let unlimited = bl_H5S_UNLIMITED()
        // A damaged file can claim extents beyond Int.max: an error, not a trap.
        guard dims.allSatisfy({ $0 <= hsize_t(Int.max) }) else {
            throw HDF5Error.shapeMismatch(object: displayName, detail: "extent \(dims) does not fit a 64-bit count (damaged file?)")
        }
        return (dims.map { Int($0) }, maxDims.map { $0 == unlimited || $0 > hsize_t(Int.max) ? nil : Int($0) })
    }

    /// Elements per first-axis row (1 for rank 1, product of trailing axes otherwise); saturates at
    /// `Int.max` (a read of such rows is then refused by `checkReadable`).
    func rowElementCount(_ shape: [Int]) -> Int { (try? checkedProduct(Array(shape.dropFirst()))) ?? Int.max }

    /// The product of `dimensions`, or an error when it overflows.
    func checkedProduct(_ dimensions: [Int]) throws -> Int {
        var product = 1
        for d in dimensions {
            let (next, overflow) = product.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw HDF5Error.shapeMismatch(object: displayName, detail: "shape \(dimensions) holds more than Int.max elements (damaged file?)")
            }
            product = next
        }
        return product
    }

    /// Reading more than 1100× the bytes a dataset stores (deflate cannot compress beyond ~1032:1), and
    /// more than 64 MiB, can only come from a damaged or doctored file (e.g. a 2^36-row chunked dataset in
    /// a 1 MB file, whose missing chunks would read as fill values): refused before anything is allocated.
    func checkReadable(elements: Int, width: Int) throws {
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: width)
        let stored = Int(clamping: H5Dget_storage_size(id))
        let allowance = max(64 << 20, stored.multipliedReportingOverflow(by: 1100).overflow ? Int.max : stored * 1100)
        if overflow || bytes > allowance {
            throw HDF5Error.shapeMismatch(object: displayName,
                detail: "reading \(elements) elements (\(overflow ? "> Int.max" : "\(bytes)") bytes) from \(stored) stored bytes exceeds the limit of \(allowance) bytes (damaged file?)")
        }
    }

    func requireType(_ requested: HDF5ElementType) throws {
        let stored = elementType
        let compatible = requested == stored || (requested == .uint8 && stored == .bool)
        if !compatible {
            throw HDF5Error.typeMismatch(object: displayName, expected: requested.rawValue, found: stored.rawValue)
        }
    }

    // MARK: Writing numbers

    /// Overwrites the whole dataset. `values.count` must equal the product of the current shape.
    public func write<T: HDF5Scalar>(_ values: [T]) throws {
        let shape = try self.shape()
        try requireType(T.hdf5Type)
        guard values.count == shape.reduce(1, *) else {
            throw HDF5Error.shapeMismatch(object: displayName,
                detail: "\(values.count) values for shape \(shape) (\(shape.reduce(1, *)) elements)")
        }
        try HDF5Buffer.withBytes(values) { pointer in
            try HDF5Call.status("writing \(displayName)") {
                H5Dwrite(id, T.hdf5Type.memoryType, bl_H5S_ALL(), bl_H5S_ALL(), bl_H5P_DEFAULT(), pointer)
            }
        }
    }

    /// Writes whole rows `rows` of the first axis (already inside the current extent).
    public func write<T: HDF5Scalar>(_ values: [T], rows: Range<Int>) throws {
        try requireType(T.hdf5Type)
        try withRowSelection(rows, valueCount: values.count) { memory, file in
            try HDF5Buffer.withBytes(values) { pointer in
                try HDF5Call.status("writing rows \(rows) of \(displayName)") {
                    H5Dwrite(id, T.hdf5Type.memoryType, memory, file, bl_H5P_DEFAULT(), pointer)
                }
            }
        }
    }

    /// Grows the first axis by `values.count / rowElements` rows and writes them; returns the new rows.
    /// Needs an extendible dataset; an empty array appends nothing.
    @discardableResult
    public func append<T: HDF5Scalar>(_ values: [T]) throws -> Range<Int> {
        try requireType(T.hdf5Type)
        let rows = try growRows(for: values.count)
        if !rows.isEmpty { try write(values, rows: rows) }
        return rows
    }

    /// Sets the first-axis length (shrinking discards rows; growing adds fill-value rows).
    /// Needs an extendible dataset for growth past the creation size.
    public func resize(rows: Int) throws {
        var shape = try self.shape()
        guard !shape.isEmpty else {
            throw HDF5Error.shapeMismatch(object: displayName, detail: "a scalar dataset has no rows to resize")
        }
        shape[0] = rows
        let dims = shape.map { hsize_t($0) }
        try HDF5Call.status("resizing \(displayName) to \(rows) rows") { H5Dset_extent(id, dims) }
    }

    func growRows(for valueCount: Int) throws -> Range<Int> {
        let shape = try self.shape()
        guard let first = shape.first else {
            throw HDF5Error.shapeMismatch(object: displayName, detail: "cannot append to a scalar dataset")
        }
        let perRow = rowElementCount(shape)
        guard perRow > 0 ? valueCount % perRow == 0 : valueCount == 0 else {
            throw HDF5Error.shapeMismatch(object: displayName,
                detail: "\(valueCount) values are not whole rows of \(perRow) elements (shape \(shape))")
        }
        let added = perRow > 0 ? valueCount / perRow : 0
        if added > 0 { try resize(rows: first + added) }
        return first..<(first + added)
    }

    /// Selects `rows` in the file and a matching memory space, checking `valueCount`.
    func withRowSelection(_ rows: Range<Int>, valueCount: Int, _ body: (hid_t, hid_t) throws -> Void) throws {
        let shape = try self.shape()
        guard let first = shape.first else {
            throw HDF5Error.shapeMismatch(object: displayName, detail: "a scalar dataset has no rows")
        }
        guard rows.lowerBound >= 0, rows.upperBound <= first else {
            throw HDF5Error.shapeMismatch(object: displayName, detail: "rows \(rows) outside 0..<\(first)")
        }
        let perRow = rowElementCount(shape)
        let (expected, overflow) = rows.count.multipliedReportingOverflow(by: perRow)
        guard !overflow, valueCount == expected else {
            throw HDF5Error.shapeMismatch(object: displayName,
                detail: "\(valueCount) values for \(rows.count) rows of \(perRow) elements")
        }
        if rows.isEmpty { return }
        let count = [hsize_t(rows.count)] + shape.dropFirst().map { hsize_t($0) }
        let start = [hsize_t(rows.lowerBound)] + Array(repeating: hsize_t(0), count: shape.count - 1)
        let file = ScopedID.dataspace(try HDF5Call.id("selecting rows of \(displayName)") { H5Dget_space(id) })
        try HDF5Call.status("selecting rows \(rows) of \(displayName)") {
            H5Sselect_hyperslab(file.id, H5S_SELECT_SET, start, nil, count, nil)
        }
        let memory = ScopedID.dataspace(try HDF5Call.id("creating a memory space") {
            H5Screate_simple(Int32(count.count), count, nil)
        })
        try body(memory.id, file.id)
    }

    // MARK: Reading numbers

    /// Reads every element (row-major). Reading a bool dataset as `UInt8` is allowed.
    public func read<T: HDF5Scalar>(as type: T.Type = T.self) throws -> [T] {
        try requireType(T.hdf5Type)
        let total = try count()
        try checkReadable(elements: total, width: MemoryLayout<T>.stride)
        return try HDF5Buffer.read(T.self, count: total) { pointer in
            try HDF5Call.status("reading \(displayName)") {
                H5Dread(id, T.hdf5Type.memoryType, bl_H5S_ALL(), bl_H5S_ALL(), bl_H5P_DEFAULT(), pointer)
            }
        }
    }

    /// Reads every element letting HDF5 convert between numeric types (e.g. any integer column as
    /// `Int64`, any float column as `Double`). Out-of-range values are clipped by HDF5's conversion;
    /// use the exact-type `read(as:)` when that matters. Strings throw `typeMismatch`.
    public func read<T: HDF5Scalar>(as type: T.Type, converting: Bool) throws -> [T] {
        guard converting else { return try read(as: T.self) }
        if elementType == .string {
            throw HDF5Error.typeMismatch(object: displayName, expected: T.hdf5Type.rawValue, found: "string")
        }
        let total = try count()
        try checkReadable(elements: total, width: MemoryLayout<T>.stride)
        return try HDF5Buffer.read(T.self, count: total) { pointer in
            try HDF5Call.status("reading \(displayName) as \(T.hdf5Type)") {
                H5Dread(id, T.hdf5Type.memoryType, bl_H5S_ALL(), bl_H5S_ALL(), bl_H5P_DEFAULT(), pointer)
            }
        }
    }

    /// Reads whole rows `rows` of the first axis.
    public func read<T: HDF5Scalar>(rows: Range<Int>, as type: T.Type = T.self) throws -> [T] {
        try requireType(T.hdf5Type)
        let perRow = rowElementCount(try shape())
        let (total, overflow) = rows.count.multipliedReportingOverflow(by: perRow)
        guard !overflow, rows.lowerBound >= 0 else {
            throw HDF5Error.shapeMismatch(object: displayName, detail: "rows \(rows) of \(perRow) elements overflow a 64-bit count")
        }
        try checkReadable(elements: total, width: MemoryLayout<T>.stride)
        var result: [T] = []
        try withRowSelection(rows, valueCount: total) { memory, file in
            result = try HDF5Buffer.read(T.self, count: total) { pointer in
                try HDF5Call.status("reading rows \(rows) of \(displayName)") {
                    H5Dread(id, T.hdf5Type.memoryType, memory, file, bl_H5P_DEFAULT(), pointer)
                }
            }
        }
        return result
    }

    /// Reads a scalar (rank-0) or one-element dataset.
    public func readScalar<T: HDF5Scalar>(as type: T.Type = T.self) throws -> T {
        let values: [T] = try read()
        guard values.count == 1 else {
            throw HDF5Error.shapeMismatch(object: displayName, detail: "expected one element, found \(values.count)")
        }
        return values[0]
    }

    /// Storage facts for summaries: chunk shape (nil when contiguous) and filter names.
    public func storageDescription() throws -> (chunks: [Int]?, filters: [String]) {
        try requireOpen()
        let dcpl = ScopedID.propertyList(try HDF5Call.id("reading storage of \(displayName)") { H5Dget_create_plist(id) })
        var chunks: [Int]?
        if H5Pget_layout(dcpl.id) == H5D_CHUNKED {
            let rank = Int(H5Pget_chunk(dcpl.id, 0, nil))
            var dims = [hsize_t](repeating: 0, count: max(rank, 0))
            _ = H5Pget_chunk(dcpl.id, Int32(rank), &dims)
            chunks = dims.map { Int($0) }
        }
        var filters: [String] = []
        for index in 0..<max(0, H5Pget_nfilters(dcpl.id)) {
            var flags: UInt32 = 0
            var elements = 8
            var values = [UInt32](repeating: 0, count: 8)
            var name = [CChar](repeating: 0, count: 64)
            var config: UInt32 = 0
            _ = H5Pget_filter2(dcpl.id, UInt32(index), &flags, &elements, &values, name.count, &name, &config)
            filters.append(stringFromCBuffer(name))
        }
        return (chunks, filters)
    }
}
