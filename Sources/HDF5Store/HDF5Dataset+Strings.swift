import CHDF5

/// Variable-length UTF-8 string datasets (test names, level names, JSON blobs).
///
/// Why variable-length: h5netcdf/xarray decode it to Python `str` with no extra attributes, h5py
/// returns `bytes` (or `str` with `.asstr()`), HDFView and h5dump show the text. Fixed-width
/// strings would come back as `bytes` everywhere and need a width chosen in advance. Strings with
/// interior NUL characters are cut at the NUL (C strings).
extension HDF5Dataset {
    /// Overwrites the whole string dataset.
    public func writeStrings(_ strings: [String]) throws {
        try requireType(.string)
        let total = try count()
        guard strings.count == total else {
            throw HDF5Error.shapeMismatch(object: displayName, detail: "\(strings.count) strings for \(total) elements")
        }
        if total == 0 { return }
        let type = try makeUTF8StringType()
        try withCStringArray(strings) { pointer in
            try HDF5Call.status("writing \(displayName)") {
                H5Dwrite(id, type.id, bl_H5S_ALL(), bl_H5S_ALL(), bl_H5P_DEFAULT(), pointer)
            }
        }
    }

    /// Writes strings into existing rows.
    public func writeStrings(_ strings: [String], rows: Range<Int>) throws {
        try requireType(.string)
        let type = try makeUTF8StringType()
        try withRowSelection(rows, valueCount: strings.count) { memory, file in
            try withCStringArray(strings) { pointer in
                try HDF5Call.status("writing rows \(rows) of \(displayName)") {
                    H5Dwrite(id, type.id, memory, file, bl_H5P_DEFAULT(), pointer)
                }
            }
        }
    }

    /// Appends strings as new rows of an extendible dataset.
    @discardableResult
    public func appendStrings(_ strings: [String]) throws -> Range<Int> {
        try requireType(.string)
        let rows = try growRows(for: strings.count)
        if !rows.isEmpty { try writeStrings(strings, rows: rows) }
        return rows
    }

    /// Reads every string (variable- or fixed-length storage).
    public func readStrings() throws -> [String] {
        try requireType(.string)
        let total = try count()
        try checkReadable(elements: total, width: 16)
        try checkHeapReferences(rows: nil)
        let fileType = ScopedID.datatype(try HDF5Call.id("reading the type of \(displayName)") { H5Dget_type(id) })
        let space = ScopedID.dataspace(try HDF5Call.id("reading the space of \(displayName)") { H5Dget_space(id) })
        return try readStringElements(fileType: fileType.id, space: space.id, count: total, context: displayName) {
            H5Dread(id, $0, bl_H5S_ALL(), bl_H5S_ALL(), bl_H5P_DEFAULT(), $1)
        }
    }

    /// Reads the strings of rows `rows`.
    public func readStrings(rows: Range<Int>) throws -> [String] {
        try requireType(.string)
        let fileType = ScopedID.datatype(try HDF5Call.id("reading the type of \(displayName)") { H5Dget_type(id) })
        let perRow = rowElementCount(try shape())
        let (total, overflow) = rows.count.multipliedReportingOverflow(by: perRow)
        guard !overflow else { throw HDF5Error.shapeMismatch(object: displayName, detail: "rows \(rows) overflow a 64-bit count") }
        try checkReadable(elements: total, width: 16)
        try checkHeapReferences(rows: rows)
        var result: [String] = []
        try withRowSelection(rows, valueCount: rows.count * perRow) { memory, file in
            result = try readStringElements(fileType: fileType.id, space: memory, count: rows.count * perRow,
                                            context: "rows \(rows) of \(displayName)") {
                H5Dread(id, $0, memory, file, bl_H5P_DEFAULT(), $1)
            }
        }
        return result
    }
}
