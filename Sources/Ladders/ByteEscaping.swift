/// Display form of raw bytes: printable UTF-8 is kept; `\` becomes `\\`, newline `\n`, tab `\t`,
/// carriage return `\r`; other control characters (C0, DEL, C1) and every byte that is not part of
/// a valid UTF-8 sequence become `\xNN`. Lossless: distinct byte strings give distinct escapes.
public enum ByteEscaping {
    public static func escape(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            let width = validSequenceLength(bytes, at: i)
            if width == 0 {
                out += hex(bytes[i])
                i += 1
                continue
            }
            let scalar = String(decoding: bytes[i..<(i + width)], as: UTF8.self).unicodeScalars.first!
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out += bytes[i..<(i + width)].map(hex).joined()
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            i += width
        }
        return out
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "\\x" + String(digits[Int(b >> 4)]) + String(digits[Int(b & 15)])
    }

    /// Length of the valid UTF-8 sequence starting at `i`, or 0 if the byte there does not start
    /// one (overlong forms, surrogates and values above U+10FFFF are invalid).
    static func validSequenceLength(_ b: [UInt8], at i: Int) -> Int {
        let b0 = b[i]
        func cont(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            i + k < b.count && range.contains(b[i + k])
        }
        switch b0 {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0...0xBF) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80...0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90...0xBF) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80...0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }
}
