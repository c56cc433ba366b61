import Parallelism
import CDNNL
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

extension Linear {
    /// `out[rows, outFeatures] = bf16(x)[rows, inFeatures] · weightᵀ` with a bfloat16 weight stored
    /// row-major as `[outFeatures, inFeatures]` (PyTorch `nn.Linear` layout), fp32 accumulation and fp32
    /// output, on oneDNN's matmul primitive (AVX-512-BF16 or AMX where the CPU has them, else an
    /// emulated path). `x` is rounded to bf16 (nearest even) first. Zero rows is a no-op; zero
    /// `inFeatures` writes zeros.
    public static func applyBFloat16(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
        weight: UnsafePointer<UInt16>, outFeatures: Int,
        into out: UnsafeMutablePointer<Float>
    ) throws(KernelError) {
        if rows == 0 || outFeatures == 0 { return }
        if inFeatures == 0 { out.update(repeating: 0, count: rows * outFeatures); return }
        let input = UnsafeMutablePointer<UInt16>.allocate(capacity: rows * inFeatures)
        defer { input.deallocate() }
        BFloat16.round(x, count: rows * inFeatures, into: input)
        let work = rows * inFeatures * outFeatures
        let bands = work >= GEMMThreading.parallelThreshold ? min(GEMMThreading.bands, max(rows, outFeatures)) : 1
        let byRows = GEMMThreading.splitsRows(rows: rows, outFeatures: outFeatures, bands: bands)
        let extent = byRows ? rows : outFeatures
        let chunks = bands > 1 ? GEMMThreading.chunks(work: work, extent: extent, bands: bands) : 1
        let shared = SendableBF16(x: UnsafePointer(input), weight: weight, out: out)
        let failures = FirstError<Int>()
        Parallel.dynamic(chunks: chunks, workers: bands) { chunk in
            let (start, end) = GEMMThreading.chunkBounds(chunk, of: chunks, extent: extent, alignment: byRows ? 1 : 16)
            guard end > start else { return }
            let status: dnnl_status_t
            if byRows {
                status = BF16Matmul.run(slot: chunk, x: shared.x + start * inFeatures, rows: end - start,
                                        inFeatures: inFeatures, weight: shared.weight, outFeatures: outFeatures,
                                        out: shared.out + start * outFeatures, ldOut: outFeatures)
            } else {
                status = BF16Matmul.run(slot: chunk, x: shared.x, rows: rows, inFeatures: inFeatures,
                                        weight: shared.weight + start * inFeatures, outFeatures: end - start,
                                        out: shared.out + start, ldOut: outFeatures)
            }
            if status != dnnl_success { failures.record(Int(status.rawValue)) }
        }
        if let status = failures.first {
            throw .gemmFailed(status: status, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        }
    }
}

/// oneDNN matmul primitives for bf16 × bf16 → f32, created once per (calling thread, shape) and reused.
///
/// Keyed by thread because a oneDNN primitive (with its library-managed scratchpad) and a stream must
/// not execute concurrently from two threads; bands and concurrent forward calls run on different
/// threads. The cache is cleared when it exceeds `capacity` primitives (inputs of many lengths).
enum BF16Matmul {
    struct Key: Hashable { let thread: UInt, rows, inFeatures, outFeatures, ldOut: Int }
    static let capacity = 1024

    /// oneDNN handles shared by all threads; only touched inside `cacheLock`.
    private final class Cache: @unchecked Sendable {
        var engine: dnnl_engine_t?
        var streams: [UInt: dnnl_stream_t] = [:]
        var primitives: [Key: dnnl_primitive_t] = [:]
        var descriptors: [Key: (src: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, dst: dnnl_memory_desc_t)] = [:]
    }

    private static let cache = Cache()
    private static let cacheLock = Locked<Void>(())

    /// One single-threaded matmul on the calling thread (`slot` is the chunk index, for diagnostics).
    static func run(slot: Int, x: UnsafePointer<UInt16>, rows: Int, inFeatures: Int, weight: UnsafePointer<UInt16>,
                    outFeatures: Int, out: UnsafeMutablePointer<Float>, ldOut: Int) -> dnnl_status_t {
        GEMMThreading.serialOnThisThread()
        let thread = UInt(bitPattern: Int(bitPattern: UInt(pthread_self())))
        let key = Key(thread: thread, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, ldOut: ldOut)
        let c = cache
        typealias Descriptors = (src: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, dst: dnnl_memory_desc_t)
        var (status, primitive, stream, engine, found) = cacheLock.withLock {
            _ -> (dnnl_status_t, dnnl_primitive_t?, dnnl_stream_t?, dnnl_engine_t?, Descriptors?) in
            var status = dnnl_success
            if c.engine == nil { status = dnnl_engine_create(&c.engine, dnnl_cpu, 0) }
            if status == dnnl_success && c.streams[thread] == nil {
                var stream: dnnl_stream_t?
                status = dnnl_stream_create(&stream, c.engine, UInt32(dnnl_stream_default_flags.rawValue))
                if status == dnnl_success { c.streams[thread] = stream }
            }
            if status == dnnl_success && c.primitives[key] == nil {
                if c.primitives.count >= capacity {
                    // Other threads may be executing their primitives right now; the calling thread's own
                    // are idle, so only those are evicted.
                    for (k, primitive) in c.primitives where k.thread == thread {
                        dnnl_primitive_destroy(primitive)
                        c.primitives[k] = nil
                        c.descriptors[k] = nil
                    }
                }
                status = create(key, engine: c.engine, cache: c)
            }
            return (status, c.primitives[key], c.streams[thread], c.engine, c.descriptors[key])
        }
        var descriptors = found
        guard status == dnnl_success, let primitive, let stream, var d = descriptors else {
            return status == dnnl_success ? dnnl_runtime_error : status
        }
        descriptors = nil
        var src: dnnl_memory_t?, weights: dnnl_memory_t?, dst: dnnl_memory_t?
        defer {
            if let src { dnnl_memory_destroy(src) }
            if let weights { dnnl_memory_destroy(weights) }
            if let dst { dnnl_memory_destroy(dst) }
        }
        status = dnnl_memory_create(&src, &d.src, engine, UnsafeMutableRawPointer(mutating: x))
        if status != dnnl_success { return status }
        status = dnnl_memory_create(&weights, &d.weights, engine, UnsafeMutableRawPointer(mutating: weight))
        if status != dnnl_success { return status }
        status = dnnl_memory_create(&dst, &d.dst, engine, UnsafeMutableRawPointer(out))
        if status != dnnl_success { return status }
        var args = [
            dnnl_exec_arg_t(arg: bl_DNNL_ARG_SRC(), memory: src),
            dnnl_exec_arg_t(arg: bl_DNNL_ARG_WEIGHTS(), memory: weights),
            dnnl_exec_arg_t(arg: bl_DNNL_ARG_DST(), memory: dst),
        ]
        status = dnnl_primitive_execute(primitive, stream, Int32(args.count), &args)
        if status != dnnl_success { return status }
        return dnnl_stream_wait(stream)
    }

    /// Builds the primitive for `key` (cache lock held): src `[M, K]` bf16 row-major, weights `[K, N]`
    /// bf16 viewed through strides `(1, K)` on the `[N, K]` PyTorch layout, dst `[M, N]` f32 with row
    /// stride `ldOut`.
    private static func create(_ key: Key, engine: dnnl_engine_t?, cache c: Cache) -> dnnl_status_t {
        let m = dnnl_dim_t(key.rows), k = dnnl_dim_t(key.inFeatures), n = dnnl_dim_t(key.outFeatures)
        var src = dnnl_memory_desc_t(), weights = dnnl_memory_desc_t(), dst = dnnl_memory_desc_t()
        var status = describe(&src, [m, k], [k, 1], dnnl_bf16)
        if status == dnnl_success { status = describe(&weights, [k, n], [1, k], dnnl_bf16) }
        if status == dnnl_success { status = describe(&dst, [m, n], [dnnl_dim_t(key.ldOut), 1], dnnl_f32) }
        if status != dnnl_success { return status }
        var op = dnnl_matmul_desc_t()
        status = dnnl_matmul_desc_init(&op, &src, &weights, nil, &dst)
        if status != dnnl_success { return status }
        var descriptor: dnnl_primitive_desc_t?
        status = dnnl_primitive_desc_create(&descriptor, &op, nil, engine, nil)
        if status != dnnl_success { return status }
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var primitive: dnnl_primitive_t?
        status = dnnl_primitive_create(&primitive, descriptor)
        if status != dnnl_success { return status }
        c.primitives[key] = primitive
        c.descriptors[key] = (src, weights, dst)
        return dnnl_success
    }

    private static func describe(_ desc: inout dnnl_memory_desc_t, _ dims: [dnnl_dim_t], _ strides: [dnnl_dim_t],
                                 _ type: dnnl_data_type_t) -> dnnl_status_t {
        var d = dims + [dnnl_dim_t](repeating: 0, count: 12 - dims.count)
        var s = strides + [dnnl_dim_t](repeating: 0, count: 12 - strides.count)
        return dnnl_memory_desc_init_by_strides(&desc, Int32(dims.count), &d, type, &s)
    }
}

private struct SendableBF16: @unchecked Sendable {
    let x: UnsafePointer<UInt16>
    let weight: UnsafePointer<UInt16>
    let out: UnsafeMutablePointer<Float>
}
