import CHDF5

/// Attributes: small metadata on groups, datasets and the file's root group.
///
/// Keep attributes small (HDF5 stores them in the object header; well under 64 KiB); put long text
/// such as a full config JSON in a one-element string dataset instead. Writing an attribute that
/// exists replaces it (its type and shape may change).
extension HDF5Object {
    /// Writes a UTF-8 string attribute (variable-length; h5py ≥3 returns `str`).
    public func setAttribute(_ name: String, _ value: String) throws {
        try requireOpen()
        try HDF5AttributeIO.writeStrings(id, name, [value], scalar: true, owner: displayName)
    }

    /// Writes a 1-D string array attribute.
    public func setAttribute(_ name: String, _ values: [String]) throws {
        try requireOpen()
        try HDF5AttributeIO.writeStrings(id, name, values, scalar: false, owner: displayName)
    }

    /// Writes a numeric scalar attribute (Bool is stored as uint8 0/1).
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ value: T) throws {
        try requireOpen()
        try HDF5AttributeIO.writeNumbers(id, name, [value], scalar: true, owner: displayName)
    }

    /// Writes a 1-D numeric array attribute (an empty array gives a zero-length attribute).
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ values: [T]) throws {
        try requireOpen()
        try HDF5AttributeIO.writeNumbers(id, name, values, scalar: false, owner: displayName)
    }

    /// Whether the attribute exists.
    public func hasAttribute(_ name: String) throws -> Bool {
        try requireOpen()
        return try HDF5AttributeIO.exists(id, name, owner: displayName)
    }

    /// Removes the attribute if present.
    public func removeAttribute(_ name: String) throws {
        try requireOpen()
        try HDF5AttributeIO.removeIfPresent(id, name, owner: displayName)
    }

    /// Names of all attributes, in name order.
    public func attributeNames() throws -> [String] {
        try requireOpen()
        return try HDF5AttributeIO.names(id, owner: displayName)
    }

    /// Reads a string attribute (scalar or the first element of an array; fixed- or variable-length).
    /// Missing → `HDF5Error.notFound` naming it; non-string → `typeMismatch`.
    public func stringAttribute(_ name: String) throws -> String {
        try requireOpen()
        let values = try HDF5AttributeIO.readStrings(id, name, owner: displayName)
        guard values.count == 1 else {
            throw HDF5Error.shapeMismatch(object: "attribute '\(name)' of \(displayName)",
                                          detail: "expected one string, found \(values.count)")
        }
        return values[0]
    }

    /// Reads a string array attribute.
    public func stringArrayAttribute(_ name: String) throws -> [String] {
        try requireOpen()
        return try HDF5AttributeIO.readStrings(id, name, owner: displayName)
    }

    /// Reads a numeric scalar attribute; the stored type must match `T` exactly (Bool reads uint8).
    public func attribute<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws -> T {
        let values = try arrayAttribute(name, as: T.self)
        guard values.count == 1 else {
            throw HDF5Error.shapeMismatch(object: "attribute '\(name)' of \(displayName)",
                                          detail: "expected one value, found \(values.count)")
        }
        return values[0]
    }

    /// Reads a numeric array attribute; the stored type must match `T` exactly (Bool reads uint8).
    public func arrayAttribute<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws -> [T] {
        try requireOpen()
        return try HDF5AttributeIO.readNumbers(id, name, as: T.self, owner: displayName)
    }

    /// Decodes any attribute for display, converting numbers to 64-bit.
    public func attributeValue(_ name: String) throws -> HDF5AttributeValue {
        try requireOpen()
        return try HDF5AttributeIO.readAny(id, name, owner: displayName)
    }
}
