import Parallelism
/// One fp32 product of a batch run by `Linear.applyConcurrently`: `out = x · transposedWeight` with the
/// weight stored `[inFeatures, outFeatures]` (see `Linear.apply(_:rows:inFeatures:transposedWeight:...)`).
public struct LinearProduct: @unchecked Sendable {
    public let x: UnsafePointer<Float>
    public let rows: Int
    public let inFeatures: Int
    public let transposedWeight: UnsafePointer<Float>
    public let outFeatures: Int
    public let out: UnsafeMutablePointer<Float>

    public init(x: UnsafePointer<Float>, rows: Int, inFeatures: Int, transposedWeight: UnsafePointer<Float>,
                outFeatures: Int, out: UnsafeMutablePointer<Float>) {
        self.x = x
        self.rows = rows
        self.inFeatures = inFeatures
        self.transposedWeight = transposedWeight
        self.outFeatures = outFeatures
        self.out = out
    }
}

extension Linear {
    /// Computes independent products (e.g. q/k/v of one layer, or gate/up) in one parallel region: each
    /// product is cut into the same bands `apply` would use, and all bands of all products are handed to
    /// the workers together. For small inputs (a few hundred rows) the thread wake-ups and joins between
    /// consecutive products cost a noticeable share of a forward pass; one region per group removes
    /// two of three (q/k/v) or one of two (gate/up). Results equal `apply` on each product. Products with
    /// zero rows or outputs are skipped; zero inputs write zeros.
    public static func applyConcurrently(_ products: [LinearProduct]) throws(KernelError) {
        var tasks: [(product: Int, start: Int, end: Int, byRows: Bool)] = []
        let bands = GEMMThreading.bands
        for (index, p) in products.enumerated() {
            if p.rows == 0 || p.outFeatures == 0 { continue }
            if p.inFeatures == 0 {
                p.out.update(repeating: 0, count: p.rows * p.outFeatures)
                continue
            }
            for band in GEMMThreading.productBands(rows: p.rows, inFeatures: p.inFeatures, outFeatures: p.outFeatures) {
                tasks.append((index, band.start, band.end, band.byRows))
            }
        }
        if tasks.isEmpty { return }
        let shared = SendableBatch(products: products, tasks: tasks)
        let failures = FirstError<KernelError>()
        Parallel.dynamic(chunks: tasks.count, workers: bands) { t in
            let task = shared.tasks[t]
            let p = shared.products[task.product]
            do throws(KernelError) {
                if task.byRows {
                    try gemm(p.x + task.start * p.inFeatures, rows: task.end - task.start, inFeatures: p.inFeatures,
                             weight: p.transposedWeight, transposed: true, ldWeight: p.outFeatures,
                             outFeatures: p.outFeatures, into: p.out + task.start * p.outFeatures,
                             ldOut: p.outFeatures, accumulate: false)
                } else {
                    try gemm(p.x, rows: p.rows, inFeatures: p.inFeatures, weight: p.transposedWeight + task.start,
                             transposed: true, ldWeight: p.outFeatures, outFeatures: task.end - task.start,
                             into: p.out + task.start, ldOut: p.outFeatures, accumulate: false)
                }
            } catch {
                failures.record(error)
            }
        }
        if let failure = failures.first { throw failure }
    }
}

private struct SendableBatch: @unchecked Sendable {
    let products: [LinearProduct]
    let tasks: [(product: Int, start: Int, end: Int, byRows: Bool)]
}
