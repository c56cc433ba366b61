import ArgumentParser
import Foundation
import HDF5Store
import Kernels
import Probing

/// `probe bench --study DATASET`: times a whole study (model load, reference profile, items, statistics,
/// report) as `probe run` runs it, then states the item stage's useful compute rate as a fraction of the
/// fp32 GEMM peak measured in the same process, so "how close to the machine's limit" is one number.
extension Bench {
    /// Useful FLOPs of the item stage, estimated from the finished file: Σ over stored items (every arm) of
    /// `flops_per_byte × byte_count` (Metrics.ComputeAllocation's matrix products and unmasked attention
    /// pairs, attributed per span byte; `byte_count` includes BOS and the probe suffix, so this slightly
    /// over-counts and the fraction is an upper bound).
    static func itemStageFLOPs(_ path: String) throws -> Double {
        let reader = try ProbeRunReader(path: path)
        let flopsPerByte = try reader.itemMetric("flops_per_byte")
        let byteCounts = try reader.column("items/byte_count", as: Int64.self)
        var total = 0.0
        for (f, n) in zip(flopsPerByte, byteCounts) where f.isFinite { total += f * Double(n) }
        return total
    }

    /// The fp32 GEMM peak of this process: the median GFLOP/s of `repeats` 2048³ products through oneDNN's
    /// threaded sgemm and through ByteLens' own Linear, on `threads` threads.
    static func gemmPeak(threads: Int, repeats: Int) throws -> (oneDNN: Double, byteLens: Double) {
        let n = 2048
        var state: UInt64 = 12345
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        let x = (0..<(n * n)).map { _ in next() }, w = (0..<(n * n)).map { _ in next() }
        var out = [Float](repeating: 0, count: n * n)
        var ours: [Double] = [], theirs: [Double] = []
        try x.withUnsafeBufferPointer { xp in
            try w.withUnsafeBufferPointer { wp in
                try out.withUnsafeMutableBufferPointer { op in
                    for i in 0...repeats {
                        let t = Date()
                        try Linear.apply(xp.baseAddress!, rows: n, inFeatures: n, transposedWeight: wp.baseAddress!,
                                         outFeatures: n, into: op.baseAddress!)
                        if i > 0 { ours.append(Date().timeIntervalSince(t)) }
                    }
                    // libgomp's workers spin after a threaded call; let them idle before switching sides.
                    usleep(200_000)
                    for i in 0...repeats {
                        let t = Date()
                        try Linear.applyOneDNNThreaded(xp.baseAddress!, rows: n, inFeatures: n, transposedWeight: wp.baseAddress!,
                                                       outFeatures: n, into: op.baseAddress!, threads: threads)
                        if i > 0 { theirs.append(Date().timeIntervalSince(t)) }
                    }
                }
            }
        }
        let flops = 2.0 * Double(n * n * n)
        return (flops / median(theirs) / 1e9, flops / median(ours) / 1e9)
    }

    func runStudyBench(dataset: String, threadCount: Int) throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bytelens-bench-study-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        var request = StudyRequest(dataset: dataset, modelDirectory: model, limit: studyLimit, threads: threadCount,
                                   outDirectory: out.path, commandLine: ["probe", "bench", "--study", dataset])
        request.nullShuffles = nullShuffles
        if trainedArmOnly {
            request.patchControl = false
            request.modelControl = nil
        }
        let plan = try StudyPlan.prepare(request)
        Self.say("probe bench --study \(dataset): \(plan.items.count) items per arm, "
                 + (trainedArmOnly ? "trained arm only, " : "every arm, ") + "limit \(studyLimit) per level, "
                 + "\(threadCount) threads, null shuffles \(nullShuffles), load average \(Self.loadAverage())")
        let outcome = try StudyRunner(plan: plan).run()
        let flops = try Self.itemStageFLOPs(outcome.finalPath)
        let itemSeconds = outcome.phaseSeconds.first { $0.phase == .items }?.seconds ?? .nan
        Self.say("| phase | seconds |")
        Self.say("| --- | --- |")
        for (phase, seconds) in outcome.phaseSeconds {
            Self.say("| \(phase.rawValue) | \(String(format: "%.2f", seconds)) |")
        }
        Self.say("| whole study | \(String(format: "%.2f", outcome.seconds)) |")
        let rate = flops / itemSeconds / 1e9
        Self.say("item stage: \(outcome.itemCount) stored items (\(trainedArmOnly ? "trained arm" : "all arms")), \(String(format: "%.1f", flops / 1e9)) useful GFLOP "
                 + "(Σ flops_per_byte × byte_count) in \(String(format: "%.2f", itemSeconds)) s = \(String(format: "%.1f", rate)) GFLOP/s")
        let peak = try Self.gemmPeak(threads: threadCount, repeats: max(3, min(repeats, 7)))
        Self.say("fp32 GEMM peak in this process (2048³): oneDNN threaded \(String(format: "%.0f", peak.oneDNN)) GFLOP/s, "
                 + "ByteLens Linear \(String(format: "%.0f", peak.byteLens)) GFLOP/s")
        Self.say("item stage at \(String(format: "%.1f", 100 * rate / max(peak.oneDNN, peak.byteLens)))% of the same-run fp32 GEMM peak "
                 + "(load average \(Self.loadAverage()))")
        if let againstPython {
            try comparePythonPeer(python: againstPython, file: outcome.finalPath, swiftSecondsPerItem: itemSeconds / Double(max(1, outcome.itemCount)),
                                  threads: threadCount, allArms: !trainedArmOnly)
        }
    }

    /// The study's Python peer (`study_transformers.py`: transformers with forward hooks, torch measures) on the
    /// same file's items, doing the item stage's work (every byte and patch row of every measured hook in three
    /// variants, entropy, log-probabilities, patch starts): its time per item against ByteLens' item stage per
    /// item, and whether every stored value agrees. A disagreement is printed with the largest
    /// differences, not thrown, so the timing is still shown.
    func comparePythonPeer(python: String, file: String, swiftSecondsPerItem: Double, threads: Int, allArms: Bool) throws {
        let json = file + ".python-peer.json"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [try PythonHelper.scriptPath("study_transformers.py"), file, "--model",
                             try ModelOption.directory(model).path, "--threads", String(threads), "--json", json]
        process.standardOutput = FileHandle.nullDevice
        ChildProcessSafety.prepareForSpawn()
        try process.run()
        process.waitUntilExit()
        guard let data = FileManager.default.contents(atPath: json),
              let result = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seconds = result["python_item_stage_seconds"] as? Double, let items = result["items"] as? Int, items > 0 else {
            throw ValidationError("study_transformers.py failed (exit \(process.terminationStatus)); run it by hand on \(file)")
        }
        let perItem = seconds / Double(items)
        let work = result["work"] as? String ?? "unstated work"
        Self.say("Python peer (transformers 5.24.0 + forward hooks + torch/numpy measures, batch 1, \(threads) threads; "
                 + "\(work)): \(items) items of the run's arm in \(String(format: "%.2f", seconds)) s = "
                 + "\(String(format: "%.1f", 1000 * perItem)) ms/item; ByteLens item stage "
                 + "\(String(format: "%.1f", 1000 * swiftSecondsPerItem)) ms/item (\(allArms ? "averaged over all arms" : "the same arm's items"), "
                 + "its HDF5 writes included → ByteLens \(String(format: "%.2f", perItem / swiftSecondsPerItem))× faster per item")
        let agree = (result["measures_agree"] as? Bool) == true
        Self.say("values agree with the Swift study: " + (agree
            ? "yes (every measure |Δ| ≤ 1e-4; entropy, log-probabilities, bits per byte ≤ 1e-4; equal patch starts)"
            : "NO — largest differences: \(result.filter { $0.key.contains("diff") || $0.key.contains("differing") })"))
    }
}
