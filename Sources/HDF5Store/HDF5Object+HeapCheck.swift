import CHDF5

/// Where ByteLens runs ``GlobalHeapCheck``: before every libhdf5 read that converts variable-length data
/// (string datasets and attributes, the `DIMENSION_LIST` references `H5DSget_num_scales` reads), in every
/// process, so that a damaged descriptor or heap object is a named ``HDF5Error/damaged(object:detail:)``
/// instead of memory corruption.
///
/// Storage the check cannot see is refused rather than read unchecked: variable-length data stored
/// through filters (compressed chunks), in external files or virtual datasets, and attributes kept in
/// dense storage or as shared messages. ByteLens and h5py write none of these for strings.
enum HeapReferences {
    /// The stored size of one sequence element when `type` is variable-length, else `nil`.
    ///
    /// Taken from the file's own base type, strings included (normally 1 byte per character): libhdf5
    /// sizes its conversion buffer as length × this size, so a damaged base type of 2^31 bytes would have it
    /// clear gigabytes for a four-character string, and one of 0 bytes would have it copy the heap object
    /// into its minimal buffer. Either way the product no longer equals the heap object's size.
    static func elementSize(of type: hid_t) throws -> Int? {
        guard H5Tis_variable_str(type) > 0 || H5Tget_class(type) == H5T_VLEN else { return nil }
        let base = try HDF5Call.id("reading the base type of a variable-length type") { H5Tget_super(type) }
        defer { H5Tclose(base) }
        return H5Tget_size(base)
    }

    /// The file address of the object header of `object`.
    static func headerAddress(_ object: hid_t, context: String) throws -> UInt64 {
        var info = H5O_info_t()
        try HDF5Call.status("locating the object header of \(context)") { H5Oget_info2(object, &info, UInt32(H5O_INFO_BASIC)) }
        return UInt64(info.addr)
    }

    /// Checks every element of the attribute `name` of `object` when its type is variable-length.
    static func checkAttribute(_ attribute: hid_t, of object: hid_t, name: String, owner: String) throws {
        let type = ScopedID.datatype(try HDF5Call.id("reading the type of attribute '\(name)' of \(owner)") { H5Aget_type(attribute) })
        guard let elementSize = try elementSize(of: type.id) else { return }
        let context = "attribute '\(name)' of \(owner)"
        let count = try HDF5AttributeIO.elementCount(attribute)
        let file = try HDF5RawFile(objectID: object, context: context)
        let header = try ObjectHeaderScan(file: file, address: try headerAddress(object, context: context), object: context)
        var check = GlobalHeapCheck(file: file)
        guard let data = header.attributeData(named: name) else {
            let elsewhere = header.mayHoldAttributesElsewhere(undefinedAddress: file.undefinedAddress, addressSize: file.addressSize)
            throw HDF5Error.damaged(object: context, detail: elsewhere
                ? "its variable-length data is kept in dense attribute storage or a shared message, which ByteLens cannot check before libhdf5 reads it"
                : "no attribute message of that name was found in the object header")
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: check.descriptorSize)
        guard !overflow, needed <= data.count else {
            throw HDF5Error.damaged(object: context, detail: "\(count) elements need \(overflow ? "more than Int.max" : "\(needed)") bytes but the message holds \(data.count)")
        }
        try check.check(descriptors: Array(data.prefix(needed)), firstElement: 0, elementSize: elementSize, object: context)
    }
}

extension HDF5Dataset {
    /// Checks the variable-length elements of rows `rows` (every row when `nil`) before libhdf5 reads them.
    func checkHeapReferences(rows: Range<Int>?) throws {
        let type = ScopedID.datatype(try HDF5Call.id("reading the type of \(displayName)") { H5Dget_type(id) })
        guard let elementSize = try HeapReferences.elementSize(of: type.id) else { return }
        let shape = try shape()
        let perRow = try checkedProduct(Array(shape.dropFirst()))
        let rowRange = rows ?? 0..<(shape.first ?? 1)
        if rowRange.isEmpty || perRow == 0 { return }
        let file = try HDF5RawFile(objectID: id, context: displayName)
        var check = GlobalHeapCheck(file: file)
        let width = check.descriptorSize
        let dcpl = ScopedID.propertyList(try HDF5Call.id("reading the storage of \(displayName)") { H5Dget_create_plist(id) })
        // Linear elements [first, last); the shape is untrusted, so every product is checked.
        let (first, firstOverflow) = rowRange.lowerBound.multipliedReportingOverflow(by: perRow)
        let (last, lastOverflow) = rowRange.upperBound.multipliedReportingOverflow(by: perRow)
        let (lastByte, byteOverflow) = last.multipliedReportingOverflow(by: width)
        guard !firstOverflow, !lastOverflow, !byteOverflow else {
            throw HDF5Error.shapeMismatch(object: displayName, detail: "rows \(rowRange) of \(perRow) elements overflow a 64-bit count")
        }
        func unsupported(_ what: String) -> HDF5Error {
            .damaged(object: displayName, detail: "its variable-length data is stored \(what), which ByteLens cannot check before libhdf5 reads it")
        }
        switch H5Pget_layout(dcpl.id) {
        case H5D_CONTIGUOUS:
            let offset = UInt64(H5Dget_offset(id))
            if offset == UInt64(bl_HADDR_UNDEF()) {
                if H5Dget_storage_size(id) == 0 { return }   // never written: fill values, no heap
                throw unsupported("in external files")
            }
            let block = 1 << 16
            var element = first
            while element < last {
                let count = min(block, last - element)
                let address = offset &- file.base &+ UInt64(element) &* UInt64(width)
                guard offset >= file.base, let bytes = file.bytes(at: address, count: count * width) else {
                    throw HDF5Error.damaged(object: displayName, detail: "its data (elements \(element)..<\(element + count) at \(offset)) lies outside the file")
                }
                try check.check(descriptors: bytes, firstElement: element, elementSize: elementSize, object: displayName)
                element += count
            }
        case H5D_COMPACT:
            let header = try ObjectHeaderScan(file: file, address: try HeapReferences.headerAddress(id, context: displayName), object: displayName)
            guard let data = header.compactData(), lastByte <= data.count else { throw unsupported("compactly in a form") }
            try check.check(descriptors: Array(data[(data.startIndex + first * width)..<(data.startIndex + last * width)]),
                            firstElement: first, elementSize: elementSize, object: displayName)
        case H5D_CHUNKED:
            try checkChunks(shape: shape, rows: rowRange, dcpl: dcpl.id, file: file, check: &check, elementSize: elementSize, unsupported: unsupported)
        default:
            throw unsupported("in a virtual dataset")
        }
    }

    /// The chunked case of ``checkHeapReferences(rows:)``: every allocated chunk that holds one of `rows`.
    private func checkChunks(shape: [Int], rows: Range<Int>, dcpl: hid_t, file: HDF5RawFile, check: inout GlobalHeapCheck,
                             elementSize: Int, unsupported: (String) -> HDF5Error) throws {
        let rank = shape.count
        var chunk = [hsize_t](repeating: 0, count: max(rank, 1))
        let chunkRank = try HDF5Call.status("reading the chunks of \(displayName)") { H5Pget_chunk(dcpl, Int32(rank), &chunk) }
        guard chunkRank == rank, chunk.allSatisfy({ $0 > 0 }) else { throw unsupported("in chunks of an unreadable shape") }
        let chunkShape = chunk.prefix(rank).map { Int($0) }
        let filters = Int(H5Pget_nfilters(dcpl))
        let perChunk = try checkedProduct(chunkShape)
        let width = check.descriptorSize
        let (chunkBytes, overflow) = perChunk.multipliedReportingOverflow(by: width)
        guard !overflow, chunkBytes <= HDF5RawFile.maxRead else { throw unsupported("in chunks past \(HDF5RawFile.maxRead) bytes") }
        // The grid of chunk origins that meet `rows` (all positions on the other axes), as an odometer.
        let firstChunkRow = rows.lowerBound / chunkShape[0] * chunkShape[0]
        var origin = [Int](repeating: 0, count: rank)
        origin[0] = firstChunkRow
        while origin[0] < rows.upperBound {
            var offset = origin.map { hsize_t($0) }
            var mask: UInt32 = 0, address: haddr_t = 0, size: hsize_t = 0
            try HDF5Call.status("locating a chunk of \(displayName)") { H5Dget_chunk_info_by_coord(id, &offset, &mask, &address, &size) }
            if UInt64(address) != UInt64(bl_HADDR_UNDEF()) {   // unallocated chunks read as fill values
                if filters > 0 && mask & ((1 << UInt32(filters)) - 1) != (1 << UInt32(filters)) - 1 {
                    throw unsupported("through filters (compressed chunks)")
                }
                guard let bytes = file.bytes(at: UInt64(address), count: chunkBytes) else {
                    throw HDF5Error.damaged(object: displayName, detail: "its chunk at \(origin) (\(chunkBytes) bytes at \(address)) lies outside the file")
                }
                try checkChunk(bytes, origin: origin, chunkShape: chunkShape, shape: shape, rows: rows, check: &check, elementSize: elementSize)
            }
            // Next origin: last axis fastest.
            var axis = rank - 1
            while axis >= 0 {
                let (next, overflow) = origin[axis].addingReportingOverflow(chunkShape[axis])
                origin[axis] = overflow ? Int.max : next
                if axis == 0 || origin[axis] < shape[axis] { break }
                origin[axis] = 0
                axis -= 1
            }
        }
    }

    /// Checks the elements of one chunk that lie inside the extent and in `rows`.
    private func checkChunk(_ bytes: [UInt8], origin: [Int], chunkShape: [Int], shape: [Int], rows: Range<Int>,
                            check: inout GlobalHeapCheck, elementSize: Int) throws {
        let width = check.descriptorSize
        var local = [Int](repeating: 0, count: shape.count)
        for element in 0..<(bytes.count / width) {
            if element > 0 {
                var axis = shape.count - 1
                while axis > 0 && local[axis] + 1 == chunkShape[axis] { local[axis] = 0; axis -= 1 }
                local[axis] += 1
            }
            var linear = 0
            var inside = true
            for axis in 0..<shape.count {
                let (coordinate, overflow) = origin[axis].addingReportingOverflow(local[axis])
                if overflow || coordinate >= shape[axis] || (axis == 0 && !rows.contains(coordinate)) { inside = false; break }
                linear = linear &* shape[axis] &+ coordinate   // only names the element in an error
            }
            if inside {
                try check.check(descriptors: Array(bytes[(element * width)..<((element + 1) * width)]), firstElement: linear,
                                elementSize: elementSize, object: displayName)
            }
        }
    }
}
