import Dispatch
import Testing
import Parallelism

@Suite("Locks and the ordered parallel map")
struct ParallelismTests {
    @Test func orderedMapKeepsOrderAndEqualsTheSerialMap() throws {
        for threads in [1, 2, 3, 8] {
            let out = try orderedParallelMap(101, threads: threads) { $0 * $0 }
            #expect(out == (0..<101).map { $0 * $0 })
        }
        #expect(try orderedParallelMap(["a", "bb", "ccc"], threads: 2) { $0.count } == [1, 2, 3])
        #expect(try orderedParallelMap(0, threads: 4) { $0 }.isEmpty)
    }

    struct Boom: Error, Equatable { let index: Int }

    /// The first error in index order is thrown, after every call has run.
    @Test func firstErrorInIndexOrderAfterAllCalls() {
        let calls = Locked(0)
        #expect(throws: Boom(index: 3)) {
            _ = try orderedParallelMap(20, threads: 4) { i -> Int in
                calls.withLock { $0 += 1 }
                if i == 3 || i == 11 { throw Boom(index: i) }
                return i
            }
        }
        #expect(calls.withLock { $0 } == 20)
    }

    @Test func lockedCounterAndFirstErrorUnderContention() {
        let counter = Locked(0)
        let first = FirstError<Int>()
        DispatchQueue.concurrentPerform(iterations: 1000) { i in
            _ = counter.fetchAdd()
            if i % 100 == 7 { first.record(i) }
        }
        #expect(counter.withLock { $0 } == 1000)
        let recorded = first.first
        #expect(recorded != nil && recorded! % 100 == 7)
        let none = FirstError<Int>()
        #expect(none.first == nil)
    }
}
