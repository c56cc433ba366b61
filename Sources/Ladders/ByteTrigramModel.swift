import Foundation

/// A byte-trigram language model with interpolated Witten-Bell smoothing, fitted (by
/// `extract_corpus.py`) on a 3 MB sample of the train split and shipped as counts in
/// `Assets/datasets/trigram_counts.bin`.
///
/// Probabilities, all derived from the stored trigram counts C(abc):
///
///     P1(c)    = (C(c) + N1(.) / 256) / (C(.) + N1(.))
///     P2(c|b)  = (C(bc) + N1(b.) P1(c)) / (C(b.) + N1(b.))       (= P1(c) if C(b.) = 0)
///     P3(c|ab) = (C(abc) + N1(ab.) P2(c|b)) / (C(ab.) + N1(ab.))  (= P2(c|b) if C(ab.) = 0)
///
/// where C(bc) = sum over a of C(abc), C(c) = sum over b of C(bc), and N1(x.) counts distinct
/// continuations of x. Every byte has probability > 0, so bits/byte is always finite; unseen bytes
/// cost at least log2(256) = 8 bits plus the back-off penalty.
///
/// File layout (little-endian): `BLTG`, u32 version = 1, u32 n, then n × (u32 key = a<<16|b<<8|c,
/// u32 count), keys strictly increasing.
public struct ByteTrigramModel: Sendable {
    private let trigram: [UInt32: UInt32]
    private let contextTotal: [UInt32]       // C(ab.), index a<<8|b
    private let contextTypes: [UInt32]       // N1(ab.)
    private let bigram: [UInt32]             // C(bc), index b<<8|c
    private let bigramContextTotal: [UInt32] // C(b.)
    private let bigramContextTypes: [UInt32] // N1(b.)
    private let unigram: [Double]            // P1(c)

    /// Bytes assumed before the first byte of a text: documents in the train split follow a
    /// blank line, so "\n\n" is the natural start-of-document context.
    public static let startContext: (UInt8, UInt8) = (10, 10)

    /// Loads the counts file; throws ``LadderError`` naming the path on any format problem.
    public init(contentsOf url: URL) throws {
        let data = try DatasetAssets.readData(url)
        let bytes = [UInt8](data)
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual(Array("BLTG".utf8)) else {
            throw LadderError.malformedAsset(path: url.path, detail: "missing BLTG header")
        }
        guard u32(4) == 1 else {
            throw LadderError.malformedAsset(path: url.path, detail: "unsupported version \(u32(4))")
        }
        let n = Int(u32(8))
        guard bytes.count == 12 + 8 * n else {
            throw LadderError.malformedAsset(path: url.path, detail: "expected \(12 + 8 * n) bytes, found \(bytes.count)")
        }
        var counts: [(UInt32, UInt32)] = []
        counts.reserveCapacity(n)
        var previous: Int64 = -1
        for i in 0..<n {
            let key = u32(12 + 8 * i), count = u32(16 + 8 * i)
            guard key < 1 << 24, Int64(key) > previous, count > 0 else {
                throw LadderError.malformedAsset(path: url.path, detail: "entry \(i) has key \(key), count \(count)")
            }
            previous = Int64(key)
            counts.append((key, count))
        }
        self.init(trigramCounts: counts)
    }

    /// Builds the model from explicit counts `(key = a<<16|b<<8|c, count)`; keys must be unique.
    public init(trigramCounts: [(UInt32, UInt32)]) {
        var tri: [UInt32: UInt32] = [:]
        tri.reserveCapacity(trigramCounts.count)
        var ctxTotal = [UInt32](repeating: 0, count: 65536)
        var ctxTypes = [UInt32](repeating: 0, count: 65536)
        var bi = [UInt32](repeating: 0, count: 65536)
        for (key, count) in trigramCounts {
            tri[key] = count
            ctxTotal[Int(key >> 8)] += count
            ctxTypes[Int(key >> 8)] += 1
            bi[Int(key & 0xFFFF)] += count
        }
        var biTotal = [UInt32](repeating: 0, count: 256)
        var biTypes = [UInt32](repeating: 0, count: 256)
        var uni = [Double](repeating: 0, count: 256)
        for key in 0..<65536 where bi[key] > 0 {
            biTotal[key >> 8] += bi[key]
            biTypes[key >> 8] += 1
            uni[key & 0xFF] += Double(bi[key])
        }
        let total = uni.reduce(0, +)
        let types = Double(uni.filter { $0 > 0 }.count)
        if total > 0 {
            uni = uni.map { ($0 + types / 256) / (total + types) }
        } else {
            uni = [Double](repeating: 1.0 / 256, count: 256)
        }
        trigram = tri
        contextTotal = ctxTotal
        contextTypes = ctxTypes
        bigram = bi
        bigramContextTotal = biTotal
        bigramContextTypes = biTypes
        unigram = uni
    }

    /// P(c | a b), always in (0, 1).
    public func probability(of c: UInt8, after a: UInt8, _ b: UInt8) -> Double {
        let p1 = unigram[Int(c)]
        let bTotal = Double(bigramContextTotal[Int(b)])
        var p2 = p1
        if bTotal > 0 {
            let t = Double(bigramContextTypes[Int(b)])
            p2 = (Double(bigram[Int(b) << 8 | Int(c)]) + t * p1) / (bTotal + t)
        }
        let ctx = Int(a) << 8 | Int(b)
        let abTotal = Double(contextTotal[ctx])
        guard abTotal > 0 else { return p2 }
        let t = Double(contextTypes[ctx])
        let key = UInt32(ctx) << 8 | UInt32(c)
        return (Double(trigram[key] ?? 0) + t * p2) / (abTotal + t)
    }

    /// Mean bits per byte of `bytes[span]`, each byte predicted from the two bytes before it in
    /// `bytes` (``startContext`` before the start). Returns `nil` for an empty span.
    public func bitsPerByte(_ bytes: [UInt8], span: Range<Int>? = nil) -> Double? {
        let span = span ?? 0..<bytes.count
        guard !span.isEmpty else { return nil }
        var sum = 0.0
        for i in span {
            let a = i >= 2 ? bytes[i - 2] : (i == 1 ? Self.startContext.1 : Self.startContext.0)
            let b = i >= 1 ? bytes[i - 1] : Self.startContext.1
            sum -= log2(probability(of: bytes[i], after: a, b))
        }
        return sum / Double(span.count)
    }
}
