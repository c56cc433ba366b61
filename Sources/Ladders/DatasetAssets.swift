import Foundation

/// A held-out English passage (`Assets/datasets/english_passages.jsonl`).
public struct EnglishPassage: Sendable, Hashable {
    public let id: String
    public let source: String
    public let text: String
}

/// One message aligned across English and 16 languages (`parallel_messages.jsonl`); keys are
/// language codes (`"en"`, `"de"`, ..., `"zh_CN"`) and `<code>_latn` ASCII transliterations.
public struct ParallelMessage: Sendable, Hashable {
    public let id: String
    public let translations: [String: String]
}

/// The committed dataset files, loaded once.
public struct DatasetAssets: Sendable {
    public let directory: URL
    public let passages: [EnglishPassage]
    public let messages: [ParallelMessage]
    public let trigram: ByteTrigramModel

    /// Loads everything from `assetsDirectory/datasets/`.
    public init(assetsDirectory: URL) throws {
        directory = assetsDirectory.appendingPathComponent("datasets")
        passages = try Self.readJSONL(directory.appendingPathComponent("english_passages.jsonl")) { obj, path, line in
            guard let id = obj["id"] as? String, let text = obj["text"] as? String else {
                throw LadderError.malformedAsset(path: path, detail: "line \(line) lacks id/text")
            }
            return EnglishPassage(id: id, source: obj["source"] as? String ?? "", text: text)
        }
        messages = try Self.readJSONL(directory.appendingPathComponent("parallel_messages.jsonl")) { obj, path, line in
            guard let id = obj["id"] as? String else {
                throw LadderError.malformedAsset(path: path, detail: "line \(line) lacks id")
            }
            var t: [String: String] = [:]
            for (k, v) in obj where k != "id" {
                if let s = v as? String { t[k] = s }
            }
            return ParallelMessage(id: id, translations: t)
        }
        trigram = try ByteTrigramModel(contentsOf: directory.appendingPathComponent("trigram_counts.bin"))
    }

    /// Locates `Assets/` (see ``AssetLocator``) and loads it.
    public static func locate(override: String? = nil, extraStartPoints: [String] = []) throws -> DatasetAssets {
        try DatasetAssets(assetsDirectory: AssetLocator.locate(override: override, extraStartPoints: extraStartPoints))
    }

    static func readData(_ url: URL) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw LadderError.missingAssetFile(path: url.path)
        }
        do { return try Data(contentsOf: url) } catch {
            throw LadderError.unreadableFile(path: url.path, detail: "\(error)")
        }
    }

    /// Non-empty lines of a JSONL asset as dictionaries, with the 1-based line number.
    static func readJSONL<T>(_ url: URL,
                             _ transform: ([String: Any], String, Int) throws -> T) throws -> [T] {
        let data = try readData(url)
        var out: [T] = []
        var lineNo = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            if raw.allSatisfy({ $0 == 32 || $0 == 13 }) { continue }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any] else {
                throw LadderError.malformedAsset(path: url.path, detail: "line \(lineNo) is not a JSON object")
            }
            out.append(try transform(obj, url.path, lineNo))
        }
        return out
    }
}
