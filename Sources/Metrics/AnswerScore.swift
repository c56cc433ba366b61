/// How well a model answers a task item: teacher-forced answer loss and greedy exact match.
///
/// Task ladders mark answer bytes; whether a level is *hard for the model* is measured here instead of
/// assumed from the level index. Both numbers come from the logits of one ordinary forward pass over the
/// full item (prompt + answer), as `ByteEntropy.nextByteLosses` does:
///
/// - **Positions** are sequence positions: position 0 is BOS, byte offset k of the item is position k + 1.
///   Row t − 1 of the logits is the model's distribution over the byte at position t, so each scored
///   position t ≥ 1 reads row t − 1 and compares it with `ids[t]`.
/// - **Answer loss** is the mean next-byte loss over the scored positions, in bits per byte
///   (teacher-forced: every earlier byte, including earlier answer bytes, is the true one).
/// - **Exact match** is 1 when, at every scored position, the arg-max of the row is the true id, else 0.
///   Because the BLT is causal (and its patching only reads past bytes), a row depends only on the bytes
///   before it; when every arg-max along a contiguous answer span is right, greedy decoding from the
///   prompt reproduces exactly the true prefix at each step, so it generates the answer. Teacher-forced
///   exact match over a contiguous answer span therefore *equals* greedy decoding of that span, and it
///   needs no generation loop. It does not check what the model would emit *after* the span (whether it
///   stops), which is the same convention as greedy exact match on the answer string.
/// - **Ties** in the arg-max are broken towards the lowest vocabulary index (the first maximum), as in
///   `ByteEntropy`; a tie between the true id and a lower id therefore counts as wrong. Ties are
///   practically absent for float logits of a trained model, and the rule keeps the answer deterministic.
/// - **Dyck** items score only the closing brackets of the query string (their type is fixed by the stack;
///   the opening brackets are free choices no model can predict). Dyck "accuracy" is therefore: given the
///   true string so far, the model's arg-max names the right closing bracket at *every* closing position.
///   That is teacher-forced over the non-contiguous scored set, not free-running generation of the string.
public struct AnswerScore: Sendable, Equatable {
    /// Mean next-byte loss over the scored positions, bits per byte.
    public let lossBits: Double
    /// Scored positions whose arg-max is the true id.
    public let correctPositions: Int
    /// Number of scored positions.
    public let positions: Int

    /// 1 when every scored position is predicted correctly (greedy exact match), else 0.
    public var exactMatch: Double { correctPositions == positions ? 1 : 0 }

    /// Scores `positions` (sequence positions, see the type's documentation) of one item.
    /// - Parameters:
    ///   - logits: row-major `[rows, vocabulary]` logits of the forward pass over `ids`.
    ///   - ids: the model's input ids (length `rows`, BOS first).
    ///   - positions: scored sequence positions, each in `1..<rows` (duplicates are scored once).
    /// - Throws: `MetricsError.empty` for no positions, `.outOfRange` for a position outside `1..<rows` or an
    ///   id outside the vocabulary, `.shapeMismatch` for inconsistent lengths, `.nonFinite` for NaN/±∞ logits
    ///   in a scored row.
    public static func score(logits: UnsafeBufferPointer<Float>, rows: Int, vocabulary: Int, ids: [Int],
                             positions: [Int]) throws -> AnswerScore {
        try checkMatrixShape(logits, rows: rows, cols: vocabulary, dimension: nil)
        guard ids.count == rows else {
            throw MetricsError.shapeMismatch(argument: "ids", expected: rows, actual: ids.count)
        }
        let scored = Array(Set(positions)).sorted()
        guard !scored.isEmpty else { throw MetricsError.empty(argument: "positions") }
        for t in scored where !(1..<max(1, rows)).contains(t) {
            throw MetricsError.outOfRange(argument: "positions", value: t, validRange: "1..<\(rows)")
        }
        var lossNats = 0.0
        var correct = 0
        for t in scored {
            let id = ids[t]
            guard (0..<vocabulary).contains(id) else {
                throw MetricsError.outOfRange(argument: "ids[\(t)]", value: id, validRange: "0..<\(vocabulary)")
            }
            let row = UnsafeBufferPointer(rebasing: logits[((t - 1) * vocabulary)..<(t * vocabulary)])
            try validateFinite(row, argument: "logits row \(t - 1)")
            lossNats += max(0, ByteEntropy.logSumExp(row) - Double(row[id]))
            if ByteEntropy.maximum(row).index == id { correct += 1 }
        }
        return AnswerScore(lossBits: ByteEntropy.bits(fromNats: lossNats / Double(scored.count)),
                           correctPositions: correct, positions: scored.count)
    }

    public init(lossBits: Double, correctPositions: Int, positions: Int) {
        self.lossBits = lossBits
        self.correctPositions = correctPositions
        self.positions = positions
    }
}
