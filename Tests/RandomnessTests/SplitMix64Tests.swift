import Testing
import Randomness

@Suite("SplitMix64 and FNV-1a")
struct SplitMix64Tests {
    /// Reference outputs of SplitMix64 for seed 0 (Vigna's splitmix64.c).
    @Test func referenceStream() {
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xe220_a839_7b1d_cdaf)
        #expect(rng.next() == 0x6e78_9e6a_a1b9_65f4)
        #expect(rng.next() == 0x06c4_5d18_8009_454f)
    }

    /// FNV-1a 64 test vectors (Fowler/Noll/Vo reference).
    @Test func fnvVectors() {
        #expect(FNV1a64.hash(Array("".utf8)) == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a64.hash(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a64.hash(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    }

    /// The two bounded draws are different algorithms on the same stream (both committed: ladders use
    /// modulo-with-rejection, statistics Lemire's), and both stay in range and hit every value.
    @Test func boundedDrawsDifferAndCover() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        let modulo = (0..<2000).map { _ in a.nextInt(below: 7) }
        let lemire = (0..<2000).map { _ in b.nextIntMultiplyShift(below: 7) }
        #expect(modulo != lemire)
        #expect(Set(modulo) == Set(0..<7) && Set(lemire) == Set(0..<7))
        var c = SplitMix64(seed: 1)
        #expect(c.nextInt(below: 0) == 0 && c.nextIntMultiplyShift(below: -3) == 0)
    }

    @Test func permutationIsAPermutation() {
        var rng = SplitMix64(seed: 9)
        let p = rng.permutation(of: 50)
        #expect(p.sorted() == Array(0..<50) && p != Array(0..<50))
        var values = Array(0..<50)
        rng.shuffle(&values)
        #expect(values.sorted() == Array(0..<50))
    }

    /// Truncated normal: never outside ±3σ, mean ≈ 0 and standard deviation ≈ 0.986σ (the ±3σ truncation).
    @Test func truncatedNormal() {
        var rng = SplitMix64(seed: 3)
        let values = (0..<20_000).map { _ in rng.nextTruncatedNormal(std: 0.5) }
        #expect(values.allSatisfy { abs($0) <= 1.5 })
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(mean) < 0.02)
        #expect(abs(sd - 0.5 * 0.9866) < 0.01)
    }
}
