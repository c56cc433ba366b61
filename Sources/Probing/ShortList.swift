/// Error messages list valid values so a typo is easy to fix, but a model has hundreds of hook points:
/// long lists are cut to their first entries and a hint where to see all of them.
public enum ShortList {
    /// `items` joined with ", ", or the first `limit` of them followed by "… and N more (hint)".
    public static func format(_ items: [String], limit: Int = 8, hint: String) -> String {
        guard items.count > limit else { return items.joined(separator: ", ") }
        return items.prefix(limit).joined(separator: ", ") + ", … and \(items.count - limit) more (\(hint))"
    }
}
