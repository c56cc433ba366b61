/// bfloat16 conversions (the upper 16 bits of an IEEE float32).
public enum BFloat16 {
    /// Rounds `count` floats to bfloat16 bit patterns, round to nearest, ties to even (as torch's
    /// `.to(torch.bfloat16)`). NaN stays a quiet NaN; values beyond the bf16 range round to ±infinity.
    public static func round(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt16>) {
        for i in 0..<count {
            let bits = x[i].bitPattern
            let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16
            let isNaN = (bits & 0x7FFF_FFFF) > 0x7F80_0000
            out[i] = isNaN ? UInt16(truncatingIfNeeded: (bits >> 16) | 0x0040) : UInt16(truncatingIfNeeded: rounded)
        }
    }

    /// Widens bfloat16 bit patterns to Float (exact).
    public static func widen(_ x: UnsafePointer<UInt16>, count: Int, into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count { out[i] = Float(bitPattern: UInt32(x[i]) << 16) }
    }
}
