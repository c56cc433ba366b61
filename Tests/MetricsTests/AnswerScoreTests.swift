import Foundation
import Testing
@testable import Metrics

@Suite("Answer loss and greedy exact match")
struct AnswerScoreTests {
    // 4 positions (BOS + 3 bytes), vocabulary 3. Row t predicts position t + 1.
    // row 0: [0, 0, ln 3]  → p = (1, 1, 3)/5; true id at position 1 is 2 → loss ln(5/3), arg-max 2 (right)
    // row 1: [1, 1, 0]     → tie between ids 0 and 1, broken to 0; true id 1 → wrong; loss ln(2e + 1) − 1
    // row 2: [0, 0, 0]     → uniform, tie broken to id 0; true id 0 → right; loss ln 3
    let logits: [Float] = [0, 0, Float(log(3.0)), 1, 1, 0, 0, 0, 0, 5, 5, 5]
    let ids = [0, 2, 1, 0]

    func score(_ positions: [Int]) throws -> AnswerScore {
        try logits.withUnsafeBufferPointer {
            try AnswerScore.score(logits: $0, rows: 4, vocabulary: 3, ids: ids, positions: positions)
        }
    }

    @Test("matches a hand computation")
    func handComputation() throws {
        let one = try score([1])
        #expect(abs(one.lossBits - log2(5.0 / 3.0)) < 1e-6)
        #expect(one.exactMatch == 1 && one.correctPositions == 1 && one.positions == 1)

        let two = try score([3, 1])
        #expect(abs(two.lossBits - (log(5.0 / 3.0) + log(3.0)) / 2 / log(2.0)) < 1e-6)
        #expect(two.exactMatch == 1 && two.correctPositions == 2)

        let all = try score([1, 2, 3])
        let expected = (log(5.0 / 3.0) + (log(2 * M_E + 1) - 1) + log(3.0)) / 3 / log(2.0)
        #expect(abs(all.lossBits - expected) < 1e-6)
        #expect(all.exactMatch == 0 && all.correctPositions == 2 && all.positions == 3)
    }

    @Test("a tie is broken towards the lower id, so the true id 1 loses to id 0")
    func ties() throws {
        #expect(try score([2]).exactMatch == 0)
        #expect(try score([3]).exactMatch == 1)
    }

    @Test("duplicates are scored once; invalid positions and ids throw")
    func errors() throws {
        #expect(try score([1, 1]) == score([1]))
        #expect(throws: MetricsError.empty(argument: "positions")) { try score([]) }
        #expect(throws: MetricsError.outOfRange(argument: "positions", value: 0, validRange: "1..<4")) { try score([0]) }
        #expect(throws: MetricsError.outOfRange(argument: "positions", value: 4, validRange: "1..<4")) { try score([4]) }
        #expect(throws: MetricsError.self) {
            try logits.withUnsafeBufferPointer {
                try AnswerScore.score(logits: $0, rows: 4, vocabulary: 3, ids: [0, 9, 1, 0], positions: [1])
            }
        }
        #expect(throws: MetricsError.self) {
            try logits.withUnsafeBufferPointer {
                try AnswerScore.score(logits: $0, rows: 4, vocabulary: 3, ids: [0, 1], positions: [1])
            }
        }
    }
}
