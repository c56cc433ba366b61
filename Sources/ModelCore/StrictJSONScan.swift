/// A strict pass over a JSON text before it is decoded, for headers whose numbers must be integers:
/// refuses duplicate keys in any object (Foundation keeps one silently, Python's json the last) and any
/// number with a fraction or exponent (`260.0`, `2.6e2`), which Foundation would turn into an integer.
/// Nesting deeper than `maximumDepth` is refused too. It only checks; decoding stays with `JSONDecoder`.
enum StrictJSONScan {
    static let maximumDepth = 64

    struct Failure: Error { let reason: String }

    static func check(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        var scanner = Scanner(bytes: bytes)
        try scanner.value(depth: 0)
        scanner.skipSpace()
        guard scanner.index == bytes.count else { throw Failure(reason: "text after the JSON value at byte \(scanner.index)") }
    }

    struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        func fail(_ what: String) -> Failure { Failure(reason: "\(what) at byte \(index)") }
        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let c = current, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { index += 1 }
        }

        mutating func value(depth: Int) throws(Failure) {
            guard depth <= StrictJSONScan.maximumDepth else { throw fail("nesting deeper than \(StrictJSONScan.maximumDepth)") }
            skipSpace()
            guard let c = current else { throw fail("unexpected end") }
            switch c {
            case UInt8(ascii: "{"):
                index += 1
                var keys = Set<[UInt8]>()
                skipSpace()
                if current == UInt8(ascii: "}") { index += 1; return }
                while true {
                    skipSpace()
                    let key = try string()
                    guard keys.insert(key).inserted else {
                        throw fail("duplicate key \"\(String(decoding: key, as: UTF8.self))\"")
                    }
                    skipSpace()
                    guard current == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    index += 1
                    try value(depth: depth + 1)
                    skipSpace()
                    if current == UInt8(ascii: ",") { index += 1; continue }
                    guard current == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                    index += 1
                    return
                }
            case UInt8(ascii: "["):
                index += 1
                skipSpace()
                if current == UInt8(ascii: "]") { index += 1; return }
                while true {
                    try value(depth: depth + 1)
                    skipSpace()
                    if current == UInt8(ascii: ",") { index += 1; continue }
                    guard current == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                    index += 1
                    return
                }
            case UInt8(ascii: "\""):
                _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = index
                if current == UInt8(ascii: "-") { index += 1 }
                while let d = current, d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") { index += 1 }
                if let d = current, d == UInt8(ascii: ".") || d == UInt8(ascii: "e") || d == UInt8(ascii: "E") {
                    index = start
                    throw fail("a number that is not an integer")
                }
                guard index > start + (bytes[start] == UInt8(ascii: "-") ? 1 : 0) else { throw fail("invalid number") }
            default:
                throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("unexpected end") }
            for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw fail("invalid literal") }
            index += count
        }

        /// A string's raw bytes (escapes kept as written; enough to compare keys written the same way).
        mutating func string() throws(Failure) -> [UInt8] {
            guard current == UInt8(ascii: "\"") else { throw fail("expected a string") }
            index += 1
            let start = index
            while let c = current {
                if c == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    return Array(bytes[start..<index])
                }
                if c == UInt8(ascii: "\\") { index += 1 }
                else if c < 0x20 { throw fail("control character in a string") }
                index += 1
            }
            throw fail("unterminated string")
        }
    }
}
