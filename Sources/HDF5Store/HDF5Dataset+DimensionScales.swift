import CHDF5

/// Dimension scales (HDF5 high-level H5DS API), named the way netCDF-4 and h5netcdf expect so that
/// `xarray.open_dataset(path, engine="h5netcdf", group=...)` works without `phony_dims`.
///
/// netCDF rules that matter here: a dimension's name is the *link name* of its scale dataset; a
/// scale is found by readers only in the variable's own group or an ancestor group; an axis without
/// coordinate values uses a scale whose `NAME` attribute starts with
/// "This is a netCDF dimension but not a netCDF variable." (netCDF-C `DIM_WITHOUT_VARIABLE`,
/// h5netcdf `NOT_A_VARIABLE`), so it does not show up as a variable. Unlimited dimensions take the
/// length of the longest attached variable in h5netcdf and netCDF-C.
extension HDF5Dataset {
    /// netCDF-C's marker text for a dimension that has no coordinate variable.
    public static let netCDFDimensionWithoutVariable = "This is a netCDF dimension but not a netCDF variable."

    /// Marks this 1-D dataset as a dimension scale. `coordinateName` nil makes it a netCDF
    /// "dimension without variable" (the NAME attribute gets netCDF-C's marker plus the length,
    /// formatted like netCDF-C's `%10d`).
    public func makeDimensionScale(coordinateName: String?) throws {
        try requireOpen()
        let length = try shape().first ?? 0
        let name = coordinateName ?? Self.netCDFDimensionWithoutVariable + Self.padded(length, width: 10)
        try HDF5Call.status("making \(displayName) a dimension scale") { H5DSset_scale(id, name) }
    }

    /// Whether this dataset is a dimension scale: its `CLASS` attribute is the string "DIMENSION_SCALE".
    ///
    /// Read with ByteLens' own attribute reader rather than `H5DSis_scale`, which in the HL library 1.10.8
    /// frees its buffer twice (glibc aborts) when `CLASS` is a 16-byte string other than "DIMENSION_SCALE".
    /// A `CLASS` that is not a string means "not a scale", as in `H5DSis_scale`.
    public func isDimensionScale() throws -> Bool {
        try requireOpen()
        guard try hasAttribute("CLASS") else { return false }
        let attribute = try HDF5AttributeIO.open(id, "CLASS", owner: displayName)
        let type = ScopedID.datatype(try HDF5Call.id("reading the type of attribute 'CLASS' of \(displayName)") { H5Aget_type(attribute.id) })
        guard H5Tget_class(type.id) == H5T_STRING else { return false }
        return try HDF5AttributeIO.readStrings(id, "CLASS", owner: displayName).first == "DIMENSION_SCALE"
    }

    /// Attaches `scale` to axis `axis` of this dataset and labels the axis with the scale's name.
    public func attach(scale: HDF5Dataset, axis: Int, label: String? = nil) throws {
        try requireOpen()
        try scale.requireOpen()
        try HDF5Call.status("attaching \(scale.displayName) to axis \(axis) of \(displayName)") {
            H5DSattach_scale(id, scale.id, UInt32(axis))
        }
        if let label {
            try HDF5Call.status("labelling axis \(axis) of \(displayName)") { H5DSset_label(id, UInt32(axis), label) }
        }
    }

    /// The label of axis `axis` (empty when unlabelled).
    ///
    /// Reads the `DIMENSION_LABELS` attribute that `H5DSset_label` writes (one string per axis) with
    /// ByteLens' own attribute reader rather than `H5DSget_label`: on a damaged attribute the HL library
    /// 1.10.8 frees an invalid pointer (abort) or allocates gigabytes, where this returns an error.
    public func axisLabel(_ axis: Int) throws -> String {
        try requireOpen()
        guard try hasAttribute("DIMENSION_LABELS") else { return "" }
        let labels = try stringArrayAttribute("DIMENSION_LABELS")
        let rank = try self.rank()
        guard labels.count == rank else {
            throw HDF5Error.shapeMismatch(object: "attribute 'DIMENSION_LABELS' of \(displayName)",
                                          detail: "\(labels.count) labels for \(rank) axes")
        }
        return axis >= 0 && axis < labels.count ? labels[axis] : ""
    }

    /// Number of scales attached to axis `axis`.
    ///
    /// `H5DSget_num_scales` reads `DIMENSION_LIST` into a buffer sized by the dataset's rank, so the
    /// attribute's length and heap references are checked first (a longer list would overflow it).
    public func scaleCount(axis: Int) throws -> Int {
        try requireOpen()
        if try hasAttribute("DIMENSION_LIST") {
            let attribute = try HDF5AttributeIO.open(id, "DIMENSION_LIST", owner: displayName)
            let count = try HDF5AttributeIO.elementCount(attribute.id)
            let rank = try self.rank()
            guard count == rank else {
                throw HDF5Error.shapeMismatch(object: "attribute 'DIMENSION_LIST' of \(displayName)", detail: "\(count) entries for \(rank) axes")
            }
            try HeapReferences.checkAttribute(attribute.id, of: id, name: "DIMENSION_LIST", owner: displayName)
        }
        return Int(try HDF5Call.status("counting scales of \(displayName)") { H5DSget_num_scales(id, UInt32(axis)) })
    }

    static func padded(_ value: Int, width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

/// Dimensions by name, the netCDF way: a dimension is a scale dataset in this group named after it.
extension HDF5Group {
    /// Creates a dimension `name` of `length` in this group as a netCDF "dimension without
    /// variable": a float32 scale whose data is never written (a chunked unwritten dataset takes no
    /// space). `unlimited` makes it growable; keep it in step with `growDimension`.
    @discardableResult
    public func createDimension(_ name: String, length: Int, unlimited: Bool = false) throws -> HDF5Dataset {
        let options: HDF5DatasetOptions = unlimited ? .init(extendible: true, chunkRows: 1024) : .fixed
        let scale = try createDataset(name, type: .float32, shape: [length], options: options)
        try scale.makeDimensionScale(coordinateName: nil)
        return scale
    }

    /// Creates a dimension whose scale holds coordinate values (e.g. hook names), visible to
    /// xarray as a coordinate variable named `name`.
    @discardableResult
    public func createCoordinateDimension<T: HDF5Scalar>(_ name: String, values: [T],
                                                        options: HDF5DatasetOptions = .fixed) throws -> HDF5Dataset {
        let scale = try createDataset(name, values: values, options: options)
        try scale.makeDimensionScale(coordinateName: name)
        return scale
    }

    /// String-valued coordinate dimension (e.g. the hook axis).
    @discardableResult
    public func createCoordinateDimension(_ name: String, strings: [String]) throws -> HDF5Dataset {
        let scale = try createDataset(name, strings: strings)
        try scale.makeDimensionScale(coordinateName: name)
        return scale
    }

    /// Finds the scale for dimension `name` in this group or the nearest ancestor (netCDF's scoping).
    public func dimensionScale(_ name: String) throws -> HDF5Dataset {
        var groupPath = path
        while true {
            let candidate = groupPath == "/" ? "/" + name : groupPath + "/" + name
            var info = H5O_info_t()
            let isDataset = H5Lexists(id, candidate, bl_H5P_DEFAULT()) > 0
                && H5Oget_info_by_name2(id, candidate, &info, UInt32(H5O_INFO_BASIC), bl_H5P_DEFAULT()) >= 0
                && info.type == H5O_TYPE_DATASET
            H5Eclear2(bl_H5E_DEFAULT())
            if isDataset {
                try checkLayoutBeforeOpening(candidate, display: "\(fileName):\(candidate)")
                let datasetID = try HDF5Call.id("opening dimension \(candidate) in \(fileName)") {
                    H5Dopen2(id, candidate, bl_H5P_DEFAULT())
                }
                let scale = try HDF5Dataset(id: datasetID, path: candidate, fileName: fileName)
                if try scale.isDimensionScale() { return scale }
            }
            if groupPath == "/" { break }
            groupPath = String(groupPath[..<(groupPath.lastIndex(of: "/") ?? groupPath.startIndex)])
            if groupPath.isEmpty { groupPath = "/" }
        }
        throw HDF5Error.notFound(kind: "dimension", name: name, in: "\(displayName) or its ancestors")
    }

    /// Attaches the named dimensions (one per axis, in order) to `dataset`, labelling each axis.
    ///
    /// A dimension not found in this group or an ancestor is created here as a dimension without
    /// variable, with the axis' length (unlimited when the axis is). A fixed-length dimension whose
    /// length differs from the axis is an error, because netCDF readers (xarray) would reject the
    /// file with "conflicting sizes"; unlimited dimensions may differ (readers take the maximum).
    public func attachDimensions(_ names: [String], to dataset: HDF5Dataset) throws {
        let (shape, maxShape) = try dataset.extents()
        guard names.count == shape.count else {
            throw HDF5Error.shapeMismatch(object: dataset.displayName,
                                          detail: "\(names.count) dimension names \(names) for rank \(shape.count)")
        }
        for (axis, name) in names.enumerated() {
            let scale: HDF5Dataset
            do {
                scale = try dimensionScale(name)
            } catch HDF5Error.notFound {
                scale = try createDimension(name, length: shape[axis], unlimited: maxShape[axis] == nil)
            }
            let (scaleShape, scaleMax) = try scale.extents()
            if let length = scaleShape.first, scaleMax.first != .some(nil), length != shape[axis] {
                throw HDF5Error.shapeMismatch(object: dataset.displayName,
                    detail: "axis \(axis) has length \(shape[axis]) but dimension '\(name)' (\(scale.path)) has \(length)")
            }
            try dataset.attach(scale: scale, axis: axis, label: name)
        }
    }

    /// Creates a dataset and attaches named dimensions to every axis.
    @discardableResult
    public func createDataset(_ name: String, type: HDF5ElementType, dimensions: [String], shape: [Int],
                              options: HDF5DatasetOptions = .fixed) throws -> HDF5Dataset {
        let dataset = try createDataset(name, type: type, shape: shape, options: options)
        try attachOrRemove(dimensions, dataset, name)
        return dataset
    }

    /// Creates a dataset with values and attaches named dimensions to every axis.
    @discardableResult
    public func createDataset<T: HDF5Scalar>(_ name: String, values: [T], dimensions: [String], shape: [Int]? = nil,
                                             options: HDF5DatasetOptions = .fixed) throws -> HDF5Dataset {
        let dataset = try createDataset(name, values: values, shape: shape, options: options)
        try attachOrRemove(dimensions, dataset, name)
        return dataset
    }

    /// Creates a string dataset and attaches named dimensions to every axis.
    @discardableResult
    public func createDataset(_ name: String, strings: [String], dimensions: [String], shape: [Int]? = nil,
                              options: HDF5DatasetOptions = .fixed) throws -> HDF5Dataset {
        let dataset = try createDataset(name, strings: strings, shape: shape, options: options)
        try attachOrRemove(dimensions, dataset, name)
        return dataset
    }

    /// Attaches dimensions; on failure unlinks the new dataset so no scale-less dataset is left behind.
    func attachOrRemove(_ dimensions: [String], _ dataset: HDF5Dataset, _ name: String) throws {
        do {
            try attachDimensions(dimensions, to: dataset)
        } catch {
            dataset.close()
            bl_silence_error_printing()
            _ = H5Ldelete(id, name, bl_H5P_DEFAULT())
            H5Eclear2(bl_H5E_DEFAULT())
            throw error
        }
    }
}
