import Foundation

/// A value stored in a probe-run file as JSON text (`config_json`, `dataset_manifest_json`): one canonical
/// text to write, and a lenient read that gives the empty value for text it cannot decode (a file from
/// another tool), so readers never fail on provenance.
public protocol StoredJSON: Codable {
    init()
}

extension StoredJSON {
    /// Canonical JSON (sorted keys, unescaped slashes): the exact text stored in the file.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The value of a stored JSON text; unreadable text gives the empty value (every field nil).
    public init(json: String) {
        self = (try? JSONDecoder().decode(Self.self, from: Data(json.utf8))) ?? Self()
    }
}
