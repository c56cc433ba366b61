/// A published protocol a study can follow instead of ByteLens' own defaults (`probe run --protocol`).
///
/// A protocol fills in what the user did not choose (dataset, hooks, stored probe vectors) and adds its own
/// analysis to the report; every option the user does give still wins, and the configuration records the
/// protocol so `probe report` rebuilds the same analysis from the file alone.
public enum StudyProtocol: String, Sendable, Equatable, CaseIterable {
    /// Jin et al. 2026, "Farther the Shift, Sparser the Representation" (difficulty_and_metrics.md §A): the
    /// state after the final norm of the last layer at the last byte of a fixed prompt ending, the paper's
    /// twelve metric definitions (``Metrics/PaperSparsityMetric``), per-level means and item-level
    /// correlations on byte-level versions of its difficulty axes (group `sparsity-paper`), and a
    /// replicated / not / opposite verdict per claim (``Statistics/PaperReplication``).
    case sparsityPaper = "sparsity-paper"

    /// Parses `--protocol` (`none` gives nil).
    /// - Throws: ``ProbingError/invalidOption(name:detail:)`` naming the value and the valid ones.
    public static func parse(option value: String) throws -> StudyProtocol? {
        if value == "none" { return nil }
        guard let p = StudyProtocol(rawValue: value) else {
            throw ProbingError.invalidOption(name: "--protocol",
                detail: "'\(value)' is not a protocol; valid: none, \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return p
    }

    /// The dataset a protocol run uses when `--dataset` is not given.
    public var defaultDataset: String {
        switch self {
        case .sparsityPaper: return "sparsity-paper"
        }
    }

    /// Hooks the protocol measures when `--hooks` is not given, and whose state at the probe position every
    /// item stores (`/activations/probe`): the decoder's final-norm output — the input of the LM head, the BLT
    /// analogue of transformers' `hidden_states[-1]` — and every global-transformer layer's residual stream
    /// (BLT's global transformer has no final norm; the paper's layer sweeps find the effect in the last
    /// layers, so all are kept and the report reads the last).
    public var hookPatterns: [String] {
        switch self {
        case .sparsityPaper: return ["decoder.hook_final_norm", "global.blocks.*.hook_resid_post"]
        }
    }

    /// Fills in the protocol's choices: the dataset unless one was given, its hooks unless `--hooks` was
    /// given, and its probe vectors in addition to any the user asked for.
    public func configure(_ request: inout StudyRequest, datasetGiven: Bool, hooksGiven: Bool) {
        request.studyProtocol = self
        if !datasetGiven { request.dataset = defaultDataset }
        if !hooksGiven { request.hookPatterns = hookPatterns }
        for p in hookPatterns where !request.saveProbeVectorPatterns.contains(p) { request.saveProbeVectorPatterns.append(p) }
    }
}
