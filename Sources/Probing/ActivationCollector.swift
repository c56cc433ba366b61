import BLTModel

/// Copies the activations of selected hooks out of one forward pass (reducer callbacks write here).
/// One collector belongs to one forward call on one thread.
final class ActivationCollector {
    struct Captured {
        var rows: Int
        var columns: Int
        var values: [Float]
    }

    private(set) var captured: [String: Captured] = [:]

    /// A hook set that copies every activation named in `names` (exact names).
    func hookSet(capturing names: [String]) -> HookSet {
        var hooks = HookSet()
        for name in names {
            hooks.reduce(name) { [unowned self] buffer, info in
                self.captured[info.name] = Captured(rows: info.rows, columns: info.columns, values: Array(buffer))
            }
        }
        return hooks
    }

    /// The activation of `name`, if the forward pass reached it.
    func activation(_ name: String) -> Captured? { captured[name] }
}
