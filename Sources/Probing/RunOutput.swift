import Foundation
import HDF5Store

/// Where a study writes by default, and whether it may replace a finished run already there.
///
/// `Reports/<dataset>/` holds the committed reports, which the project regenerates with exactly
/// `probe --dataset <ladder>`; every other study (a smaller `--limit`, other hooks, another model, …)
/// must not land there by accident. So the default output is `Reports/<dataset>/` only for the
/// canonical study, and `runs/<dataset>-<spec hash>/` (gitignored) for anything else, one folder per
/// distinct study. A finished run is replaced only by the same study (same configuration, layout and
/// model), unless the caller forces it.
public enum RunOutput {
    /// The folder for non-canonical runs (listed in `.gitignore`).
    public static let scratchFolder = "runs"

    /// Whether `request` is the canonical study of its dataset: a built-in ladder on the shipped model
    /// with every study-changing option at its default (`--threads` and paths do not change results).
    public static func isCanonical(_ request: StudyRequest) -> Bool {
        let defaults = StudyRequest(dataset: request.dataset)
        return !request.dataset.hasPrefix("custom:") && request.modelDirectory == nil && request.levels == nil
            && request.limit == StudyRequest.defaultLimit && request.seed == defaults.seed
            && request.hookPatterns == defaults.hookPatterns && request.measures == defaults.measures
            && request.saveActivationPatterns.isEmpty && request.patching == defaults.patching
            && request.referenceItems == defaults.referenceItems && request.controlPatchSize == defaults.controlPatchSize
            && request.bootstrapResamples == defaults.bootstrapResamples && request.patchControl == defaults.patchControl
            && request.probePosition == defaults.probePosition && request.modelSource == .blt
            && request.modelControl == defaults.modelControl && request.nullShuffles == defaults.nullShuffles
            && request.compute == .fp32
    }

    /// The committed folder name of a canonical study: the dataset's slug, with `-matched-bytes` or
    /// `-matched-patches` for a `--match` study (its own report beside the unmatched one).
    public static func canonicalName(for request: StudyRequest) -> String {
        StudyPlan.slug(request.dataset) + (request.match == .none ? "" : "-matched-\(request.match.rawValue)")
    }

    /// `Reports/<slug>` for the canonical study, else `runs/<slug>-<8 hex digits of the spec hash>`.
    public static func defaultDirectory(for request: StudyRequest) -> String {
        isCanonical(request) ? "Reports/\(canonicalName(for: request))"
            : "\(scratchFolder)/\(StudyPlan.slug(request.dataset))-\(specHash(request))"
    }

    /// FNV-1a (64-bit) of every study-changing option, as 8 hex digits: stable across runs and machines,
    /// different for different studies (a collision only shares a folder, and the replacement check
    /// below still refuses to overwrite a different study).
    public static func specHash(_ request: StudyRequest) -> String {
        var fields: [String] = [
            request.dataset, request.modelDirectory ?? "", (request.levels ?? ["*"]).joined(separator: ","),
            request.limit.map(String.init) ?? "all", String(request.seed), request.hookPatterns.joined(separator: ","),
            request.measures.map(\.rawValue).joined(separator: ","), request.saveActivationPatterns.joined(separator: ","),
            request.patching, String(request.referenceItems), String(request.controlPatchSize), String(request.bootstrapResamples),
            String(request.patchControl), "\(request.probePosition)",
        ]
        // Added only for non-default sources, so the hashes (and folders) of existing studies do not change.
        if request.modelSource != .blt { fields.append(request.modelSource.description) }
        if request.nullShuffles != StudyRequest.defaultNullShuffles { fields.append("null-shuffles=\(request.nullShuffles)") }
        if request.modelControl != StudyRequest.defaultModelControl { fields.append("control-model=\(request.modelControl?.description ?? "none")") }
        if request.compute != .fp32 { fields.append("compute=\(request.compute.rawValue)") }
        if request.match != .none { fields.append("match=\(request.match.rawValue)") }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in fields.joined(separator: "\u{1F}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String((String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(8))
    }

    /// What is at the plan's output path before a run.
    public enum Existing: Equatable, Sendable {
        case nothing
        /// A finished run of the same study: re-running replaces it.
        case sameStudy
        /// A finished run of another study (or an unreadable file), replaced only with `force`.
        case otherStudy(detail: String)
    }

    /// Compares the finished run at `plan.finalPath` (if any) with `plan`.
    public static func existing(for plan: StudyPlan) -> Existing {
        guard FileManager.default.fileExists(atPath: plan.finalPath) else { return .nothing }
        let reader: ProbeRunReader
        do { reader = try ProbeRunReader(path: plan.finalPath) } catch { return .otherStudy(detail: "it cannot be read (\(error))") }
        defer { reader.close() }
        guard reader.layout == plan.layout else { return .otherStudy(detail: "it measured other hooks, measures or activations") }
        guard reader.provenance.configJSON == RunProvenance.configJSON(plan: plan, statisticsSeed: plan.statisticsSeed) else {
            return .otherStudy(detail: "it was run with another configuration (dataset, levels, limit, seed, patching, …)")
        }
        guard reader.provenance.modelPath == plan.modelDirectory.path else {
            return .otherStudy(detail: "it was run on another model (\(reader.provenance.modelPath))")
        }
        return .sameStudy
    }

    /// Throws `ProbingError.finishedRunExists` when `plan` would replace a finished run of another study
    /// and `force` is false. Resumed runs are not checked (they continue their own partial file).
    public static func checkReplaceable(_ plan: StudyPlan, force: Bool) throws -> Existing {
        let found = existing(for: plan)
        if case .otherStudy(let detail) = found, !force, !plan.request.resume {
            throw ProbingError.finishedRunExists(path: plan.finalPath, detail: detail)
        }
        return found
    }
}
