import Foundation

/// Finds ByteLens' shipped default model (`Assets/models/bytelens-tiny/`, 29.6 MB of F32 weights).
///
/// The model is not a SwiftPM resource: resources are copied into every consumer's build products, and a
/// library user who brings their own checkpoint should not carry 30 MB they never load. It stays in the
/// repository (so it is in every checkout SwiftPM makes) and is found at run time, first hit wins:
/// 1. an explicit directory passed by the caller;
/// 2. `BYTELENS_MODEL` (a model directory) or `BYTELENS_ASSETS` (an `Assets/` directory), which must
///    qualify when set;
/// 3. `Assets/models/bytelens-tiny/` in the current directory or any ancestor, then from the
///    executable's directory upwards (a ByteLens checkout);
/// 4. the ByteLens checkout this module was compiled from (for a SwiftPM dependency:
///    `<consumer>/.build/checkouts/ByteLens/`), known from `#filePath` at compile time — so it works
///    for `swift run`/`swift test` on the build machine, not for a binary copied elsewhere (use 1 or 2).
public enum ShippedModel {
    public static let name = "bytelens-tiny"
    public static let modelVariable = "BYTELENS_MODEL"
    public static let assetsVariable = "BYTELENS_ASSETS"

    /// The model directory (it holds `config.json`).
    /// - Throws: `ShippedModelError.notFound` listing every place tried.
    public static func locate(explicit: String? = nil) throws(ShippedModelError) -> URL {
        var searched: [String] = []
        let fm = FileManager.default
        func qualifies(_ dir: URL) -> Bool {
            searched.append(dir.path)
            return fm.fileExists(atPath: dir.appendingPathComponent("config.json").path)
        }
        let environment = ProcessInfo.processInfo.environment
        if let explicit {
            let url = URL(fileURLWithPath: explicit).standardizedFileURL
            if qualifies(url) { return url }
            throw .notFound(searched: searched)
        }
        if let path = environment[modelVariable], !path.isEmpty {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            if qualifies(url) { return url }
            throw .notFound(searched: searched)
        }
        if let path = environment[assetsVariable], !path.isEmpty {
            let url = URL(fileURLWithPath: path).appendingPathComponent("models/\(name)").standardizedFileURL
            if qualifies(url) { return url }
            throw .notFound(searched: searched)
        }
        var starts = [fm.currentDirectoryPath]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() { starts.append(exe.deletingLastPathComponent().path) }
        for start in starts {
            var dir = URL(fileURLWithPath: start).standardizedFileURL
            while true {
                let candidate = dir.appendingPathComponent("Assets/models/\(name)")
                if qualifies(candidate) { return candidate }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        // Sources/BLTModel/ShippedModel.swift → the package root.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidate = packageRoot.appendingPathComponent("Assets/models/\(name)").standardizedFileURL
        if qualifies(candidate) { return candidate }
        throw .notFound(searched: searched)
    }
}

/// The shipped model could not be found.
public enum ShippedModelError: Error, Equatable, CustomStringConvertible {
    case notFound(searched: [String])

    public var description: String {
        switch self {
        case .notFound(let searched):
            let shown = searched.count > 6 ? Array(searched.prefix(3)) + ["… \(searched.count - 5) more …"] + searched.suffix(2) : searched
            return "the shipped model '\(ShippedModel.name)' was not found; set \(ShippedModel.modelVariable) to its directory "
                + "or pass one explicitly. Searched: " + shown.joined(separator: ", ")
        }
    }
}

extension BLTModel {
    /// Loads the shipped default model (see `ShippedModel` for where it is looked for).
    public static func shipped(options: LoadOptions = LoadOptions()) throws -> BLTModel {
        try BLTModel(directory: try ShippedModel.locate(), options: options)
    }
}
