import Dispatch

/// `(0..<count).map(body)` on up to `threads` threads, results in index order; the first error in index
/// order is rethrown after every call has finished. The study's rows are independent (each bootstrap is
/// seeded from the row's identity), so this gives the same rows as the serial map.
func orderedParallelMap<T>(_ count: Int, threads: Int, _ body: (Int) throws -> T) throws -> [T] {
    if threads <= 1 || count <= 1 { return try (0..<count).map(body) }
    let slots = UnsafeMutableBufferPointer<Result<T, Error>?>.allocate(capacity: count)
    slots.initialize(repeating: nil)
    defer { slots.deinitialize(); slots.deallocate() }
    let shared = SharedSlots(slots)
    withoutActuallyEscaping(body) { body in
        let task = SharedTask(body)
        // Workers take indices round-robin (index w, w + workers, …): rows cost about the same.
        let workers = min(threads, count)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in stride(from: w, to: count, by: workers) {
                shared.slots[i] = Result { try task.body(i) }   // each index written by one worker only
            }
        }
    }
    return try slots.map { try $0!.get() }
}

private struct SharedSlots<T>: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<Result<T, Error>?>
    init(_ slots: UnsafeMutableBufferPointer<Result<T, Error>?>) { self.slots = slots }
}

private struct SharedTask<T>: @unchecked Sendable {
    let body: (Int) throws -> T
    init(_ body: @escaping (Int) throws -> T) { self.body = body }
}
