/// UTF-8 helpers shared by the ladders.
enum ScalarText {
    static func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }

    static func utf8(_ scalars: [Unicode.Scalar]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(scalars.count)
        for s in scalars { UTF8.encode(s) { out.append($0) } }
        return out
    }

    /// The longest prefix of `s` whose UTF-8 encoding has at most `budget` bytes (never splits a
    /// scalar). Budget ≤ 0 gives an empty string.
    static func prefix(_ s: String, maxBytes budget: Int) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var used = 0
        for sc in s.unicodeScalars {
            let n = UTF8.width(sc)
            if used + n > budget { break }
            used += n
            out.append(sc)
        }
        return out
    }

    /// Random valid UTF-8 of exactly `length` bytes: each scalar first picks an encoded width
    /// (1–4 bytes, uniformly among widths that still fit), then a uniform scalar of that width
    /// (printable ASCII for width 1; surrogates excluded for width 3).
    static func randomUTF8(length: Int, rng: inout SplitMix64) -> [UInt8] {
        var out: [UInt8] = []
        while out.count < length {
            let width = 1 + rng.nextInt(below: min(4, length - out.count))
            let value: UInt32
            switch width {
            case 1: value = UInt32(rng.nextInt(in: 0x20...0x7E))
            case 2: value = UInt32(rng.nextInt(in: 0x80...0x7FF))
            case 3:
                var v = UInt32(rng.nextInt(in: 0x800...(0xFFFF - 0x800)))
                if v >= 0xD800 { v += 0x800 }  // skip the surrogate block
                value = v
            default: value = UInt32(rng.nextInt(in: 0x10000...0x10FFFF))
            }
            UTF8.encode(Unicode.Scalar(value)!) { out.append($0) }
        }
        return out
    }

    static func randomBytes(length: Int, rng: inout SplitMix64) -> [UInt8] {
        (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }
}
