import Ladders

/// The arms of a study: the items under the run's patching, the same items under fixed-size patching
/// (the patch-length control), and the same items through an untrained control model cut into the
/// trained model's patches (the model control). Control items carry the ladder name `<ladder>@<spec>`,
/// e.g. `ood@fixed:4` or `ood@random-init:0`, in `/items/ladder`, so every per-ladder table and test
/// exists for every arm and the arms stay paired by `base_item_id`. The control specs are recorded in
/// the provenance config (`patch_control`, `model_control`), so a ladder whose own name contains "@" is
/// never mistaken for a control arm.
public enum StudyArm {
    public static let separator = "@"

    /// The control arm's ladder name for `ladder`.
    public static func controlLadder(_ ladder: String, spec: String) -> String { ladder + separator + spec }

    /// `(base ladder, is control)` for a stored ladder name, given the run's control spec (nil: no control arm).
    public static func split(_ ladder: String, controlSpec: String?) -> (base: String, isControl: Bool) {
        guard let spec = controlSpec, ladder.hasSuffix(separator + spec) else { return (ladder, false) }
        return (String(ladder.dropLast(separator.count + spec.count)), true)
    }

    /// `(base ladder, control spec)` for a stored ladder name, given every control spec of the run
    /// (the spec is nil for the run's own arm).
    public static func split(_ ladder: String, controlSpecs: [String]) -> (base: String, spec: String?) {
        for spec in controlSpecs where ladder.hasSuffix(separator + spec) {
            return (String(ladder.dropLast(separator.count + spec.count)), spec)
        }
        return (ladder, nil)
    }

    /// `item` renamed into the control arm (same bytes, seed, spans).
    static func controlCopy(of item: LadderItem, spec: String) -> LadderItem {
        LadderItem(ladder: controlLadder(item.ladder, spec: spec), level: item.level, baseItemID: item.baseItemID,
                   seed: item.seed, bytes: item.bytes, analysisSpan: item.analysisSpan, answerSpan: item.answerSpan,
                   scoredOffsets: item.scoredOffsets, shiftBitsPerByte: item.shiftBitsPerByte,
                   shiftBitsPerScalar: item.shiftBitsPerScalar, variant: item.variant)
    }
}
