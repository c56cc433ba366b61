#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Limits the OpenMP threads that oneDNN's `dnnl_sgemm` uses *on the calling thread*.
///
/// Why: the study runs many small matrix products. With libgomp's default active waiting, the
/// second OpenMP thread of every tiny GEMM spins between calls, and on a busy 2-core machine a
/// study ran ~3× slower than with one OpenMP thread. The runner therefore parallelises over items
/// (`--threads`) and keeps each item's forward pass on one OpenMP thread. OpenMP thread counts are
/// per-thread state (ICVs), so every worker sets its own. Looked up with `dlsym`, so nothing breaks
/// when the process has no OpenMP runtime.
enum OpenMPThreads {
    private typealias SetNumThreads = @convention(c) (Int32) -> Void

    private static let setNumThreads: SetNumThreads? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_num_threads") else { return nil }
        return unsafeBitCast(symbol, to: SetNumThreads.self)
    }()

    /// Sets the OpenMP thread count of the calling thread (no-op without an OpenMP runtime).
    static func setForCurrentThread(_ count: Int) {
        setNumThreads?(Int32(max(1, count)))
    }
}
