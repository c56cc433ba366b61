import Testing
@testable import Kernels

@Suite("Linear.applyConcurrently")
struct LinearBatchTests {
    /// Products below and above the threading threshold, split by rows and by columns, plus an empty
    /// one and a zero-input one, in one batch: each must equal its own `apply` (same sgemm bands).
    @Test("a batch equals each product computed alone")
    func batchMatchesSingleProducts() throws {
        let shapes = [(3, 5, 7), (257, 256, 256), (60, 512, 1536), (0, 8, 8), (4, 0, 6), (2, 1024, 1024)]
        var random = TestRandom(state: 42)
        let inputs = shapes.map { random.array($0.0 * $0.1) }
        let weights = shapes.map { random.array($0.1 * $0.2) }  // [in, out] (transposed layout)
        var batched = shapes.map { [Float](repeating: .nan, count: $0.0 * $0.2) }
        var single = batched
        for i in shapes.indices {
            let (rows, inF, outF) = shapes[i]
            try inputs[i].withUnsafeBufferPointer { x in
                try weights[i].withUnsafeBufferPointer { w in
                    try single[i].withUnsafeMutableBufferPointer { o in
                        guard rows > 0, outF > 0 else { return }
                        try Linear.apply(x.baseAddress ?? UnsafePointer(bitPattern: 64)!, rows: rows, inFeatures: inF,
                                         transposedWeight: w.baseAddress ?? UnsafePointer(bitPattern: 64)!,
                                         outFeatures: outF, into: o.baseAddress!)
                    }
                }
            }
        }
        // Keep every buffer alive and pinned for the batch call.
        let xs = inputs.map { a -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(a.count, 1)); p.initialize(from: a, count: a.count); return p }
        let ws = weights.map { a -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(a.count, 1)); p.initialize(from: a, count: a.count); return p }
        let outs = batched.map { a -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(a.count, 1)); p.initialize(from: a, count: a.count); return p }
        defer { (xs + ws + outs).forEach { $0.deallocate() } }
        let products = shapes.indices.map { i in
            LinearProduct(x: xs[i], rows: shapes[i].0, inFeatures: shapes[i].1, transposedWeight: ws[i],
                          outFeatures: shapes[i].2, out: outs[i])
        }
        try Linear.applyConcurrently(products)
        for i in shapes.indices { batched[i] = Array(UnsafeBufferPointer(start: outs[i], count: batched[i].count)) }
        for i in shapes.indices {
            var maxDiff: Float = 0
            for j in batched[i].indices { maxDiff = max(maxDiff, abs(batched[i][j] - single[i][j])) }
            #expect(maxDiff <= 1e-5, "product \(i) \(shapes[i])")
            #expect(!batched[i].contains { $0.isNaN }, "product \(i) left unwritten entries")
        }
        // Zero input features write zeros.
        #expect(batched[4].allSatisfy { $0 == 0 })
    }
}
