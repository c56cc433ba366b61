import Foundation

/// Finds the repository's `Assets/` directory at run time.
///
/// Search order (first hit wins); a directory qualifies when it contains
/// `datasets/english_passages.jsonl`:
/// 1. an explicit override passed by the caller (e.g. a `--assets` option), which must qualify;
/// 2. the environment variable `BYTELENS_ASSETS`, which must qualify when set;
/// 3. `Assets/` in the current directory and each of its ancestors;
/// 4. `Assets/` in the executable's directory and each of its ancestors (so `.build/debug/probe`
///    finds the repository it was built in);
/// 5. any extra start points given (tests pass `#filePath`).
public enum AssetLocator {
    public static let environmentVariable = "BYTELENS_ASSETS"
    static let marker = "datasets/english_passages.jsonl"

    /// The located `Assets/` directory, or ``LadderError/assetsNotFound(searched:)`` listing every
    /// place that was tried.
    public static func locate(override: String? = nil, extraStartPoints: [String] = []) throws -> URL {
        var searched: [String] = []
        let fm = FileManager.default
        func qualifies(_ dir: URL) -> Bool {
            searched.append(dir.path)
            return fm.fileExists(atPath: dir.appendingPathComponent(marker).path)
        }
        if let override {
            let url = URL(fileURLWithPath: override).standardizedFileURL
            if qualifies(url) { return url }
            throw LadderError.assetsNotFound(searched: searched)
        }
        if let env = ProcessInfo.processInfo.environment[environmentVariable], !env.isEmpty {
            // A set but wrong variable is an error, not a reason to silently use another copy.
            let url = URL(fileURLWithPath: env).standardizedFileURL
            if qualifies(url) { return url }
            throw LadderError.assetsNotFound(searched: searched)
        }
        var starts = [fm.currentDirectoryPath]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            starts.append(exe.deletingLastPathComponent().path)
        } else if let arg0 = CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: arg0).deletingLastPathComponent().path)
        }
        starts += extraStartPoints
        for start in starts {
            var dir = URL(fileURLWithPath: start).standardizedFileURL
            while true {
                if qualifies(dir.appendingPathComponent("Assets")) {
                    return dir.appendingPathComponent("Assets")
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw LadderError.assetsNotFound(searched: searched)
    }
}
