import Parallelism
import CDNNL
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One bf16 product of a group run by `Linear.applyBFloat16(_:rows:inFeatures:products:)`: a bfloat16
/// weight `[outFeatures, inFeatures]` (PyTorch layout) and the `[rows, outFeatures]` output it fills.
public struct BFloat16Product: @unchecked Sendable {
    public let weight: UnsafePointer<UInt16>
    public let outFeatures: Int
    public let out: UnsafeMutablePointer<Float>

    public init(weight: UnsafePointer<UInt16>, outFeatures: Int, out: UnsafeMutablePointer<Float>) {
        self.weight = weight
        self.outFeatures = outFeatures
        self.out = out
    }
}

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
        try applyBFloat16(x, rows: rows, inFeatures: inFeatures,
                          products: [BFloat16Product(weight: weight, outFeatures: outFeatures, out: out)])
    }

    /// Several bf16 products sharing one input (q/k/v of a layer, or gate/up): `x` is rounded to bf16
    /// once, and every product is cut into the bands the single-product call would use, all handed to
    /// the workers in one parallel region. Each output equals the single-product call's bit for bit
    /// (same bands, same primitive shapes). Zero rows is a no-op; zero `inFeatures` writes zeros.
    public static func applyBFloat16(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, products: [BFloat16Product]
    ) throws(KernelError) {
        if rows == 0 { return }
        if inFeatures == 0 {
            for p in products { p.out.update(repeating: 0, count: rows * p.outFeatures) }
            return
        }
        let input = UnsafeMutablePointer<UInt16>.allocate(capacity: rows * inFeatures)
        defer { input.deallocate() }
        BFloat16.roundInParallel(x, count: rows * inFeatures, into: input)
        var tasks: [(product: Int, band: ProductBand)] = []
        for (index, p) in products.enumerated() where p.outFeatures > 0 {
            for band in GEMMThreading.productBands(rows: rows, inFeatures: inFeatures, outFeatures: p.outFeatures) {
                tasks.append((index, band))
            }
        }
        let shared = SendableBF16(x: UnsafePointer(input), products: products, tasks: tasks)
        let failures = FirstError<(status: Int, outFeatures: Int)>()
        Parallel.dynamic(chunks: tasks.count, workers: GEMMThreading.bands) { t in
            let (product, band) = shared.tasks[t]
            let p = shared.products[product]
            let status: dnnl_status_t
            if band.byRows {
                status = BF16Matmul.run(slot: t, x: shared.x + band.start * inFeatures, rows: band.end - band.start,
                                        inFeatures: inFeatures, weight: p.weight, outFeatures: p.outFeatures,
                                        out: p.out + band.start * p.outFeatures, ldOut: p.outFeatures)
            } else {
                status = BF16Matmul.runColumns(slot: t, x: shared.x, rows: rows, inFeatures: inFeatures,
                                               weight: p.weight + band.start * inFeatures, columns: band.end - band.start,
                                               out: p.out + band.start, ldOut: p.outFeatures)
            }
            if status != dnnl_success { failures.record((Int(status.rawValue), p.outFeatures)) }
        }
        if let failure = failures.first {
            throw .gemmFailed(status: failure.status, rows: rows, inFeatures: inFeatures, outFeatures: failure.outFeatures)
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

    /// A band of output columns `[rows, columns]` written into `out` with row stride `ldOut`. oneDNN 2.6
    /// runs a bf16 matmul whose destination rows are strided (`ldOut > columns`) on its older `gemm:jit`
    /// kernel, 10-25 % slower at 86 rows than the `brg:avx512_core_bf16` kernel it picks for a dense
    /// destination (measured single-threaded on the AMD EPYC VM: 154 against 200 GFLOP/s for
    /// 86 × 2048 × 256), so the band is computed into a dense scratch block and copied out.
    static func runColumns(slot: Int, x: UnsafePointer<UInt16>, rows: Int, inFeatures: Int, weight: UnsafePointer<UInt16>,
                           columns: Int, out: UnsafeMutablePointer<Float>, ldOut: Int) -> dnnl_status_t {
        if columns == ldOut {
            return run(slot: slot, x: x, rows: rows, inFeatures: inFeatures, weight: weight, outFeatures: columns,
                       out: out, ldOut: ldOut)
        }
        let band = UnsafeMutablePointer<Float>.allocate(capacity: rows * columns)
        defer { band.deallocate() }
        let status = run(slot: slot, x: x, rows: rows, inFeatures: inFeatures, weight: weight, outFeatures: columns,
                         out: band, ldOut: columns)
        if status != dnnl_success { return status }
        for r in 0..<rows { (out + r * ldOut).update(from: band + r * columns, count: columns) }
        return dnnl_success
    }

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
    let products: [BFloat16Product]
    let tasks: [(product: Int, band: ProductBand)]
}
