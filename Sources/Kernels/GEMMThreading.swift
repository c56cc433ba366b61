#if canImport(Glibc)
import Glibc
#endif

/// Thread-count control for oneDNN's OpenMP runtime.
///
/// Debian's oneDNN runs on libgomp, whose worker threads spin-wait after every parallel region
/// (default `OMP_WAIT_POLICY`). For the many small products of a BLT forward that spinning costs far
/// more than the product itself, and on a busy 2-core machine it steals the core the next serial
/// step needs (measured: a 1024-byte forward of a tiny model took ~1 s instead of ~0.1 s). Products
/// below `parallelThreshold` multiply-adds therefore run on the calling thread only; larger ones use
/// all OpenMP threads. libgomp is already loaded by libdnnl, so its API is looked up with `dlsym`
/// (no extra link dependency); if it is absent (another OpenMP runtime), nothing changes.
enum GEMMThreading {
    /// Multiply-adds (rows · in · out) from which a product uses all threads.
    static let parallelThreshold = 1 << 22

    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetThreads = @convention(c) () -> Int32

    private static let setNumThreads: SetThreads? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_num_threads") else { return nil }
        return unsafeBitCast(symbol, to: SetThreads.self)
        #else
        return nil
        #endif
    }()

    /// Threads OpenMP would use by default (from `OMP_NUM_THREADS` or the CPU count).
    static let maximumThreads: Int32 = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_max_threads") else { return 1 }
        return max(1, unsafeBitCast(symbol, to: GetThreads.self)())
        #else
        return 1
        #endif
    }()

    /// Sets the calling thread's OpenMP team size for a product of `multiplyAdds`.
    static func prepare(multiplyAdds: Int) {
        guard let setNumThreads else { return }
        setNumThreads(multiplyAdds < parallelThreshold ? 1 : maximumThreads)
    }
}
