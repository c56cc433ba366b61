#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, well-mixed 64-bit generator, the one source of
/// randomness in ByteLens (ladder items, bootstrap and permutation resamples, random-initialised models).
///
/// Every draw goes through the methods below (never the standard library's `shuffled(using:)` or
/// `random(in:using:)`, whose algorithms may change between Swift versions), so streams are fixed by this
/// file alone. Two bounded integer draws exist **on purpose**, because committed outputs depend on each:
/// `nextInt(below:)` (modulo with rejection) generates every ladder item, `nextIntMultiplyShift(below:)`
/// (Lemire's multiply-and-reject) every bootstrap and permutation resample of the statistics. Changing
/// either changes committed datasets or reports; the dataset manifest hashes and the statistics fixtures
/// test both.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The SplitMix64 output function applied to one value (a strong 64-bit mixer).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in `0..<bound` by modulo with rejection (unbiased); the ladders' draw.
    /// Returns 0 for `bound <= 1`.
    public mutating func nextInt(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let v = next()
            if v < limit { return Int(v % b) }
        }
    }

    /// Uniform integer in `0..<bound` by Lemire's multiply-and-reject (unbiased, one division at most);
    /// the statistics' draw. Returns 0 for `bound <= 1`.
    public mutating func nextIntMultiplyShift(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// Uniform integer in the closed range (`nextInt(below:)`).
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.upperBound - range.lowerBound + 1)
    }

    /// Uniform 64-bit integer in the closed range (for large operands, e.g. 8-digit numbers).
    public mutating func nextUInt64(in range: ClosedRange<UInt64>) -> UInt64 {
        let width = range.upperBound - range.lowerBound
        if width == UInt64.max { return next() }
        let b = width + 1
        let limit = UInt64.max - UInt64.max % b
        while true {
            let v = next()
            if v < limit { return range.lowerBound + v % b }
        }
    }

    /// `true` with probability `p` (p <= 0: never, p >= 1: always).
    public mutating func bernoulli(_ p: Double) -> Bool {
        nextUnit() < p
    }

    /// Fisher-Yates shuffle (Durstenfeld, from the end) with `nextInt(below:)`; the ladders' shuffle.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// A uniformly random permutation of `0..<count` (Fisher–Yates with `nextIntMultiplyShift`); the
    /// statistics' permutation.
    public mutating func permutation(of count: Int) -> [Int] {
        var result = Array(0..<max(count, 0))
        var i = result.count - 1
        while i > 0 {
            let j = nextIntMultiplyShift(below: i + 1)
            result.swapAt(i, j)
            i -= 1
        }
        return result
    }

    /// A standard normal draw (Box–Muller on two `nextUnit()` values; the first is kept away from 0).
    public mutating func nextNormal() -> Double {
        let u1 = max(nextUnit(), 0x1.0p-53), u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A normal draw with standard deviation `std`, redrawn until it lies within ±`bound`·`std`
    /// (PyTorch's `trunc_normal_` with a = −bound·std, b = bound·std).
    public mutating func nextTruncatedNormal(std: Double, bound: Double = 3) -> Double {
        while true {
            let z = nextNormal()
            if abs(z) <= bound { return z * std }
        }
    }
}

/// 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3): stable seeds from strings.
public enum FNV1a64 {
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }
}
