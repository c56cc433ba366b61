/// Errors raised by the Plotting module. Every case names the offending file, field or value.
public enum PlottingError: Error, CustomStringConvertible, Equatable {
    /// libpng's simplified API reported a failure; `message` is libpng's own text (`png_image.message`).
    case png(operation: String, path: String?, message: String)
    /// Writing the encoded PNG or renaming the temporary file failed.
    case io(path: String, message: String)
    /// A figure's input is inconsistent (e.g. arrays of different lengths); `field` names the struct field.
    case invalidInput(field: String, message: String)

    public var description: String {
        switch self {
        case let .png(operation, path, message):
            return "libpng \(operation) failed\(path.map { " for \($0)" } ?? ""): \(message)"
        case let .io(path, message):
            return "cannot write \(path): \(message)"
        case let .invalidInput(field, message):
            return "invalid figure input `\(field)`: \(message)"
        }
    }
}
