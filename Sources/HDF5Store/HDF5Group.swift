import CHDF5

/// An HDF5 group: a folder of groups and datasets. The file's root group is `HDF5File` itself.
public class HDF5Group: HDF5Object {
    /// What a group member is.
    public enum MemberKind: Sendable, Equatable { case group, dataset, other }

    override init(id: hid_t, path: String, fileName: String, close: @escaping @Sendable (hid_t) -> herr_t) {
        super.init(id: id, path: path, fileName: fileName, close: close)
    }

    /// Creates a child group. Modification times are not tracked, so identical content gives
    /// identical bytes. Throws if a member with that name exists.
    @discardableResult
    public func createGroup(_ name: String) throws -> HDF5Group {
        try requireOpen()
        let gcpl = ScopedID.propertyList(try HDF5Call.id("creating group properties") { H5Pcreate(bl_H5P_GROUP_CREATE()) })
        try HDF5Call.status("disabling group timestamps") { H5Pset_obj_track_times(gcpl.id, false) }
        let target = childPath(name)
        let groupID = try HDF5Call.id("creating group \(fileName):\(target)") {
            H5Gcreate2(id, name, bl_H5P_DEFAULT(), gcpl.id, bl_H5P_DEFAULT())
        }
        return HDF5Group(id: groupID, path: target, fileName: fileName, close: { H5Gclose($0) })
    }

    /// Opens a child group; a missing name throws `HDF5Error.notFound` naming it.
    public func group(_ name: String) throws -> HDF5Group {
        try requireOpen()
        guard try memberKind(name) == .group else {
            throw HDF5Error.notFound(kind: "group", name: name, in: displayName)
        }
        let target = childPath(name)
        let groupID = try HDF5Call.id("opening group \(fileName):\(target)") { H5Gopen2(id, name, bl_H5P_DEFAULT()) }
        return HDF5Group(id: groupID, path: target, fileName: fileName, close: { H5Gclose($0) })
    }

    /// Opens the child group, creating it first if it does not exist.
    public func groupCreatingIfNeeded(_ name: String) throws -> HDF5Group {
        try contains(name) ? group(name) : createGroup(name)
    }

    /// Opens a child dataset; a missing name throws `HDF5Error.notFound` naming it.
    public func dataset(_ name: String) throws -> HDF5Dataset {
        try requireOpen()
        guard try memberKind(name) == .dataset else {
            throw HDF5Error.notFound(kind: "dataset", name: name, in: displayName)
        }
        let target = childPath(name)
        try checkLayoutBeforeOpening(name, display: "\(fileName):\(target)")
        let datasetID = try HDF5Call.id("opening dataset \(fileName):\(target)") { H5Dopen2(id, name, bl_H5P_DEFAULT()) }
        return try HDF5Dataset(id: datasetID, path: target, fileName: fileName)
    }

    /// Reads the header of the dataset `name` beside libhdf5 and refuses a chunk shape `H5Dopen2` would
    /// divide by zero on (see `ObjectHeaderScan.checkChunkShape`).
    func checkLayoutBeforeOpening(_ name: String, display: String) throws {
        var info = H5O_info_t()
        try HDF5Call.status("inspecting \(display)") { H5Oget_info_by_name2(id, name, &info, UInt32(H5O_INFO_BASIC), bl_H5P_DEFAULT()) }
        let file = try HDF5RawFile(objectID: id, context: display)
        try ObjectHeaderScan(file: file, address: UInt64(info.addr), object: display).checkChunkShape(object: display, addressSize: file.addressSize)
    }

    /// Whether a direct child link with this name exists (a name containing "/" is not looked up
    /// through intermediate groups; it returns false).
    public func contains(_ name: String) throws -> Bool {
        try requireOpen()
        if name.isEmpty || name.contains("/") { return false }
        return try HDF5Call.status("looking up \(childPath(name)) in \(fileName)") {
            H5Lexists(id, name, bl_H5P_DEFAULT())
        } > 0
    }

    /// The kind of a direct child, or nil when absent.
    public func memberKind(_ name: String) throws -> MemberKind? {
        guard try contains(name) else { return nil }
        var info = H5O_info_t()
        try HDF5Call.status("inspecting \(fileName):\(childPath(name))") {
            H5Oget_info_by_name2(id, name, &info, UInt32(H5O_INFO_BASIC), bl_H5P_DEFAULT())
        }
        switch info.type {
        case H5O_TYPE_GROUP: return .group
        case H5O_TYPE_DATASET: return .dataset
        default: return .other
        }
    }

    /// Names of the direct children in name order (HDF5's default index). Empty for an empty group.
    public func memberNames() throws -> [String] {
        try requireOpen()
        var info = H5G_info_t()
        try HDF5Call.status("listing \(displayName)") { H5Gget_info(id, &info) }
        var names: [String] = []
        names.reserveCapacity(Int(info.nlinks))
        for index in 0..<info.nlinks {
            let length = try HDF5Call.status("reading a member name of \(displayName)") {
                H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, bl_H5P_DEFAULT())
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try HDF5Call.status("reading a member name of \(displayName)") {
                H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, bl_H5P_DEFAULT())
            }
            names.append(stringFromCBuffer(buffer))
        }
        return names
    }
}
