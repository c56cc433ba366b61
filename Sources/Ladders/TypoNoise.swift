/// Character-level typo noise (ladder `noise`), on Unicode scalars.
///
/// Each scalar position independently, with probability p, receives one edit chosen uniformly from
/// substitute (a random letter a–z, which may equal the original), delete, insert (a random letter
/// a–z after the scalar) or swap (with the next scalar). A swap consumes the next scalar, whose own
/// planned edit is then ignored; a swap planned on the last scalar leaves it unchanged.
public enum TypoEdit: Sendable, Hashable {
    case substitute(Unicode.Scalar)
    case delete
    case insert(Unicode.Scalar)
    case swap
}

public enum TypoNoise {
    static let letters: [Unicode.Scalar] = Array("abcdefghijklmnopqrstuvwxyz".unicodeScalars)

    /// The edits for `count` positions at rate `p`: one entry per position, `nil` = untouched.
    /// Draw order per position: one uniform for the Bernoulli(p) test, then (if edited) one for the
    /// operation and, for substitute/insert, one for the letter.
    public static func plan(count: Int, rate p: Double, rng: inout SplitMix64) -> [TypoEdit?] {
        var edits = [TypoEdit?](repeating: nil, count: count)
        for i in 0..<count where rng.bernoulli(p) {
            switch rng.nextInt(below: 4) {
            case 0: edits[i] = .substitute(letters[rng.nextInt(below: 26)])
            case 1: edits[i] = .delete
            case 2: edits[i] = .insert(letters[rng.nextInt(below: 26)])
            default: edits[i] = .swap
            }
        }
        return edits
    }

    /// Applies `edits` (one per scalar of `text`; missing trailing entries mean untouched).
    public static func apply(_ edits: [TypoEdit?], to text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count + text.count / 4)
        var i = 0
        while i < text.count {
            let edit = i < edits.count ? edits[i] : nil
            switch edit {
            case nil:
                out.append(text[i])
            case .substitute(let s)?:
                out.append(s)
            case .delete?:
                break
            case .insert(let s)?:
                out.append(text[i])
                out.append(s)
            case .swap?:
                if i + 1 < text.count {
                    out.append(text[i + 1])
                    out.append(text[i])
                    i += 1
                } else {
                    out.append(text[i])
                }
            }
            i += 1
        }
        return out
    }

    /// Plans and applies typo noise at rate `p`.
    public static func perturb(_ text: [Unicode.Scalar], rate p: Double, rng: inout SplitMix64) -> [Unicode.Scalar] {
        apply(plan(count: text.count, rate: p, rng: &rng), to: text)
    }
}
