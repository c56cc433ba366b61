/// Text from datasets and files made safe for Markdown (REPORT.md, result tables).
public enum MarkdownText {
    /// Text safe inside a Markdown table cell, heading or emphasis (user-chosen ladder and level names may
    /// contain "|", line breaks, HTML or Markdown markup): line breaks become spaces, markup characters are
    /// backslash-escaped, and other control and format characters are dropped, so dataset text can neither
    /// end the row or heading nor inject markup.
    public static func cell(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\u{2028}", "\u{2029}", "\t": out.append(" ")
            case "\\", "|", "`", "*", "_", "[", "]", "<", ">", "#", "!", "~", "&": out.append("\\"); out.unicodeScalars.append(scalar)
            default:
                if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
