import Foundation

/// A user's own ladder (`custom:PATH`).
///
/// * **JSONL file**: one JSON object per non-empty line with `"id"` (string or integer), `"text"`
///   (string) and `"level"` (integer), plus optional `"level_name"` (string). Levels are the
///   distinct `level` values in ascending order; a level's name is its first `level_name`, else
///   `"level N"`. Items are not trimmed (their length is recorded). Errors name the file and the
///   1-based line: invalid JSON, missing `id`/`text`/`level`, a non-integer `level` (e.g. `1.5`,
///   `"2"`, `true`), or a repeated (`id`, `level`) pair.
/// * **Folder**: one sub-folder per level (sorted by a leading integer if every name has one,
///   else by name; the folder name is the level name); every non-hidden regular file in it is one
///   item whose id is the file name without extension and whose content is the file's raw bytes.
///
/// A base item missing at some level is allowed (the ladder is then not fully paired; see
/// ``Ladder/itemCounts``).
public enum CustomDataset {
    public static func load(path: String, options: LadderOptions, trigram: ByteTrigramModel?) throws -> Ladder {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw LadderError.unreadableFile(path: path, detail: "no such file or directory")
        }
        let entries = isDir.boolValue ? try readFolder(path) : try readJSONL(path)
        return try makeLadder(path: path, entries: entries, options: options, trigram: trigram)
    }

    /// One parsed item of a custom dataset.
    public struct Entry: Sendable, Hashable {
        public var id: String
        public var level: Int
        public var levelName: String?
        public var content: [UInt8]
    }

    /// Parses JSONL text; `path` is used only in error messages.
    public static func parseJSONL(_ data: Data, path: String) throws -> [Entry] {
        var out: [Entry] = []
        var lineNo = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            if raw.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let lineData = Data(raw)
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: lineData) } catch {
                throw LadderError.invalidJSONLine(path: path, line: lineNo, detail: "invalid JSON")
            }
            guard object is [String: Any] else {
                throw LadderError.invalidJSONLine(path: path, line: lineNo, detail: "expected an object {\"id\", \"text\", \"level\"}")
            }
            let fields: RawFields
            do { fields = try JSONDecoder().decode(RawFields.self, from: lineData) } catch {
                throw LadderError.invalidJSONLine(path: path, line: lineNo, detail: "\(error)")
            }
            for (field, present, valid, expected) in [
                ("id", fields.hasID, fields.id != nil, "must be a string or an integer"),
                ("text", fields.hasText, fields.text != nil, "must be a string"),
                ("level", fields.hasLevel, fields.level != nil, "must be an integer"),
            ] {
                if !present { throw LadderError.missingField(path: path, line: lineNo, field: field) }
                if !valid { throw LadderError.invalidField(path: path, line: lineNo, field: field, detail: expected) }
            }
            out.append(Entry(id: fields.id!, level: fields.level!, levelName: fields.levelName,
                             content: Array(fields.text!.utf8)))
        }
        return out
    }

    static func readJSONL(_ path: String) throws -> [Entry] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw LadderError.unreadableFile(path: path, detail: "\(error)")
        }
        return try parseJSONL(data, path: path)
    }

    static func readFolder(_ path: String) throws -> [Entry] {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: path)
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: path) } catch {
            throw LadderError.unreadableFile(path: path, detail: "\(error)")
        }
        var levelDirs = names.filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &d) && d.boolValue
        }
        let leading = levelDirs.map { Int($0.prefix(while: \.isNumber)) }
        if leading.allSatisfy({ $0 != nil }) {
            levelDirs.sort { (Int($0.prefix(while: \.isNumber))!, $0) < (Int($1.prefix(while: \.isNumber))!, $1) }
        } else {
            levelDirs.sort()
        }
        var out: [Entry] = []
        for (index, dir) in levelDirs.enumerated() {
            let dirURL = root.appendingPathComponent(dir)
            let files: [String]
            do { files = try fm.contentsOfDirectory(atPath: dirURL.path).filter { !$0.hasPrefix(".") }.sorted() } catch {
                throw LadderError.unreadableFile(path: dirURL.path, detail: "\(error)")
            }
            for file in files {
                let url = dirURL.appendingPathComponent(file)
                var d: ObjCBool = false
                guard fm.fileExists(atPath: url.path, isDirectory: &d), !d.boolValue else { continue }
                let data: Data
                do { data = try Data(contentsOf: url) } catch {
                    throw LadderError.unreadableFile(path: url.path, detail: "\(error)")
                }
                out.append(Entry(id: url.deletingPathExtension().lastPathComponent, level: index,
                                 levelName: dir, content: [UInt8](data)))
            }
        }
        return out
    }

    static func makeLadder(path: String, entries: [Entry], options: LadderOptions,
                           trigram: ByteTrigramModel?) throws -> Ladder {
        guard !entries.isEmpty else { throw LadderError.emptyCustomDataset(path: path) }
        let levelValues = Array(Set(entries.map(\.level))).sorted()
        var names: [String] = []
        for v in levelValues {
            names.append(entries.first { $0.level == v && $0.levelName != nil }?.levelName ?? "level \(v)")
        }
        var ids: [String] = []
        var idIndex: [String: Int] = [:]
        var table: [[Int: [UInt8]]] = Array(repeating: [:], count: levelValues.count)
        let levelIndex = Dictionary(uniqueKeysWithValues: levelValues.enumerated().map { ($1, $0) })
        for e in entries {
            if idIndex[e.id] == nil {
                idIndex[e.id] = ids.count
                ids.append(e.id)
            }
            let li = levelIndex[e.level]!, b = idIndex[e.id]!
            if table[li][b] != nil {
                throw LadderError.invalidField(path: path, line: 0, field: "id",
                                               detail: "'\(e.id)' appears twice at level \(e.level)")
            }
            table[li][b] = e.content
        }
        let counts = table.map(\.count)
        let frozen = table
        return Ladder(name: "custom:" + path, summary: "user dataset \(path)", levelNames: names,
                      baseItemIDs: ids, options: options, trigram: trigram,
                      sparseItemCounts: counts) { level, b, _ in
            frozen[level.index][b].map { LadderContent(content: $0) }
        }
    }
}

/// Decodes the known fields of one custom JSONL line, remembering presence and type validity
/// separately so that errors can say which field is missing or mistyped.
struct RawFields: Decodable {
    var hasID = false, hasText = false, hasLevel = false
    var id: String?
    var text: String?
    var level: Int?
    var levelName: String?

    enum Key: String, CodingKey { case id, text, level, level_name }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        hasID = c.contains(.id)
        hasText = c.contains(.text)
        hasLevel = c.contains(.level)
        if let s = try? c.decode(String.self, forKey: .id) { id = s }
        else if let i = try? c.decode(Int.self, forKey: .id) { id = String(i) }
        text = try? c.decode(String.self, forKey: .text)
        level = try? c.decode(Int.self, forKey: .level)
        levelName = try? c.decode(String.self, forKey: .level_name)
    }
}
