/// The structural ladder (`structure`): transformations that keep (most of) the character
/// inventory but destroy progressively more structure. All operate on Unicode scalars and keep the
/// scalar count, except where noted.
public enum StructureTransform: Int, Sendable, CaseIterable {
    /// Unchanged.
    case original
    /// Sentences in random order (never the original order when two sentences differ). A sentence ends at `.`, `!` or `?` (plus any directly following
    /// closing quotes or brackets) followed by whitespace, or at a line break (verse lines, Bible
    /// verses and WordNet glosses are one per line); the whitespace separators stay in place and
    /// the sentence bodies are permuted. A text with one sentence is unchanged.
    case sentencesShuffled
    /// Words (maximal non-whitespace runs) permuted across the text; whitespace stays in place;
    /// never the original order when two words differ.
    case wordsShuffled
    /// "Typoglycemia": in each maximal run of letters of length ≥ 4, the interior letters are
    /// permuted; first and last letters stay.
    case interiorLettersShuffled
    /// All letters of each maximal letter run permuted.
    case wordLettersShuffled
    /// The whole scalar sequence reversed.
    case reversed
    /// All scalars (including whitespace and punctuation) permuted: the unigram distribution is kept.
    case charactersShuffled
    /// Every scalar replaced by one drawn uniformly from a–z and space.
    case uniformRandomLetters

    public var levelName: String {
        switch self {
        case .original: return "original"
        case .sentencesShuffled: return "sentences shuffled"
        case .wordsShuffled: return "words shuffled"
        case .interiorLettersShuffled: return "interior letters shuffled"
        case .wordLettersShuffled: return "word letters shuffled"
        case .reversed: return "reversed"
        case .charactersShuffled: return "characters shuffled"
        case .uniformRandomLetters: return "uniform random letters"
        }
    }

    public func apply(_ text: [Unicode.Scalar], rng: inout SplitMix64) -> [Unicode.Scalar] {
        switch self {
        case .original:
            return text
        case .sentencesShuffled:
            return Self.permuteSegments(text, bodies: Self.sentenceBodies(text), rng: &rng)
        case .wordsShuffled:
            return Self.permuteSegments(text, bodies: Self.runs(text) { !$0.properties.isWhitespace }, rng: &rng)
        case .interiorLettersShuffled:
            return Self.shuffleWithinRuns(text, keepEnds: true, rng: &rng)
        case .wordLettersShuffled:
            return Self.shuffleWithinRuns(text, keepEnds: false, rng: &rng)
        case .reversed:
            return text.reversed()
        case .charactersShuffled:
            var out = text
            rng.shuffle(&out)
            return out
        case .uniformRandomLetters:
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz ".unicodeScalars)
            return text.map { _ in alphabet[rng.nextInt(below: alphabet.count)] }
        }
    }

    /// Index ranges of maximal runs of scalars satisfying `isMember`.
    static func runs(_ text: [Unicode.Scalar], _ isMember: (Unicode.Scalar) -> Bool) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start: Int?
        for (i, s) in text.enumerated() {
            if isMember(s) {
                if start == nil { start = i }
            } else if let st = start {
                out.append(st..<i)
                start = nil
            }
        }
        if let st = start { out.append(st..<text.count) }
        return out
    }

    /// Sentence bodies: from the first non-whitespace scalar to the end of the sentence terminator
    /// run (terminators plus closing quotes/brackets) that is followed by whitespace or the end,
    /// or to the next line break, whichever comes first.
    static func sentenceBodies(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        let terminators: Set<Unicode.Scalar> = [".", "!", "?"]
        let closers: Set<Unicode.Scalar> = ["\"", "'", ")", "]"]
        var out: [Range<Int>] = []
        var i = 0
        while i < text.count {
            while i < text.count, text[i].properties.isWhitespace { i += 1 }
            guard i < text.count else { break }
            let start = i
            var end = text.count
            var j = i
            while j < text.count {
                if text[j] == "\n" {
                    end = j
                    break
                }
                if terminators.contains(text[j]) {
                    var k = j + 1
                    while k < text.count, terminators.contains(text[k]) || closers.contains(text[k]) { k += 1 }
                    if k == text.count || text[k].properties.isWhitespace {
                        end = k
                        break
                    }
                    j = k
                } else {
                    j += 1
                }
            }
            // Trailing whitespace inside the last body belongs to the separators.
            var e = end
            while e > start, text[e - 1].properties.isWhitespace { e -= 1 }
            out.append(start..<e)
            i = end
        }
        return out
    }

    /// Permutes the contents of `bodies` (disjoint, increasing ranges), keeping everything between
    /// them in place: body k of the output is body perm[k] of the input. A permutation that
    /// reproduces the input is redrawn (up to 16 draws), so the level really changes the text
    /// whenever it has two different bodies.
    static func permuteSegments(_ text: [Unicode.Scalar], bodies: [Range<Int>], rng: inout SplitMix64) -> [Unicode.Scalar] {
        guard bodies.count > 1 else { return text }
        var out = text
        for _ in 0..<16 {
            out = arrange(text, bodies: bodies, rng: &rng)
            if out != text { break }
        }
        return out
    }

    private static func arrange(_ text: [Unicode.Scalar], bodies: [Range<Int>], rng: inout SplitMix64) -> [Unicode.Scalar] {
        var order = Array(bodies.indices)
        rng.shuffle(&order)
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var cursor = 0
        for (k, body) in bodies.enumerated() {
            out.append(contentsOf: text[cursor..<body.lowerBound])
            out.append(contentsOf: text[bodies[order[k]]])
            cursor = body.upperBound
        }
        out.append(contentsOf: text[cursor...])
        return out
    }

    static func shuffleWithinRuns(_ text: [Unicode.Scalar], keepEnds: Bool, rng: inout SplitMix64) -> [Unicode.Scalar] {
        var out = text
        for run in runs(text, { $0.properties.isAlphabetic }) {
            if keepEnds && run.count < 4 { continue }
            let inner = keepEnds ? (run.lowerBound + 1)..<(run.upperBound - 1) : run
            guard inner.count > 1 else { continue }
            var letters = Array(text[inner])
            rng.shuffle(&letters)
            out.replaceSubrange(inner, with: letters)
        }
        return out
    }
}
