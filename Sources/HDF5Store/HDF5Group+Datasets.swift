import CHDF5

/// Creating datasets in a group.
extension HDF5Group {
    /// Creates an empty dataset of `type` and `shape` (`[]` = scalar; with `.appendable` the first
    /// axis usually starts at 0 and grows by `append`). Object timestamps are off so identical
    /// content gives identical bytes. Booleans get the attribute `dtype="bool"` (xarray decodes it).
    /// A name that exists throws HDF5's "name already exists" error.
    public func createDataset(_ name: String, type: HDF5ElementType, shape: [Int],
                              options: HDF5DatasetOptions = .fixed) throws -> HDF5Dataset {
        try requireOpen()
        let target = childPath(name)
        let display = "\(fileName):\(target)"
        if shape.contains(where: { $0 < 0 }) {
            throw HDF5Error.shapeMismatch(object: display, detail: "negative extent in \(shape)")
        }
        if options.isChunked && shape.isEmpty {
            throw HDF5Error.shapeMismatch(object: display, detail: "a scalar dataset cannot be chunked or extendible")
        }
        let space: ScopedID
        if shape.isEmpty {
            space = .dataspace(try HDF5Call.id("creating a scalar space") { H5Screate(H5S_SCALAR) })
        } else {
            let dims = shape.map { hsize_t($0) }
            var maxDims = dims
            if options.extendible { maxDims[0] = bl_H5S_UNLIMITED() }
            space = .dataspace(try HDF5Call.id("creating the space of \(display)") {
                H5Screate_simple(Int32(dims.count), dims, maxDims)
            })
        }
        let dcpl = ScopedID.propertyList(try HDF5Call.id("creating dataset properties") { H5Pcreate(bl_H5P_DATASET_CREATE()) })
        try HDF5Call.status("disabling timestamps of \(display)") { H5Pset_obj_track_times(dcpl.id, false) }
        if options.isChunked {
            let chunk = options.chunkShape(for: shape, elementWidth: type.byteWidth).map { hsize_t($0) }
            try HDF5Call.status("chunking \(display)") { H5Pset_chunk(dcpl.id, Int32(chunk.count), chunk) }
            if let level = options.compressionLevel, type != .string {
                try HDF5Call.status("adding shuffle to \(display)") { H5Pset_shuffle(dcpl.id) }
                try HDF5Call.status("adding deflate to \(display)") { H5Pset_deflate(dcpl.id, UInt32(min(max(level, 1), 9))) }
            }
            if type != .string {
                // Last in the pipeline, so it checks the bytes as stored: a damaged chunk is reported as an
                // error on read ("Fletcher32 checksum failed"), not decompressed into garbage or a crash.
                try HDF5Call.status("adding the Fletcher-32 checksum to \(display)") { H5Pset_fletcher32(dcpl.id) }
            }
        }
        var stringType: ScopedID?
        if type == .string { stringType = try makeUTF8StringType() }
        let fileType = stringType?.id ?? type.fileType
        let datasetID = try HDF5Call.id("creating dataset \(display)") {
            H5Dcreate2(id, name, fileType, space.id, bl_H5P_DEFAULT(), dcpl.id, bl_H5P_DEFAULT())
        }
        if type == .bool {
            try HDF5AttributeIO.writeStrings(datasetID, "dtype", ["bool"], scalar: true, owner: display)
        }
        return try HDF5Dataset(id: datasetID, path: target, fileName: fileName)
    }

    /// Creates a dataset and writes `values` (row-major). `shape` defaults to `[values.count]`.
    @discardableResult
    public func createDataset<T: HDF5Scalar>(_ name: String, values: [T], shape: [Int]? = nil,
                                             options: HDF5DatasetOptions = .fixed) throws -> HDF5Dataset {
        let shape = shape ?? [values.count]
        let dataset = try createDataset(name, type: T.hdf5Type, shape: shape, options: options)
        try dataset.write(values)
        return dataset
    }

    /// Creates a 1-D (or `shape`-shaped) variable-length UTF-8 string dataset and writes `strings`.
    @discardableResult
    public func createDataset(_ name: String, strings: [String], shape: [Int]? = nil,
                              options: HDF5DatasetOptions = .fixed) throws -> HDF5Dataset {
        let shape = shape ?? [strings.count]
        let dataset = try createDataset(name, type: .string, shape: shape, options: options)
        try dataset.writeStrings(strings)
        return dataset
    }
}
