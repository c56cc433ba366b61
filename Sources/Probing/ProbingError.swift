/// Problems found while preparing or running a study. Every case names the file, option or value at
/// fault and, where there is a closed set of valid values, lists them.
///
/// Errors from other modules (ladders, checkpoint loading, HDF5, metrics) are passed through unchanged;
/// they carry their own file names and line numbers.
public enum ProbingError: Error, CustomStringConvertible, Equatable {
    /// `--model DIR` has no `config.json`.
    case modelConfigMissing(directory: String)
    /// The default model is not in `Assets/models/` (not trained or not checked out yet).
    case defaultModelMissing(searched: String)
    /// A `--hooks` / `--save-activations` pattern matches no measurable hook point of the model.
    case unknownHookPattern(option: String, pattern: String, valid: [String])
    /// A `--measures` name is not a sparsity measure.
    case unknownMeasure(name: String, valid: [String])
    /// A `--levels` entry is not a level of the ladder.
    case unknownLevel(ladder: String, level: String, valid: [String])
    /// `--patching` value not understood.
    case invalidPatching(spec: String, detail: String)
    /// The output directory cannot be created or written.
    case outputNotWritable(path: String, detail: String)
    /// An option value out of range (e.g. `--limit 0`).
    case invalidOption(name: String, detail: String)
    /// The selection produced no items (e.g. `--levels` of a custom dataset without items there).
    case noItems(dataset: String)
    /// A partial file exists but `--resume` was not given.
    case partialRunExists(partialPath: String)
    /// `--resume` was given but there is nothing to resume.
    case nothingToResume(partialPath: String)
    /// The output folder holds a finished run of another study (`--force` replaces it).
    case finishedRunExists(path: String, detail: String)
    /// A model output that should be finite was not (NaN/∞ activations or entropies).
    case nonFiniteModelOutput(item: String, detail: String)
    /// `--resume` found a partial file that belongs to another layout or experiment.
    case cannotResume(partialPath: String, detail: String)
    /// SIGINT/SIGTERM after the HDF5 file was finished, before the figures and REPORT.md.
    case interruptedBeforeReport(finalPath: String)
    /// Ctrl-C arrived before the first item was written (nothing to keep).
    case interruptedBeforeStart
    /// An item failed; the partial file keeps the items before it.
    case runFailed(detail: String, partialPath: String, completedItems: Int)
    /// `probe merge` was given shard files that are not the complete set of one study.
    case shardSetInvalid(detail: String)
    /// `probe compare` was given runs that are not the same study on different models.
    case comparisonInvalid(detail: String)
    /// A report was asked of a shard file, which holds part of a study and no statistics.
    case shardIsNotAStudy(path: String, shard: String)

    public var description: String {
        switch self {
        case .modelConfigMissing(let directory):
            return "model directory \(directory) has no config.json (expected a Hugging Face checkpoint: config.json + model.safetensors)"
        case .defaultModelMissing(let searched):
            return "the default model is not installed (looked for \(searched)); pass --model DIR with a BLT checkpoint in Hugging Face layout"
        case let .unknownHookPattern(option, pattern, valid):
            return "\(option) pattern '\(pattern)' matches no measurable hook point of this model; valid hook points: "
                + ShortList.format(valid, hint: "all of them: `probe hooks`; globs: '*' spans dots, e.g. 'global.*.hook_resid_post'")
        case let .unknownMeasure(name, valid):
            return "unknown measure '\(name)'; valid measures: \(valid.joined(separator: ", ")) (or 'all')"
        case let .unknownLevel(ladder, level, valid):
            return "ladder '\(ladder)' has no level '\(level)'; valid levels (index=name): \(valid.joined(separator: ", "))"
        case let .invalidPatching(spec, detail):
            return "--patching '\(spec)': \(detail)"
        case let .outputNotWritable(path, detail):
            return "output directory \(path) is not writable: \(detail)"
        case let .invalidOption(name, detail):
            return "invalid \(name): \(detail)"
        case .noItems(let dataset):
            return "the selection of dataset '\(dataset)' contains no items (check --levels and --limit)"
        case .partialRunExists(let partialPath):
            return "an unfinished run exists at \(partialPath); continue it with --resume or delete it to start again"
        case .nothingToResume(let partialPath):
            return "--resume: no unfinished run at \(partialPath)"
        case let .finishedRunExists(path, detail):
            return "\(path) holds a finished run of another study: \(detail); pass --force to replace it, or choose another --out"
        case let .nonFiniteModelOutput(item, detail):
            return "item \(item): the model produced non-finite values (\(detail))"
        case let .cannotResume(partialPath, detail):
            return detail.hasPrefix("cannot resume") ? detail : "cannot resume \(partialPath): \(detail)"
        case let .interruptedBeforeReport(finalPath):
            return "interrupted after \(finalPath) was written, before the report; `probe report \(finalPath)` builds it"
        case .interruptedBeforeStart:
            return "interrupted before the first item; nothing was written"
        case let .shardIsNotAStudy(path, shard):
            return "\(path) is shard \(shard) of a study: its statistics need every shard; run `probe merge` on all of them"
        case .comparisonInvalid(let detail):
            return "cannot compare: \(detail)"
        case .shardSetInvalid(let detail):
            return "cannot merge: \(detail)"
        case let .runFailed(detail, partialPath, completedItems):
            return "\(detail)\nthe run stopped after \(completedItems) complete item(s); partial results are in \(partialPath) "
                + "(fix the cause, then rerun with --resume to continue)"
        }
    }
}
