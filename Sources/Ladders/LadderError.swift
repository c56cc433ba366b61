/// Errors of the Ladders module; each names the file, line, field or value at fault.
public enum LadderError: Error, CustomStringConvertible, Equatable {
    case assetsNotFound(searched: [String])
    case missingAssetFile(path: String)
    case malformedAsset(path: String, detail: String)
    case unknownLadder(name: String, known: [String])
    case unknownLevel(ladder: String, level: String, known: [String])
    case invalidJSONLine(path: String, line: Int, detail: String)
    case missingField(path: String, line: Int, field: String)
    case invalidField(path: String, line: Int, field: String, detail: String)
    case emptyCustomDataset(path: String)
    case unreadableFile(path: String, detail: String)
    case invalidOption(name: String, detail: String)
    case cannotWrite(path: String, detail: String)

    public var description: String {
        switch self {
        case .assetsNotFound(let searched):
            return "could not find the ByteLens Assets/ directory (with Assets/datasets/); searched: "
                + searched.joined(separator: ", ")
                + ". Run from inside the repository or set BYTELENS_ASSETS=/path/to/Assets."
        case .missingAssetFile(let path):
            return "missing asset file \(path); rebuild it with Notebooks-as-scripts/extract_corpus.py"
        case .malformedAsset(let path, let detail):
            return "malformed asset file \(path): \(detail)"
        case .unknownLadder(let name, let known):
            return "unknown ladder '\(name)'; known ladders: \(known.joined(separator: ", ")), "
                + "or custom:PATH (a .jsonl file or a folder with one sub-folder per level)"
        case .unknownLevel(let ladder, let level, let known):
            return "ladder '\(ladder)' has no level '\(level)'; levels: \(known.joined(separator: ", "))"
        case .invalidJSONLine(let path, let line, let detail):
            return "\(path):\(line): not a JSON object: \(detail)"
        case .missingField(let path, let line, let field):
            return "\(path):\(line): missing field \"\(field)\""
        case .invalidField(let path, let line, let field, let detail):
            return "\(path):\(line): field \"\(field)\" \(detail)"
        case .emptyCustomDataset(let path):
            return "custom dataset \(path) contains no items"
        case .unreadableFile(let path, let detail):
            return "cannot read \(path): \(detail)"
        case .invalidOption(let name, let detail):
            return "invalid option \(name): \(detail)"
        case .cannotWrite(let path, let detail):
            return "cannot write \(path): \(detail)"
        }
    }
}
