import Dispatch

/// Produces items 0..<count on `threads` worker threads and consumes them on the calling thread in index
/// order, overlapping the two: the study runner measures items on the workers while the calling thread
/// writes finished ones to the HDF5 file.
///
/// Unlike batches of `orderedParallelMap` (every worker waits for the slowest item of its batch, and
/// all of them for the writer), a worker takes the next index as soon as it is free, so items of
/// different lengths and the writer's checkpoints no longer leave a core idle. The consumer sees the
/// same items in the same order as a serial loop, so anything it writes is identical.
///
/// - `window`: at most this many items are started ahead of the consumer (produced but not yet consumed,
///   or in production); it bounds memory when the consumer is slower. At least `threads`.
/// - `consume(i, value)` returns false to stop early (no item starts after that; items in production
///   finish and are dropped). A `consume` that throws stops the same way and the error is rethrown.
/// - A `produce` failure at index i is rethrown when consumption reaches i (items before it are consumed
///   first; none after it).
/// The function returns (or throws) only after every worker has finished.
public func orderedPipeline<T>(count: Int, threads: Int, window: Int,
                               produce: (Int) throws -> T, consume: (Int, T) throws -> Bool) throws {
    guard count > 0 else { return }
    if threads <= 1 || count == 1 {
        for i in 0..<count where try !consume(i, produce(i)) { return }
        return
    }
    let workers = min(threads, count)
    let state = Locked(PipelineState<T>())
    // Tokens: one per item started ahead of the consumer. Created at 0 and signalled up: libdispatch
    // traps when a semaphore is released holding less than its initial value.
    let tokens = DispatchSemaphore(value: 0)
    for _ in 0..<max(window, workers) { tokens.signal() }
    let ready = DispatchSemaphore(value: 0)   // one per result stored
    let group = DispatchGroup()
    func stopWorkers() {
        state.withLock { $0.stopped = true }
        // Wake workers waiting for a token; each passes one on as it leaves.
        for _ in 0..<workers { tokens.signal() }
        group.wait()
    }
    try withoutActuallyEscaping(produce) { produce in
        let task = PipelineTask(produce)
        for _ in 0..<workers {
            DispatchQueue.global().async(group: group) {
                while true {
                    tokens.wait()
                    let index: Int? = state.withLock { s in
                        guard !s.stopped, s.next < count else { return nil }
                        defer { s.next += 1 }
                        return s.next
                    }
                    guard let index else { tokens.signal(); return }
                    let result = Finished(Result { try task.body(index) })
                    state.withLock { $0.results[index] = result }
                    ready.signal()
                }
            }
        }
        do {
            for i in 0..<count {
                var result: Finished<T>?
                while true {
                    result = state.withLock { $0.results.removeValue(forKey: i) }
                    if result != nil { break }
                    ready.wait()   // extra signals from results already taken only cost a re-check
                }
                let keepGoing = try consume(i, result!.value.get())
                tokens.signal()
                if !keepGoing { break }
            }
        } catch {
            stopWorkers()
            throw error
        }
        stopWorkers()
    }
}

private struct PipelineState<T> {
    var next = 0
    var stopped = false
    var results: [Int: Finished<T>] = [:]
}

private struct Finished<T>: @unchecked Sendable {
    // @unchecked: handed from the worker that produced it to the consuming thread once, under the lock.
    let value: Result<T, Error>
    init(_ value: Result<T, Error>) { self.value = value }
}

private struct PipelineTask<T>: @unchecked Sendable {
    // @unchecked: callers pass bodies that are safe to run concurrently (documented above).
    let body: (Int) throws -> T
    init(_ body: @escaping (Int) throws -> T) { self.body = body }
}
