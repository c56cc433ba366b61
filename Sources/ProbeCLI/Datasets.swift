import ArgumentParser
import Foundation
import HDF5Store
import Ladders

/// `probe datasets`: list, show and export the difficulty ladders.
struct Datasets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and export the difficulty / out-of-distribution ladders.",
        discussion: """
            Ladders: ood, noise, noise-blt (categorical), structure, tasks-addition, tasks-dyck,
            tasks-retrieval, tasks-retrieval-control ("tasks" selects all four task ladders), and
            custom:PATH (a JSONL file of {"id","text","level"} or a folder with one sub-folder per level).

            Examples:
              swift run probe datasets
              swift run probe datasets --shift
              swift run probe datasets show noise --level p=0.1 --limit 3
              swift run probe datasets show ood --level 7 --limit 2
              swift run probe datasets show custom:my_items.jsonl
              swift run probe datasets export structure --out structure.jsonl
              swift run probe datasets export tasks --out tasks.jsonl --limit 50 --seed 1
            """,
        subcommands: [List.self, Show.self, Export.self],
        defaultSubcommand: List.self
    )
}

/// Options shared by the `datasets` subcommands.
struct DatasetOptions: ParsableArguments {
    @Option(help: "Base seed for item generation (same seed -> identical bytes).")
    var seed: UInt64 = 0

    @Option(help: "Path to the Assets/ directory (default: found from the current directory, the executable, or $BYTELENS_ASSETS).")
    var assets: String?

    @Option(help: "Base items per generated ladder (ood, tasks-*).")
    var generatedItems: Int = 200

    func catalog() throws -> LadderCatalog {
        guard generatedItems > 0 else {
            throw ValidationError("--generated-items must be positive (got \(generatedItems))")
        }
        return try LadderCatalog.locate(assetsOverride: assets,
                                        options: LadderOptions(baseSeed: seed, generatedBaseItems: generatedItems))
    }
}

extension Datasets {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List ladders with their levels and item counts (the default).",
            discussion: """
                Examples:
                  swift run probe datasets
                  swift run probe datasets --shift --limit 100
                """)

        @OptionGroup var options: DatasetOptions

        @Flag(help: "Also print each level's mean trigram shift distance (bits/byte and bits/scalar).")
        var shift = false

        @Option(help: "Base items used for --shift means (default: all).")
        var limit: Int?

        func run() async throws {
            let catalog = try options.catalog()
            for ladder in try catalog.builtInLadders() {
                print("\(ladder.name) — \(ladder.summary)\(ladder.isOrdinal ? "" : " [categorical]")")
                let counts = ladder.itemCounts
                var means: [Int: (Double, Double)] = [:]
                if shift {
                    let items = try ladder.items(limit: limit)
                    for level in ladder.levels {
                        let l = items.filter { $0.level == level }
                        let b = l.compactMap(\.shiftBitsPerByte), s = l.compactMap(\.shiftBitsPerScalar)
                        means[level.index] = (b.reduce(0, +) / Double(max(1, b.count)), s.reduce(0, +) / Double(max(1, s.count)))
                    }
                }
                for level in ladder.levels {
                    var line = "  \(level.index)  \(level.name)  items=\(counts[level.index])"
                    if let m = means[level.index] {
                        line += String(format: "  shift=%.3f bits/byte  %.3f bits/scalar", m.0, m.1)
                    }
                    print(line)
                }
            }
            print("custom:PATH — your own JSONL or folder ladder (see `probe datasets --help`)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print items of a ladder (non-printable or invalid UTF-8 bytes escaped as \\xNN).",
            discussion: """
                Examples:
                  swift run probe datasets show structure --level "words shuffled" --limit 2
                  swift run probe datasets show tasks-addition --level 5 --limit 1
                  swift run probe datasets show ood --level "random bytes" --limit 1
                """)

        @Argument(help: "Ladder name (or tasks, or custom:PATH).")
        var ladder: String

        @Option(help: "Level index or exact level name (default: all levels).")
        var level: String?

        @Option(help: "Base items per level to print.")
        var limit: Int = 3

        @OptionGroup var options: DatasetOptions

        func run() async throws {
            guard limit >= 0 else { throw ValidationError("--limit must be >= 0 (got \(limit))") }
            for ladder in try options.catalog().ladders(matching: self.ladder) {
                let levels = try level.map { [try ladder.level($0)] }
                for item in try ladder.items(levels: levels, limit: limit) {
                    var header = "[\(item.ladder) | level \(item.level.index) \"\(item.level.name)\" | \(item.baseItemID)"
                    header += " | seed \(item.seed) | \(item.byteLength) bytes | analyse \(item.analysisSpan.lowerBound)..<\(item.analysisSpan.upperBound)"
                    if let a = item.answerSpan { header += " | answer \(a.lowerBound)..<\(a.upperBound)" }
                    if let s = item.shiftBitsPerByte { header += String(format: " | shift %.3f bits/byte", s) }
                    if !item.variant.isEmpty { header += " | \(item.variant)" }
                    print(header + "]")
                    print(ByteEscaping.escape(item.bytes))
                    print()
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a ladder's items as JSONL (one object per item; schema in LadderItemRecord).",
            discussion: """
                Fields: ladder, level, level_name, base_item_id, seed, bytes_b64, text, byte_length,
                analysis_span, answer_span, scored_offsets, shift_bits_per_byte, shift_bits_per_scalar,
                variant, generator. The file is written atomically.

                Examples:
                  swift run probe datasets export noise --out noise.jsonl
                  swift run probe datasets export tasks --out tasks.jsonl --limit 50
                  python3 -c "import json; print(json.loads(open('noise.jsonl').readline())['level_name'])"
                """)

        @Argument(help: "Ladder name (or tasks, or custom:PATH).")
        var ladder: String

        @Option(help: "Output .jsonl path.")
        var out: String

        @Option(help: "Level index or exact level name (default: all levels).")
        var level: String?

        @Option(help: "Base items per level (default: all).")
        var limit: Int?

        @OptionGroup var options: DatasetOptions

        func run() async throws {
            if let limit, limit < 0 { throw ValidationError("--limit must be >= 0 (got \(limit))") }
            var items: [LadderItem] = []
            for ladder in try options.catalog().ladders(matching: self.ladder) {
                let levels = try level.map { [try ladder.level($0)] }
                items += try ladder.items(levels: levels, limit: limit)
            }
            try SafeFile.atomicWrite(try LadderItem.jsonlBytes(items), to: out)
            print("wrote \(items.count) items to \(out)")
        }
    }
}
