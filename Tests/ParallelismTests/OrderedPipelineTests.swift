import Dispatch
import Foundation
import Testing
import Parallelism

@Suite("The ordered pipeline (items produced in parallel, consumed in order)")
struct OrderedPipelineTests {
    struct Boom: Error, Equatable { let index: Int }

    /// Uneven work (as items of different lengths): the consumer still sees every index once, in order,
    /// with the serial loop's values, for any thread count and window.
    @Test func consumesEveryItemInOrder() throws {
        for (threads, window) in [(1, 1), (2, 2), (2, 4), (3, 5), (8, 8)] {
            var seen: [Int] = []
            try orderedPipeline(count: 57, threads: threads, window: window, produce: { i -> Int in
                if i % 7 == 0 { usleep(2_000) }   // a slow item: later ones finish first
                return i * i
            }, consume: { i, value in
                #expect(value == i * i)
                seen.append(i)
                return true
            })
            #expect(seen == Array(0..<57), "threads \(threads), window \(window)")
        }
        try orderedPipeline(count: 0, threads: 2, window: 2, produce: { $0 }, consume: { _, _ in Issue.record("called"); return true })
    }

    /// No more than `window` items are started ahead of the consumer, however slow it is.
    @Test func windowBoundsWorkAhead() throws {
        let started = Locked(0)
        var worst = 0
        try orderedPipeline(count: 40, threads: 3, window: 4, produce: { i -> Int in
            started.withLock { $0 = max($0, i + 1) }
            return i
        }, consume: { i, _ in
            usleep(1_000)
            worst = max(worst, started.withLock { $0 } - i)
            return true
        })
        #expect(worst <= 4 && worst >= 1)
    }

    /// A producer failure surfaces at its index: earlier items are consumed, no later one.
    @Test func producerErrorAtItsIndex() {
        var seen: [Int] = []
        #expect(throws: Boom(index: 9)) {
            try orderedPipeline(count: 30, threads: 2, window: 4, produce: { i -> Int in
                if i == 9 || i == 20 { throw Boom(index: i) }
                return i
            }, consume: { i, _ in seen.append(i); return true })
        }
        #expect(seen == Array(0..<9))
    }

    /// Stopping (false or a throw from the consumer) starts no further item, and every worker has
    /// finished when the call returns.
    @Test func consumerStopsThePipeline() {
        for throwing in [false, true] {
            let produced = Locked(0), running = Locked(0)
            var seen: [Int] = []
            let body = {
                try orderedPipeline(count: 1_000, threads: 2, window: 3, produce: { i -> Int in
                    running.withLock { $0 += 1 }
                    defer { running.withLock { $0 -= 1 } }
                    usleep(200)
                    produced.withLock { $0 += 1 }
                    return i
                }, consume: { i, _ in
                    seen.append(i)
                    if i == 5 {
                        if throwing { throw Boom(index: i) }
                        return false
                    }
                    return true
                })
            }
            if throwing { #expect(throws: Boom(index: 5)) { try body() } } else { #expect(throws: Never.self) { try body() } }
            #expect(seen == Array(0...5))
            #expect(produced.withLock { $0 } <= 6 + 3)
            #expect(running.withLock { $0 } == 0)
        }
    }
}
