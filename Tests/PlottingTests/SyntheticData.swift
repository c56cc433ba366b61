import Foundation
@testable import Plotting
import Statistics

/// Deterministic synthetic inputs (SplitMix64), plausible in shape and size for a BLT probe run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

enum Synthetic {
    /// Mixed Chinese and Japanese (written for these tests).
    static let cjk = "字节模型逐个读取字节，难以预测的地方开始新的片段。東京の天気は晴れ、気温は二十度です。"
    /// Hindi in Devanagari (written for these tests): conjuncts and vowel signs.
    static let devanagari = "बाइट मॉडल हर अक्षर को पढ़ता है; जहाँ अगला बाइट कठिन हो, वहाँ नया खंड शुरू होता है।"
    static let text = """
    The entropy model reads bytes one at a time; where the next byte is hard to guess, a new patch begins. \
    Rare words like "Przewalski" or numbers such as 3.14159 split into short patches, while common \
    phrases ride along in long ones. Ünïcödé bytes (é, ß, 漢字) are drawn over their bytes; a tab\there shows as hex.
    """

    /// Per-byte entropy with spikes at word starts, digits and non-ASCII bytes.
    static func entropy(_ bytes: [UInt8], rng: inout SplitMix64) -> [Double] {
        var out = [Double]()
        var prev: UInt8 = 0x20
        for b in bytes {
            var e = 0.6 + 0.5 * rng.uniform()
            if prev == 0x20 { e += 1.6 + rng.uniform() }
            if b >= 0x30 && b <= 0x39 { e += 1.8 }
            if b >= 0x80 { e += 2.4 }
            if b >= 0x41 && b <= 0x5A { e += 1.0 }
            out.append(min(7.9, e))
            prev = b
        }
        return out
    }

    /// Patch starts where entropy exceeds a threshold (global threshold rule), first 0.
    static func patches(entropy: [Double], threshold: Double = 2.0) -> [Int] {
        var starts = [0]
        for i in 1..<entropy.count where entropy[i] > threshold { starts.append(i) }
        return starts
    }
}

/// The scatter annotation's fit as the report makes it: fitted by Statistics, drawn by Plotting.
func statisticsFit(_ x: [Double], _ y: [Double]) -> LinearFit? {
    guard let line = (try? OrdinaryLeastSquares.line(x: x, y: y)) ?? nil else { return nil }
    return LinearFit(slope: line.slope, intercept: line.intercept, r: line.r, n: line.n)
}
