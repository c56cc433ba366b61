/// The five noising strategies of the BLT paper's noised-HellaSwag evaluation (Pagnoni et al.
/// 2024, §6.1), as a categorical side ladder (`noise-blt`). Definitions follow the paper's text as
/// recorded in docs/difficulty_and_metrics.md §C.1. Case changes touch ASCII letters only (the
/// held-out passages are ASCII); other scalars pass through unchanged.
public enum BLTNoise: String, Sendable, CaseIterable {
    /// Deletes each scalar independently with probability 0.1.
    case drop = "Drop"
    /// Each scalar, with probability 0.2, is followed by 1–3 extra copies (so it appears at most
    /// 4 times), the count uniform in 1...3.
    case `repeat` = "Repeat"
    /// Uppercases every ASCII letter.
    case upperCase = "UpperCase"
    /// Uppercases every ASCII letter and puts one space between consecutive scalars:
    /// "the cat" → "T H E   C A T" (the original space becomes " " between two separators).
    case antSpeak = "AntSpeak"
    /// Each ASCII letter independently upper- or lower-cased with probability 0.5.
    case randomCase = "RandomCase"

    public static let dropRate = 0.1
    public static let repeatRate = 0.2
    public static let maxExtraCopies = 3

    /// Applies the strategy. Draws: Drop one uniform per scalar; Repeat one uniform per scalar and
    /// one more for the copy count when repeated; RandomCase one uniform per ASCII letter.
    public func apply(_ text: [Unicode.Scalar], rng: inout SplitMix64) -> [Unicode.Scalar] {
        switch self {
        case .drop:
            return text.filter { _ in !rng.bernoulli(Self.dropRate) }
        case .repeat:
            var out: [Unicode.Scalar] = []
            for s in text {
                out.append(s)
                if rng.bernoulli(Self.repeatRate) {
                    let extra = rng.nextInt(in: 1...Self.maxExtraCopies)
                    out.append(contentsOf: repeatElement(s, count: extra))
                }
            }
            return out
        case .upperCase:
            return text.map(ASCIICase.upper)
        case .antSpeak:
            var out: [Unicode.Scalar] = []
            for (i, s) in text.enumerated() {
                if i > 0 { out.append(" ") }
                out.append(ASCIICase.upper(s))
            }
            return out
        case .randomCase:
            return text.map { s in
                guard ASCIICase.isLetter(s) else { return s }
                return rng.bernoulli(0.5) ? ASCIICase.upper(s) : ASCIICase.lower(s)
            }
        }
    }
}

enum ASCIICase {
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        (s.value >= 65 && s.value <= 90) || (s.value >= 97 && s.value <= 122)
    }
    static func upper(_ s: Unicode.Scalar) -> Unicode.Scalar {
        s.value >= 97 && s.value <= 122 ? Unicode.Scalar(UInt8(s.value - 32)) : s
    }
    static func lower(_ s: Unicode.Scalar) -> Unicode.Scalar {
        s.value >= 65 && s.value <= 90 ? Unicode.Scalar(UInt8(s.value + 32)) : s
    }
}
