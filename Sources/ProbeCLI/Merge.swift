import ArgumentParser
import Foundation
import HDF5Store
import Probing
import Parallelism
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `probe merge SHARD…`: one study from the shard files of `probe run --shard I/N`.
struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the shard files of a sharded study into one probe.h5, then compute its statistics and report.",
        discussion: """
        Checks that the files are every shard of one study (same configuration, dataset manifest, seed, \
        model SHA-256s, layout, tool version and bit-identical reference profiles; no shard missing, \
        unfinished or given twice; every study item exactly once) and refuses otherwise, naming the \
        missing or foreign shards. Then copies every item into <out>/probe.h5 in study order (rebasing \
        the byte and patch offsets), computes the statistics and writes figures and REPORT.md exactly as \
        `probe run` does: the datasets and report numbers equal those of a one-process run of the study.

        Examples:
          probe merge runs/ood-1a2b3c4d/shards/shard-*.h5        (writes runs/ood-1a2b3c4d/)
          probe merge a/shard-0000-of-0002.h5 b/shard-0001-of-0002.h5 --out merged/
        """)

    @Argument(help: "Every shard file of the study (shard-IIII-of-NNNN.h5).")
    var shards: [String]

    @Option(name: .long, help: "Output directory (default: the folder that holds the shards/ folder).")
    var out: String?

    @Option(name: .long, help: "Threads for the statistics; results do not depend on it.")
    var threads: Int = min(4, ProcessInfo.processInfo.activeProcessorCount)

    @Flag(name: .long, help: "Replace a finished run of another study in the output folder.")
    var force = false

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256, got \(threads)") }
        if out == nil && ShardMerge.defaultOutDirectory(for: shards) == nil {
            throw ValidationError("the shards are not all in one shards/ folder; pass --out DIR")
        }
    }

    func run() async throws {
        InterruptSignal.install()
        try FilePreflight.check(shards)
        let directory = out.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? ShardMerge.defaultOutDirectory(for: shards)!
        let display = ProgressDisplay(interactive: isatty(STDERR_FILENO) != 0)
        let merge = ShardMerge(shardPaths: shards, outDirectory: directory, commandLine: ["probe"] + CommandLine.arguments.dropFirst(),
                               threads: threads, force: force, progress: { display.update($0) },
                               shouldStop: { InterruptSignal.isRequested })
        do {
            let outcome = try merge.run()
            display.finish()
            print(Run.summary(outcome).replacingOccurrences(of: "wrote \(outcome.finalPath) (", with: "merged \(shards.count) shards into \(outcome.finalPath) ("))
        } catch let error as ProbeRunError {
            display.finish()
            if case .interrupted = error {
                FileHandle.standardError.write(Data("probe: merge interrupted; run it again (it starts over)\n".utf8))
                throw ExitCode(130)
            }
            throw error
        } catch {
            display.finish()
            throw error
        }
    }
}
