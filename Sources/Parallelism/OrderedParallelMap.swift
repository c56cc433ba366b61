import Dispatch

/// `(0..<count).map(body)` on up to `threads` threads, results in index order; the first error in index
/// order is rethrown after every call has finished. The statistics compute their independent rows through
/// it; the study's items go through `orderedPipeline`, which also overlaps them with writing.
///
/// Workers take indices round-robin (index w, w + workers, …), each index written by one worker only, so
/// the results equal the serial map's whenever `body` does not depend on timing.
public func orderedParallelMap<T>(_ count: Int, threads: Int, _ body: (Int) throws -> T) throws -> [T] {
    if threads <= 1 || count <= 1 { return try (0..<count).map(body) }
    let slots = UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: count)
    slots.initialize(repeating: nil)
    defer { slots.deinitialize(); slots.deallocate() }
    let shared = SharedSlots(slots)
    withoutActuallyEscaping(body) { body in
        let task = SharedTask(body)
        let workers = min(threads, count)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in stride(from: w, to: count, by: workers) {
                shared.slots[i] = Result { try task.body(i) }
            }
        }
    }
    return try slots.map { try $0!.get() }
}

/// `inputs.map(body)` through `orderedParallelMap`.
public func orderedParallelMap<Input, T>(_ inputs: [Input], threads: Int, _ body: (Input) throws -> T) throws -> [T] {
    try orderedParallelMap(inputs.count, threads: threads) { try body(inputs[$0]) }
}

private struct SharedSlots<T>: @unchecked Sendable {
    // @unchecked: each slot is written by exactly one worker and read only after all have finished.
    let slots: UnsafeMutableBufferPointer<Result<T, Error>?>
    init(_ slots: UnsafeMutableBufferPointer<Result<T, Error>?>) { self.slots = slots }
}

private struct SharedTask<T>: @unchecked Sendable {
    // @unchecked: callers pass bodies that are safe to run concurrently (documented above).
    let body: (Int) throws -> T
    init(_ body: @escaping (Int) throws -> T) { self.body = body }
}
