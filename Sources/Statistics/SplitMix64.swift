/// SplitMix64 pseudo-random generator (Steele, Lea & Flood 2014), used for every seeded resample in
/// this module. It is deliberately not the system RNG: the same seed gives the same stream on every
/// platform and Swift version, so bootstrap and permutation results are byte-reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in 0..<bound without modulo bias (Lemire's multiply-and-reject).
    /// `bound` must be positive; 0 or negative returns 0.
    public mutating func nextInt(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// A uniformly random permutation of 0..<count (Fisher–Yates, drawing from this generator only).
    public mutating func permutation(of count: Int) -> [Int] {
        var result = Array(0..<max(count, 0))
        var i = result.count - 1
        while i > 0 {
            let j = nextInt(below: i + 1)
            result.swapAt(i, j)
            i -= 1
        }
        return result
    }
}
