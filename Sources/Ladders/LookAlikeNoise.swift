import Randomness

/// The MMLU-Pro perturbations of the sparsity paper (Jin et al. 2026, `QA-bench/robustness`,
/// difficulty_and_metrics.md §A.4), re-implemented on Unicode scalars with a seeded generator so that
/// every item is reproducible (the paper's code draws from Python's unseeded global `random`).
public enum LookAlikeNoise {
    /// Look-alike replacements per lower-case ASCII letter (the paper's `char_substitutions` table).
    /// Several are non-ASCII (Greek, Cyrillic, ×), so noise also changes the UTF-8 byte mix.
    public static let substitutions: [Unicode.Scalar: [String]] = [
        "a": ["@", "α"], "b": ["β"], "c": ["/"], "d": ["δ"], "e": ["3", "ε"], "f": ["φ"], "g": ["γ"], "h": ["η"],
        "i": ["1", "!"], "j": ["ϳ"], "k": ["κ"], "l": ["1", "|"], "m": ["μ"], "n": ["η"], "o": ["0", "ο"], "p": ["ρ"],
        "q": ["ϙ"], "r": ["я"], "s": ["$"], "t": ["7"], "u": ["υ"], "v": ["ϑ"], "w": ["ω"], "x": ["×"], "y": ["γ"],
        "z": ["ζ"],
    ]
    /// Digit strings the word-level "digitize" corruption writes over one character.
    public static let digitStrings = ["666", "888", "999", "123", "777"]

    /// `apply_char_level_noise(text, rate)`: (1) each scalar whose lower case has look-alikes is replaced,
    /// with probability `rate`, by one of them (upper-cased when the original is an upper-case letter);
    /// (2) the text is split at whitespace runs and every word longer than 2 scalars is corrupted with
    /// probability `rate` by one of swap (two adjacent scalars, words > 3), delete (an interior scalar,
    /// words > 3) or digitize (one scalar after the first replaced by a digit string); (3) the words are
    /// joined by single spaces — so, as in the paper, line breaks inside the noised text become spaces.
    ///
    /// Draw order: per scalar one uniform (and one choice if replaced); per word of > 2 scalars one
    /// uniform, then the operation, then its positions. A rate outside [0, 1] is clamped by the draw.
    public static func apply(_ text: String, rate: Double, rng: inout SplitMix64) -> String {
        var replaced = ""
        for scalar in text.unicodeScalars {
            let lower = Unicode.Scalar(String(scalar).lowercased()) ?? scalar
            if let options = substitutions[lower], rng.bernoulli(rate) {
                let choice = options[rng.nextInt(below: options.count)]
                replaced += scalar.properties.isUppercase ? choice.uppercased() : choice
            } else {
                replaced.unicodeScalars.append(scalar)
            }
        }
        let words = replaced.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }).map(Array.init)
        var out: [String] = []
        for var word in words {
            if word.count > 2, rng.bernoulli(rate) {
                switch rng.nextInt(below: 3) {
                case 0 where word.count > 3:
                    let pos = rng.nextInt(in: 0...(word.count - 2))
                    word.swapAt(pos, pos + 1)
                case 1 where word.count > 3:
                    word.remove(at: rng.nextInt(in: 1...(word.count - 2)))
                case 2:
                    let pos = rng.nextInt(in: 1...(word.count - 1))
                    let digits = digitStrings[rng.nextInt(below: digitStrings.count)]
                    word.replaceSubrange(pos...pos, with: Array(digits.unicodeScalars))
                default:
                    break  // swap/delete drawn for a 3-scalar word: unchanged, as in the paper
                }
            }
            var s = ""
            s.unicodeScalars.append(contentsOf: word)
            out.append(s)
        }
        return out.joined(separator: " ")
    }
}

/// `create_modified_options`: the paper's "more answer choices" axis adds perturbed copies of existing
/// options (not new answers), so the choice gets longer and more confusable without a new correct option.
public enum OptionPerturbation {
    /// Hedge words the `add_word` edit inserts.
    public static let hedgeWords = ["also", "maybe", "possibly", "or", "approximately", "nearly", "about", "typically", "generally"]
    /// The `change_word` edit's replacements (a word not in the table is left as it is).
    public static let replacements = ["the": "a", "is": "was", "are": "were", "in": "at", "on": "upon", "for": "to",
                                      "with": "by", "an": "the"]
    /// Punctuation the `add_punctuation` edit inserts as a separate word.
    public static let punctuation = [",", ";", "..."]

    /// The options followed by min(`count`, options.count) edited copies of distinct options chosen at
    /// random, each edited by one of add a hedge word, replace one small word, insert punctuation, repeat
    /// a word (an edit that needs more words than the option has leaves the copy unchanged, as in the paper).
    public static func extend(_ options: [String], by count: Int, rng: inout SplitMix64) -> [String] {
        var result = options
        // Distinct options in random order (`random.sample`): a partial Fisher–Yates with `nextInt(below:)`,
        // the ladders' bounded draw.
        var pool = Array(options.indices)
        for i in 0..<max(0, min(count, options.count)) {
            pool.swapAt(i, i + rng.nextInt(below: pool.count - i))
            let index = pool[i]
            var words = options[index].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            switch rng.nextInt(below: 4) {
            case 0:
                if !words.isEmpty {
                    let word = hedgeWords[rng.nextInt(below: hedgeWords.count)]
                    words.insert(word, at: rng.nextInt(in: 0...words.count))
                }
            case 1:
                if words.count > 1 {
                    let pos = rng.nextInt(below: words.count)
                    if let r = replacements[words[pos].lowercased()] { words[pos] = r }
                }
            case 2:
                if words.count > 1 {
                    let mark = punctuation[rng.nextInt(below: punctuation.count)]
                    words.insert(mark, at: rng.nextInt(in: 1...words.count))
                }
            default:
                if !words.isEmpty {
                    let pos = rng.nextInt(below: words.count)
                    words.insert(words[pos], at: pos + 1)
                }
            }
            result.append(words.joined(separator: " "))
        }
        return result
    }
}
