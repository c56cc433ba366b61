import ArgumentParser
import BLTModel
import Foundation
import Kernels
import Metrics
import Probing
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock timestamps at the hook points that close each stage of the forward pass.
final class StageClock {
    static let stageNames = ["patcher", "patching", "embeddings", "encoder", "global", "decoder", "head"]
    private var marks: [Double]
    private let boundaries: [String]
    private var began = 0.0

    init(config: BLTConfig) {
        let lastGlobal = config.global.numHiddenLayers > 0
            ? HookName(.global, .block(config.global.numHiddenLayers - 1), .residPost) : HookName(.global, .component, .embed)
        let ends: [HookName?] = [
            config.patchInForward ? HookName(.patching, .component, .entropy) : nil, HookName(.patching, .component, .patchLengths),
            HookName(.encoder, .component, .embed), HookName(.encoder, .component, .patchEmbed), lastGlobal,
            HookName(.decoder, .component, .finalNorm),
        ]
        boundaries = ends.map { $0?.description ?? "" }
        marks = [Double](repeating: .nan, count: Self.stageNames.count + 1)
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    func register(in hooks: inout HookSet) {
        for (i, name) in boundaries.enumerated() where !name.isEmpty {
            hooks.reduce(name) { [unowned self] _, _ in self.marks[i + 1] = Self.now() }
        }
    }

    func start() { began = Self.now(); marks[0] = began }

    /// Ends the measurement and returns the total seconds.
    func finish() -> Double {
        let end = Self.now()
        marks[marks.count - 1] = end
        return end - began
    }

    /// Seconds per stage; a stage whose closing hook did not fire (no patcher) is 0.
    func stageSeconds() -> [Double] {
        var out: [Double] = []
        var previous = marks[0]
        for i in 1..<marks.count {
            if marks[i].isNaN { out.append(0); continue }
            out.append(marks[i] - previous)
            previous = marks[i]
        }
        return out
    }
}

/// Sparsity reducers on every row of every block's residual stream and MLP activation.
enum SparsityHooks {
    enum Kind { case fast, metrics }
    final class Results {
        var metrics: [String: SparsityReducer] = [:]
        var rows = 0
        var packed: [Float] = []
        var measures: [Double] = []
        var seconds = 0.0
        var values = 0
    }

    @discardableResult
    static func register(_ kind: Kind, at points: [String], in hooks: inout HookSet) -> Results {
        let box = Results()
        let body: (UnsafeBufferPointer<Float>, HookInfo) -> Void
        switch kind {
        case .fast:
            body = { buffer, info in
                guard let base = buffer.baseAddress else { return }
                if box.packed.count < 4 * info.rows { box.packed = [Float](repeating: 0, count: 4 * info.rows) }
                box.packed.withUnsafeMutableBufferPointer {
                    RowSparsity.measure(base, rows: info.rows, columns: info.columns, into: $0.baseAddress!)
                }
                box.rows += info.rows
            }
        case .metrics:
            body = { buffer, info in
                if box.metrics[info.name] == nil { box.metrics[info.name] = try? SparsityReducer(dimension: info.columns) }
                guard var reducer = box.metrics.removeValue(forKey: info.name) else { return }
                let count = info.rows * reducer.packedStride
                if box.measures.count < count { box.measures = [Double](repeating: 0, count: count) }
                let done: Void? = box.measures.withUnsafeMutableBufferPointer { out in
                    try? reducer.consume(buffer, rows: info.rows, cols: info.columns, threads: ComputeThreads.count,
                                         into: out.baseAddress!)
                }
                if done != nil { box.rows += info.rows }
                box.metrics[info.name] = reducer
            }
        }
        for pattern in points {
            hooks.reduce(pattern) { buffer, info in
                let start = DispatchTime.now().uptimeNanoseconds
                body(buffer, info)
                box.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                box.values += info.rows * info.columns
            }
        }
        return box
    }
}
