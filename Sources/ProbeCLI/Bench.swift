import ArgumentParser
import BLTModel
import Foundation
import Kernels
import Metrics
import Probing
#if canImport(Glibc)
import Glibc
#endif

/// `probe bench`: times full forward passes, optionally side by side with transformers.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time full BLT forward passes (optionally interleaved with transformers) and report throughput.",
        discussion: """
        Each measured forward is the whole model: entropy model (patcher), patching, byte + hash \
        embeddings, local encoder, global transformer, local decoder and LM head, on repeatable English-like \
        text of each size. The report gives median and minimum time, bytes/s, patches, the per-stage split \
        (timed at hook boundaries), achieved GFLOP/s over the useful FLOPs (Metrics.ComputeAllocation: \
        matrix products plus attention over unmasked pairs only) and the peak RSS.

        With --against-python, a long-lived helper (Notebooks-as-scripts/bench_transformers.py) loads the \
        same checkpoint with transformers and both run interleaved on the same bytes (ByteLens, transformers, \
        ByteLens, ...); ratios are quoted pair by pair. --threads sets both sides' thread count (torch's \
        set_num_threads and OMP_NUM_THREADS). After each transformers forward the bench waits 0.3 s so \
        torch's spinning OpenMP workers go idle before ByteLens runs. On a shared machine, quote the \
        ratios and the load averages printed at start and end, not absolute times.

        With --hooks, a hooked ByteLens forward is interleaved with the plain one and the slowdown is \
        reported pair by pair, with the time spent inside the reducer hooks themselves. Reducer hooks see every row (every byte or patch position) at the hook \
        points of --hook-points: 'layers' is every layer's output, *.blocks.*.hook_resid_post, in every \
        component (patcher, encoder, global, decoder); 'layers+mlp' adds every *hook_mlp_act (the MLP \
        activations, three times wider). 'all-reducers' runs Metrics.SparsityReducer on each row (all \
        ten measures incl. Gini and the top-k energies, in Double, plus running per-dimension moments), \
        spread over --threads; 'fast-reducers' computes only Hoyer, top-1 energy, near-zero fraction and \
        L2 in one float pass (Kernels.RowSparsity).

        Examples:
          probe bench --model .checkpoints/blt-small
          probe bench --model .checkpoints/blt-small --sizes 256,1024,4096 --repeats 7 \\
                      --against-python /work/venv/bin/python --threads 2
          probe bench --model .checkpoints/blt-small --sizes 1024 --hooks all-reducers
          probe bench --model .checkpoints/blt-small --sizes 1024 --hooks all-reducers --hook-points layers+mlp
          probe bench --model .checkpoints/blt-1b-shape --sizes 512 --repeats 3 --compute bf16
          probe bench --model .checkpoints/blt-1b-shape --sizes 512 --repeats 3 --compute bf16 --release-weights
          probe bench --model .checkpoints/blt-small --sizes 1024 --gemm-rate
          probe bench --study ood --study-limit 8
          probe bench --study ood --study-limit 8 --against-python .venv-torch/bin/python   (and the Python peer, study_transformers.py)
          probe bench --merge 400,4000,40000      (merge copy time vs items, synthetic shards)
        """)

    @Option(name: .long, help: ModelOption.help)
    var model: String?

    @Option(name: .long, help: "Comma-separated input sizes in bytes.")
    var sizes: String = "256,1024,4096"

    @Option(name: .long, help: "Measured repetitions per size (after the warm-up).")
    var repeats: Int = 5

    @Option(name: .long, help: "Unmeasured warm-up forwards per size.")
    var warmup: Int = 1

    @Option(name: .long, help: "Threads for ByteLens kernels and torch (default: available cores).")
    var threads: Int?

    @Option(name: .customLong("against-python"), help: "Python with torch 2.13 + transformers 5.24.0 to compare against.")
    var againstPython: String?

    @Option(name: .customLong("python-dtype"), help: "Compute dtype of the transformers side.")
    var pythonDType: PythonDType = .float32

    @Option(name: .long, help: "ByteLens compute precision for matrix products.")
    var compute: MatrixPrecision = .fp32

    @Flag(name: .customLong("release-weights"), help: "With --compute bf16 on a BF16 checkpoint: drop each block's mapped weights from the process after it runs (LoadOptions.releasesMappedWeightsAfterUse).")
    var releaseWeights = false

    @Option(name: .long, help: "Hooks to interleave with the plain forward.")
    var hooks: BenchHooks = .none

    @Option(name: .customLong("hook-points"), help: "Where --hooks reduce: layers (every hook_resid_post) | layers+mlp (also every hook_mlp_act).")
    var hookPoints: BenchHookPoints = .layers

    @Option(name: .long, help: "Also time N different items of each size one forward at a time and packed into one forward (forward(batch:)), per item side by side.")
    var batch: Int?

    @Flag(name: .customLong("gemm-rate"), help: "Also compare ByteLens' products with oneDNN's own threaded sgemm on the model's shapes.")
    var gemmRate = false

    @Option(name: .long, help: "Time a whole study on this dataset (as `probe run --dataset`, in a temporary folder) and state its item stage's GFLOP/s as a fraction of the fp32 GEMM peak measured in the same run.")
    var study: String?

    @Option(name: .customLong("study-limit"), help: "With --study: items per level (1...\(Bench.maxStudyLimit)).")
    var studyLimit: Int = 8

    @Option(name: .customLong("null-shuffles"), help: "With --study: permutation-null shuffles, as in `probe run`.")
    var nullShuffles: Int = StudyRequest.defaultNullShuffles

    @Flag(name: .customLong("trained-arm-only"), help: "With --study: run only the trained model's arm (as `probe run --no-patch-control --control-model none`), the items the Python peer runs.")
    var trainedArmOnly = false

    @Option(name: .long, help: ArgumentHelp("Time `probe merge` copying synthetic shards of these item counts (comma-separated, each ≤ \(Bench.maxMergeItems)).", valueName: "counts"))
    var merge: String?

    @Option(name: .customLong("merge-shards"), help: "With --merge: shard files per count (1...64).")
    var mergeShards: Int = 4

    /// Caps of the numeric options (every value is untrusted): an input of at most 1 MiB per forward,
    /// at most 1,000 timed and 100 warm-up forwards per size, 64 sizes and 256 threads.
    static let maxSizeBytes = 1 << 20, maxRepeats = 1000, maxWarmup = 100, maxSizes = 64, maxThreads = 256
    /// Cap of `--study-limit` (the generated ladders make at most 1,000 items per level).
    static let maxStudyLimit = 1000

    func validate() throws {
        if let batch, !(2...Self.maxBatch).contains(batch) {
            throw ValidationError("--batch must be in 2...\(Self.maxBatch), got \(batch)")
        }
        let fields = sizes.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !fields.isEmpty, fields.count <= Self.maxSizes else {
            throw ValidationError("--sizes takes 1 to \(Self.maxSizes) comma-separated sizes, got \(fields.count)")
        }
        for field in fields {
            guard let size = Int(field), (1...Self.maxSizeBytes).contains(size) else {
                throw ValidationError("--sizes: '\(field)' is not a size in 1...\(Self.maxSizeBytes) bytes (in '\(sizes)')")
            }
        }
        guard (1...Self.maxRepeats).contains(repeats) else {
            throw ValidationError("--repeats must be in 1...\(Self.maxRepeats), got \(repeats)")
        }
        guard (0...Self.maxWarmup).contains(warmup) else {
            throw ValidationError("--warmup must be in 0...\(Self.maxWarmup), got \(warmup)")
        }
        if let threads, !(1...Self.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in 1...\(Self.maxThreads), got \(threads)")
        }
        if let merge {
            let counts = merge.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.count <= Self.maxSizes, counts.allSatisfy({ $0 != nil && (10...Self.maxMergeItems).contains($0!) }) else {
                throw ValidationError("--merge takes 1 to \(Self.maxSizes) comma-separated item counts in 10...\(Self.maxMergeItems), got '\(merge)'")
            }
        }
        guard (1...64).contains(mergeShards) else { throw ValidationError("--merge-shards must be in 1...64, got \(mergeShards)") }
        guard (1...Self.maxStudyLimit).contains(studyLimit) else {
            throw ValidationError("--study-limit must be in 1...\(Self.maxStudyLimit), got \(studyLimit)")
        }
    }

    /// The sizes of `--sizes` (``validate()`` has checked every field).
    private var parsedSizes: [Int] { sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() async throws {
        let threadCount = threads ?? ComputeThreads.available
        ComputeThreads.count = threadCount
        if let study {
            try runStudyBench(dataset: study, threadCount: threadCount)
            return
        }
        if let merge {
            try runMergeBench(counts: merge.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) },
                              shards: mergeShards)
            return
        }
        let precision = compute
        let model = try ModelOption.directory(self.model).path
        Self.say("probe bench: \(model)")
        Self.say("  threads \(threadCount), compute \(compute)\(releaseWeights ? " (mapped weights released after use)" : ""), "
              + "load average \(Self.loadAverage())")
        var python: PythonHelper?
        if let againstPython {
            python = try PythonHelper(python: againstPython, model: model, threads: threadCount, dtype: pythonDType.rawValue)
            Self.say("  transformers loaded in \(String(format: "%.1f", python!.loadSeconds)) s (\(python!.banner))")
        }
        let loadStart = Date()
        let loaded = try BLTModel(directory: URL(fileURLWithPath: model), options: LoadOptions(matrixPrecision: precision,
                                                                      releasesMappedWeightsAfterUse: releaseWeights))
        Self.say("  ByteLens loaded in \(String(format: "%.1f", Date().timeIntervalSince(loadStart))) s, "
              + "peak RSS so far \(Self.gigabytes(Self.peakRSS()))")
        let shape = try loaded.computeShape()
        let reducerKind: SparsityHooks.Kind? = hooks == .none ? nil : hooks == .fastReducers ? .fast : .metrics
        let points: [String] = hookPoints == .layers ? ["*.blocks.*.hook_resid_post"]
            : ["*.blocks.*.hook_resid_post", "*hook_mlp_act"]
        var summary: [String] = []
        for size in parsedSizes {
            let bytes = BenchText.bytes(count: size)
            let stageNames = StageClock.stageNames
            for _ in 0..<warmup {
                _ = try Self.timedForward(loaded, bytes: bytes, reducers: .none, points: [])
                if let reducerKind { _ = try Self.timedForward(loaded, bytes: bytes, reducers: reducerKind, points: points) }
                if let python { _ = try python.forward(bytes); usleep(Self.settleMicroseconds) }
            }
            var ours: [Double] = [], hooked: [Double] = [], theirs: [Double] = [], inside: [Double] = []
            var reducedValues = 0
            var stages = [[Double]](repeating: [], count: stageNames.count)
            var patches = 0, flops = 0.0
            for _ in 0..<repeats {
                let run = try Self.timedForward(loaded, bytes: bytes, reducers: .none, points: [])
                ours.append(run.seconds)
                for (i, s) in run.stages.enumerated() { stages[i].append(s) }
                patches = run.patchLengths.count
                flops = try ComputeAllocation(shape: shape, patchLengths: run.patchLengths,
                                              includePatcher: loaded.config.patchInForward).total
                if let reducerKind {
                    let run = try Self.timedForward(loaded, bytes: bytes, reducers: reducerKind, points: points)
                    hooked.append(run.seconds)
                    inside.append(run.reducerSeconds)
                    reducedValues = run.reducedValues
                }
                if let python {
                    theirs.append(try python.forward(bytes).seconds)
                    // torch's OpenMP workers spin for a while after each call; let them go idle so they
                    // do not steal cores from the next ByteLens forward (and vice versa).
                    usleep(Self.settleMicroseconds)
                }
            }
            let median = Self.median(ours), fastest = ours.min()!
            Self.say("\n\(size) bytes (N = \(size + 1) with BOS), \(patches) patches, useful \(String(format: "%.2f", flops / 1e9)) GFLOP")
            Self.say("  ByteLens      median \(Self.ms(median))  min \(Self.ms(fastest))  "
                  + "\(Self.rate(Double(size) / median)) bytes/s  \(String(format: "%.0f", flops / median / 1e9)) GFLOP/s")
            let split = zip(stageNames, stages).map { "\($0) \(Self.ms(Self.median($1)))" }.joined(separator: ", ")
            Self.say("  stages (median): \(split)")
            var line = "| \(size) | \(patches) | \(Self.ms(median)) | \(Self.rate(Double(size) / median))"
            if !hooked.isEmpty {
                let ratios = zip(hooked, ours).map { $0 / $1 }
                Self.say("  hooked        median \(Self.ms(Self.median(hooked)))  pairwise slowdown median "
                      + "\(String(format: "%+.1f %%", (Self.median(ratios) - 1) * 100)) "
                      + "[\(ratios.map { String(format: "%.3f", $0) }.joined(separator: " "))]")
                Self.say("  inside the reducer hooks: median \(Self.ms(Self.median(inside))) for \(reducedValues) values "
                      + "(\(String(format: "%.2f", Self.median(inside) * 1e9 / Double(max(reducedValues, 1)))) ns per value)")
                line += " | \(String(format: "%+.1f %%", (Self.median(ratios) - 1) * 100))"
            }
            if !theirs.isEmpty {
                let ratios = zip(theirs, ours).map { $0 / $1 }
                Self.say("  transformers  median \(Self.ms(Self.median(theirs)))  min \(Self.ms(theirs.min()!))  "
                      + "\(Self.rate(Double(size) / Self.median(theirs))) bytes/s")
                Self.say("  speed-up pair by pair (transformers / ByteLens): "
                      + ratios.map { String(format: "%.2f", $0) }.joined(separator: " ")
                      + "  median \(String(format: "%.2f×", Self.median(ratios)))")
                line += " | \(Self.ms(Self.median(theirs))) | \(String(format: "%.2f×", Self.median(ratios)))"
            }
            summary.append(line + " |")
            if gemmRate { try Self.gemmRate(loaded.config, bytes: size, patches: patches, threads: threadCount, repeats: repeats) }
        }
        Self.say("\npeak RSS: ByteLens \(Self.gigabytes(Self.peakRSS()))"
              + (python.map { " transformers \(Self.gigabytes((try? $0.peakRSS()) ?? 0))" } ?? ""))
        Self.say("load average at end: \(Self.loadAverage())")
        var header = "| bytes | patches | ByteLens median | ByteLens bytes/s"
        if hooks != .none { header += " | \(hooks.rawValue) at \(hookPoints.rawValue) slowdown" }
        if python != nil { header += " | transformers median | speed-up" }
        Self.say("\n" + header + " |")
        Self.say(String(repeating: "| --- ", count: header.components(separatedBy: "|").count - 1) + "|")
        summary.forEach { Self.say($0) }
        python?.close()
        if let batch { Self.say(""); try runBatchBench(loaded, sizes: parsedSizes, batch: batch) }
    }

    /// Pause after each transformers forward before the next measurement.
    static let settleMicroseconds: UInt32 = 300_000

    // MARK: One timed forward

    struct Timed {
        var seconds: Double
        var stages: [Double]
        var patchLengths: [Int]
        /// Time spent inside the reducer hooks' bodies, and the values they measured.
        var reducerSeconds = 0.0
        var reducedValues = 0
    }

    static func timedForward(_ model: BLTModel, bytes: [UInt8], reducers: SparsityHooks.Kind?,
                             points: [String]) throws -> Timed {
        let clock = StageClock(config: model.config)
        var hookSet = HookSet()
        clock.register(in: &hookSet)
        let results = reducers.map { SparsityHooks.register($0, at: points, in: &hookSet) }
        clock.start()
        let result = try model.forward(bytes: bytes, options: ForwardOptions(hooks: hookSet))
        let seconds = clock.finish()
        return Timed(seconds: seconds, stages: clock.stageSeconds(), patchLengths: result.patchLengths,
                     reducerSeconds: results?.seconds ?? 0, reducedValues: results?.values ?? 0)
    }

    // MARK: Formatting and process statistics

    /// Unbuffered line output, so progress shows while a long benchmark runs (also through pipes).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        if s.isEmpty { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    static func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
    static func rate(_ value: Double) -> String { String(format: "%.0f", value) }
    static func gigabytes(_ bytes: Int) -> String { String(format: "%.2f GB", Double(bytes) / 1e9) }

    /// Peak resident set size of this process in bytes (`ru_maxrss`, KiB on Linux).
    static func peakRSS() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
            .split(separator: " ").prefix(3).joined(separator: " ") ?? "n/a"
    }
}

/// Repeatable English-like text: words from a fixed list chosen by a fixed-seed LCG, with punctuation
/// and line breaks, cut to exactly `count` bytes (ASCII, so every byte is one character).
enum BenchText {
    static let words = """
        the of and to in a is that for it as was with be by on not he this are or his from at which but have \
        an they you were her she there been one all we their has would when if so no what up out about who \
        into more time only some could them other than then now look over think also back after use two how \
        our work first well way even new want because any these give day most us entropy patch byte model \
        latent transformer sparsity difficulty measure layer signal hidden state region encoder decoder global
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    static func bytes(count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var out: [UInt8] = []
        out.reserveCapacity(count + 16)
        var sentenceLength = 0
        while out.count < count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let word = words[Int((state >> 33) % UInt64(words.count))]
            out.append(contentsOf: sentenceLength == 0 ? Array(word.prefix(1).uppercased().utf8) + Array(word.dropFirst().utf8)
                                                         : Array(word.utf8))
            sentenceLength += 1
            if sentenceLength > 6 && (state >> 20) % 5 == 0 {
                out.append(contentsOf: Array((state >> 40) % 7 == 0 ? ".\n".utf8 : ". ".utf8))
                sentenceLength = 0
            } else {
                out.append((state >> 24) % 11 == 0 ? UInt8(ascii: ",") : UInt8(ascii: " "))
                if out.last == UInt8(ascii: ",") { out.append(UInt8(ascii: " ")) }
            }
        }
        return Array(out.prefix(count))
    }
}

/// `probe bench --hooks`.
enum BenchHooks: String, ExpressibleByArgument, CaseIterable {
    case none, fastReducers = "fast-reducers", allReducers = "all-reducers"
}

/// `probe bench --hook-points`.
enum BenchHookPoints: String, ExpressibleByArgument, CaseIterable {
    case layers, layersAndMLP = "layers+mlp"
}

/// `probe bench --python-dtype`.
enum PythonDType: String, ExpressibleByArgument, CaseIterable {
    case float32, bfloat16, auto
}
