import Ladders

/// Where the per-item ("probe") measures are read: `probe run --probe suffix|prompt-end`.
///
/// The sparsity paper reads the state at the end of the prompt, before any answer exists. ByteLens'
/// default reads the last byte of the fixed probe suffix instead, so every level has identical local
/// content there (difficulty_and_metrics.md A.9); on task ladders that position comes *after* the
/// answer, i.e. the model has already seen (and been scored on) it. `promptEnd` reads the last byte
/// before the answer span, which mirrors the paper; it needs items with an answer span (task ladders,
/// or custom datasets that mark answers).
public enum ProbePosition: String, Sendable, Equatable, CaseIterable {
    /// The last sequence position: the last byte of the probe suffix (today's default).
    case suffix
    /// The last byte before the answer span.
    case promptEnd = "prompt-end"

    /// Parses the `--probe` value.
    /// - Throws: ``ProbingError/invalidOption(name:detail:)`` naming `--probe` and the value.
    public init(option value: String) throws {
        guard let p = ProbePosition(rawValue: value) else {
            throw ProbingError.invalidOption(name: "--probe",
                detail: "'\(value)' is not a probe position; valid: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = p
    }

    /// The sequence position (0 = BOS, byte offset k = position k + 1) whose state is measured for `item`.
    /// - Throws: ``ProbingError/invalidOption(name:detail:)`` for `promptEnd` on an item without an answer
    ///   span or with an answer at offset 0 (no prompt byte before it), naming the ladder and item.
    public func sequencePosition(of item: LadderItem) throws -> Int {
        switch self {
        case .suffix:
            return item.bytes.count
        case .promptEnd:
            guard let answer = item.answerSpan else {
                throw ProbingError.invalidOption(name: "--probe",
                    detail: "prompt-end needs items with an answer span, but ladder '\(item.ladder)' has none "
                        + "(item \(item.baseItemID) at level '\(item.level.name)'); use --probe suffix for this dataset")
            }
            guard answer.lowerBound >= 1 else {
                throw ProbingError.invalidOption(name: "--probe",
                    detail: "prompt-end needs a prompt before the answer, but item \(item.baseItemID) of ladder "
                        + "'\(item.ladder)' at level '\(item.level.name)' starts with its answer")
            }
            // The byte at offset lowerBound − 1 is the prompt's last byte; its sequence position is lowerBound.
            return answer.lowerBound
        }
    }

    /// What the run configuration records as `probe_position` (`RunProvenance`).
    public var provenanceDescription: String {
        switch self {
        case .suffix:
            return "suffix: last sequence position (probe suffix); patch-level hooks: the patch containing it"
        case .promptEnd:
            return "prompt-end: last byte before the answer span (end of the prompt); patch-level hooks: the patch containing it"
        }
    }
}
