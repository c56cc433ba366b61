import Foundation

/// The committed list of train-split line hashes (`Assets/datasets/train_line_hashes.bin`), used to
/// verify that held-out items never occur in the train split without shipping the split.
///
/// Layout: `BLLH`, u32 LE prefix length L (5), u32 LE count n, then n LEB128 varints: the gaps
/// between consecutive values of the sorted, distinct L-byte SHA-256 prefixes (read as big-endian
/// integers; the first gap is from 0) of every distinct train line (stripped of surrounding
/// whitespace) of at least ``minimumLineBytes`` UTF-8 bytes.
public struct TrainLineHashes: Sendable {
    public static let minimumLineBytes = 24
    let prefixLength: Int
    let sorted: [UInt64]

    public init(contentsOf url: URL) throws {
        let bytes = [UInt8](try DatasetAssets.readData(url))
        guard bytes.count >= 12, bytes[0..<4].elementsEqual(Array("BLLH".utf8)) else {
            throw LadderError.malformedAsset(path: url.path, detail: "missing BLLH header")
        }
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        }
        let l = u32(4), n = u32(8)
        guard (1...8).contains(l) else {
            throw LadderError.malformedAsset(path: url.path, detail: "prefix length \(l)")
        }
        var values: [UInt64] = []
        values.reserveCapacity(n)
        var at = 12, current: UInt64 = 0
        for i in 0..<n {
            var gap: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard at < bytes.count, shift < 64 else {
                    throw LadderError.malformedAsset(path: url.path, detail: "truncated varint at entry \(i)")
                }
                let b = bytes[at]
                at += 1
                gap |= UInt64(b & 0x7F) << shift
                shift += 7
                if b & 0x80 == 0 { break }
            }
            guard i == 0 || gap > 0 else {
                throw LadderError.malformedAsset(path: url.path, detail: "entry \(i) is not increasing")
            }
            current &+= gap
            values.append(current)
        }
        guard at == bytes.count else {
            throw LadderError.malformedAsset(path: url.path, detail: "\(bytes.count - at) trailing bytes")
        }
        prefixLength = l
        sorted = values
    }

    public var count: Int { sorted.count }

    /// The stripped line as it would be hashed, or `nil` if it is too short to be checked.
    public static func normalized(_ line: Substring) -> String? {
        let t = line.trimmingCharacters(in: .whitespaces)
        return t.utf8.count >= minimumLineBytes ? t : nil
    }

    /// Whether a (normalized) line's hash prefix occurs among the train lines.
    public func containsLine(_ line: String) -> Bool {
        let d = SHA256.digest(Array(line.utf8))
        var v: UInt64 = 0
        for j in 0..<prefixLength { v = v << 8 | UInt64(d[j]) }
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] == v
    }

    /// Held-out lines (split at "\n", normalized) found among the train lines; empty = disjoint.
    public func leakedLines(of texts: [String]) -> [String] {
        texts.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: true) }
            .compactMap(Self.normalized)
            .filter(containsLine)
    }
}
