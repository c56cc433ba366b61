import CHDF5

/// Every failure of the HDF5 layer, with enough context to act on it.
///
/// `library` carries HDF5's own error stack, walked downward: first the API function that was
/// called, then the internal causes, each as `function(): description (minor message)`. Opening a
/// text file gives e.g. `H5Fopen(): unable to open file (Unable to open file); …;
/// H5F__super_read(): file signature not found (Not an HDF5 file)`.
public enum HDF5Error: Error, CustomStringConvertible, Equatable {
    /// An HDF5 call failed; `operation` says what we tried (with the path), `stack` is HDF5's messages.
    case library(operation: String, stack: [String])
    /// A named object is absent from a group.
    case notFound(kind: String, name: String, in: String)
    /// An object exists with a different element type than requested.
    case typeMismatch(object: String, expected: String, found: String)
    /// Data does not fit the dataset's shape.
    case shapeMismatch(object: String, detail: String)
    /// A file path problem outside HDF5 (rename, existing output, missing partial file).
    case fileSystem(path: String, detail: String)
    /// A file that opens but does not follow the expected schema.
    case schema(path: String, detail: String)
    /// Stored bytes that libhdf5 1.10.8 would not check and would read out of bounds or loop on (see
    /// `GlobalHeapCheck`); `object` is `file.h5:/path` (with the attribute, if any).
    case damaged(object: String, detail: String)

    public var description: String {
        switch self {
        case let .library(operation, stack):
            let detail = stack.isEmpty ? "no message on HDF5's error stack" : stack.joined(separator: "; ")
            return "HDF5 error while \(operation): \(detail)"
        case let .notFound(kind, name, parent):
            return "HDF5: no \(kind) named '\(name)' in \(parent)"
        case let .typeMismatch(object, expected, found):
            return "HDF5: \(object) holds \(found), but \(expected) was requested"
        case let .shapeMismatch(object, detail):
            return "HDF5: shape mismatch for \(object): \(detail)"
        case let .fileSystem(path, detail):
            return "\(path): \(detail)"
        case let .schema(path, detail):
            return "\(path): \(detail)"
        case let .damaged(object, detail):
            return "\(object) is damaged: \(detail)"
        }
    }
}

/// Wrappers that run one HDF5 call with automatic error printing silenced and turn a negative
/// return value into `HDF5Error.library` carrying HDF5's error stack.
enum HDF5Call {
    /// Runs a call returning an identifier (`hid_t`); negative means failure.
    @discardableResult
    static func id(_ operation: @autoclosure () -> String, _ call: () -> hid_t) throws(HDF5Error) -> hid_t {
        bl_silence_error_printing()
        let result = call()
        if result < 0 { throw failure(operation()) }
        return result
    }

    /// Runs a call returning `herr_t`/`htri_t`/`int`; negative means failure.
    @discardableResult
    static func status<R: BinaryInteger>(_ operation: @autoclosure () -> String, _ call: () -> R) throws(HDF5Error) -> R {
        bl_silence_error_printing()
        let result = call()
        if result < 0 { throw failure(operation()) }
        return result
    }

    /// Builds the error from the current thread's HDF5 error stack, then clears that stack.
    static func failure(_ operation: String) -> HDF5Error {
        let stack = currentErrorStack()
        H5Eclear2(bl_H5E_DEFAULT())
        return .library(operation: operation, stack: stack)
    }

    /// Reads the messages on the calling thread's default error stack, outermost call first.
    static func currentErrorStack() -> [String] {
        final class Collector { var lines: [String] = [] }
        let collector = Collector()
        let unmanaged = Unmanaged.passRetained(collector)
        defer { unmanaged.release() }
        _ = H5Ewalk2(bl_H5E_DEFAULT(), H5E_WALK_DOWNWARD, { _, entry, clientData in
            guard let entry, let clientData else { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(clientData).takeUnretainedValue()
            let function = entry.pointee.func_name.map { String(cString: $0) } ?? "?"
            let description = entry.pointee.desc.map { String(cString: $0) } ?? ""
            let minor = HDF5Call.messageText(entry.pointee.min_num)
            var line = "\(function)(): \(description)"
            if !minor.isEmpty, minor != description { line += " (\(minor))" }
            collector.lines.append(line)
            return 0
        }, unmanaged.toOpaque())
        return collector.lines
    }

    /// The text of an HDF5 major/minor error message id ("file signature not found", ...).
    static func messageText(_ id: hid_t) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = H5Eget_msg(id, nil, &buffer, buffer.count)
        guard length > 0 else { return "" }
        return stringFromCBuffer(buffer)
    }
}
