import Parallelism
import CKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many CPU threads the kernels use (matrix-product bands, attention heads).
///
/// Defaults to the online CPU count, capped by `OMP_NUM_THREADS` when that is set. Set it once before
/// running (e.g. `probe bench --threads N`); changing it while a forward pass runs affects only the
/// products that start afterwards. Values below 1 are clamped to 1.
public enum ComputeThreads {
    public static var count: Int {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = max(1, newValue) } }
    }

    /// The default: online CPUs, or `OMP_NUM_THREADS` if set to a smaller positive number.
    public static let available: Int = {
        #if canImport(Glibc)
        let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        let cores = 1
        #endif
        if let raw = getenv("OMP_NUM_THREADS"), let requested = Int(String(cString: raw)), requested > 0 {
            return min(cores, requested)
        }
        return cores
    }()

    private static let storage = Locked<Int>(available)

    /// Runs `body` with the kernels called from this thread single-threaded, whatever `count` says: for
    /// callers that already run several forward passes at once (one per core), where splitting each
    /// product over the pool again would put more busy threads than cores on the machine. Nests.
    public static func serially<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(serialKey)
        pthread_setspecific(serialKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(serialKey, previous) }
        return try body()
    }

    /// The workers a kernel called on this thread may use: `count`, or 1 inside `serially`.
    static var forCallingThread: Int { pthread_getspecific(serialKey) == nil ? count : 1 }

    private static let serialKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Wakes idle kernel worker threads ahead of a burst of parallel work (e.g. at the start of a
    /// forward pass), so waking an idle core overlaps serial work instead of delaying the first
    /// products. Cheap and harmless when the workers are already awake or were never started.
    public static func prepareWorkers() {
        if forCallingThread > 1 { bl_pool_wake() }
    }
}

/// Runs `body(i)` for `i in 0..<count` on up to `ComputeThreads.forCallingThread` workers (the calling thread
/// and CKernels pool helpers), each taking the next index when it finishes one. Runs inline when one worker suffices.
enum Parallel {
    static func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        dynamic(chunks: count, workers: ComputeThreads.forCallingThread, body)
    }
}

extension Parallel {
    /// Runs `body(chunk)` for every chunk in `0..<chunks` on up to `workers` workers (the calling
    /// thread and pool helpers, see pool.c) that take the next chunk as soon as they finish one (dynamic scheduling): on a shared machine a worker
    /// whose core is busy with another process simply takes fewer chunks instead of holding everyone up.
    static func dynamic(chunks: Int, workers: Int, _ body: @Sendable (Int) -> Void) {
        let count = min(workers, chunks)
        if count <= 1 {
            for c in 0..<chunks { body(c) }
            return
        }
        // CKernels' pool (helpers spin briefly between regions instead of sleeping at once; see pool.c).
        typealias Body = (Int) -> Void
        withoutActuallyEscaping(body) { escapable in
            var task: Body = escapable
            withUnsafeMutablePointer(to: &task) { pointer in
                bl_pool_run({ context, index in
                    context!.assumingMemoryBound(to: Body.self).pointee(index)
                }, pointer, chunks, Int32(count))
            }
        }
    }
}
