/// Synthetic task items with marked answers (ladders `tasks-*`). Formats match the training text
/// written by `Notebooks-as-scripts/extract_corpus.py` (which trains on the ranges in
/// `Assets/datasets/task_seeds.json`): addition 1–4 digits, Dyck-2 depth ≤ 4, retrieval 2–16 pairs.
public struct TaskText: Sendable, Hashable {
    /// The task text (without probe suffix).
    public var text: [UInt8]
    /// The answer bytes within `text`.
    public var answerSpan: Range<Int>
    /// Offsets within `text` at which to read entropy.
    public var scoredOffsets: [Int]
}

public enum TaskGenerators {
    /// Worked examples before the query in an addition or Dyck item.
    public static let contextExamples = 4
    public static let dyckLength = 64

    /// `contextExamples` lines "a+b=s" and a final query line; a and b are uniform d-digit numbers
    /// (0–9 for d = 1). The answer is the digits of the final sum. Requires 1 ≤ d ≤ 18.
    public static func addition(digits d: Int, rng: inout SplitMix64) -> TaskText {
        let lo: UInt64 = d == 1 ? 0 : pow10(d - 1)
        let hi: UInt64 = pow10(d) - 1
        var lines: [String] = []
        var answer = ""
        for _ in 0...contextExamples {
            let a = rng.nextUInt64(in: lo...hi), b = rng.nextUInt64(in: lo...hi)
            answer = String(a + b)
            lines.append("\(a)+\(b)=\(answer)")
        }
        let text = Array(lines.joined(separator: "\n").utf8)
        let span = (text.count - answer.utf8.count)..<text.count
        return TaskText(text: text, answerSpan: span, scoredOffsets: Array(span))
    }

    /// A balanced string over `()[]` of length `length` whose maximum depth is exactly `depth`
    /// (requires 1 ≤ depth ≤ length/2, length even): a random walk capped at `depth` up to a random
    /// point, a forced climb to `depth`, then a random walk that closes with probability ½ and
    /// always closes at the cap or when the remaining length equals the depth.
    public static func dyckString(depth: Int, length: Int = dyckLength, rng: inout SplitMix64) -> [UInt8] {
        var out: [UInt8] = []
        var stack: [UInt8] = []
        let climbAt = rng.nextInt(in: 0...(length - 2 * depth))
        func step(cap: Int) {
            let remaining = length - out.count
            let mustClose = stack.count >= cap || stack.count >= remaining
            if !stack.isEmpty && (mustClose || rng.bernoulli(0.5)) {
                out.append(stack.removeLast() == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]"))
            } else {
                let open = rng.bernoulli(0.5) ? UInt8(ascii: "(") : UInt8(ascii: "[")
                stack.append(open)
                out.append(open)
            }
        }
        // Before the climb, keep depth low enough that the climb and the closing still fit.
        while out.count < climbAt { step(cap: depth) }
        while stack.count < depth {
            let open = rng.bernoulli(0.5) ? UInt8(ascii: "(") : UInt8(ascii: "[")
            stack.append(open)
            out.append(open)
        }
        while out.count < length { step(cap: depth) }
        return out
    }

    /// `contextExamples` Dyck strings and a query string, one per line, all with maximum depth
    /// `depth`. The answer span is the query line; scored offsets are its closing brackets (whose
    /// type is fixed by the stack).
    public static func dyck(depth: Int, rng: inout SplitMix64) -> TaskText {
        var text: [UInt8] = []
        for k in 0...contextExamples {
            if k > 0 { text.append(10) }
            text += dyckString(depth: depth, rng: &rng)
        }
        let start = text.count - dyckLength
        let scored = (start..<text.count).filter { text[$0] == UInt8(ascii: ")") || text[$0] == UInt8(ascii: "]") }
        return TaskText(text: text, answerSpan: start..<text.count, scoredOffsets: scored)
    }

    /// A balanced string over `()[]` of `length` bytes built from `nests` fully nested runs of depth `depth`
    /// (`depth` opening brackets, then their closing brackets in reverse) and depth-1 pairs `()`/`[]` filling
    /// the rest, the units in random order and every bracket type uniform. Requires `nests · 2 · depth ≤ length`
    /// and `length` even; with `nests = 0` (or `depth = 1`) the string is pairs only (maximum depth 1).
    ///
    /// Why this shape: the shipped model closes a bracket reliably only when its partner is close by. A run
    /// of depth d has d − 1 closings whose partner is further back than the previous byte, so the number and
    /// depth of runs set how many stack look-ups the answer needs: the lever that gives `tasks-dyck` a
    /// graded accuracy (a random walk capped at depth ≥ 2 already fails almost every item on 32 closings).
    public static func dyckNests(nests: Int, depth: Int, length: Int = dyckLength, rng: inout SplitMix64) -> [UInt8] {
        func open() -> UInt8 { rng.bernoulli(0.5) ? UInt8(ascii: "(") : UInt8(ascii: "[") }
        func close(_ o: UInt8) -> UInt8 { o == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]") }
        var units: [[UInt8]] = []
        for _ in 0..<nests {
            let opens = (0..<depth).map { _ in open() }
            units.append(opens + opens.reversed().map(close))
        }
        var used = nests * 2 * depth
        while used + 2 <= length {
            let o = open()
            units.append([o, close(o)])
            used += 2
        }
        rng.shuffle(&units)
        return units.flatMap { $0 }
    }

    /// `contextExamples` strings of `dyckNests(nests:depth:)` and a query string of the same shape, one per
    /// line. The answer span is the query line; scored offsets are its closing brackets (whose type is fixed
    /// by the stack; the opening brackets are free choices and are not scored).
    public static func dyck(nests: Int, depth: Int, rng: inout SplitMix64) -> TaskText {
        var text: [UInt8] = []
        for k in 0...contextExamples {
            if k > 0 { text.append(10) }
            text += dyckNests(nests: nests, depth: depth, rng: &rng)
        }
        let start = text.count - dyckLength
        let scored = (start..<text.count).filter { text[$0] == UInt8(ascii: ")") || text[$0] == UInt8(ascii: "]") }
        return TaskText(text: text, answerSpan: start..<text.count, scoredOffsets: scored)
    }

    /// Distinct random 4-letter keys with 3-digit values, "k1=v1 k2=v2 ... ?kq=vq". With
    /// `fillerWords` > 0, that many "...." words are mixed in at random places (the length-matched
    /// control). The answer is the queried value's three digits.
    public static func retrieval(pairs n: Int, fillerWords: Int = 0, rng: inout SplitMix64) -> TaskText {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var keys: [String] = []
        var seen = Set<String>()
        while keys.count < n {
            let k = String((0..<4).map { _ in letters[rng.nextInt(below: 26)] })
            if seen.insert(k).inserted { keys.append(k) }
        }
        let values = keys.map { _ in rng.nextInt(in: 100...999) }
        let q = rng.nextInt(below: n)
        var words = zip(keys, values).map { "\($0)=\($1)" }
        if fillerWords > 0 {
            words += Array(repeating: "....", count: fillerWords)
            rng.shuffle(&words)
        }
        let text = Array((words.joined(separator: " ") + " ?\(keys[q])=\(values[q])").utf8)
        let span = (text.count - 3)..<text.count
        return TaskText(text: text, answerSpan: span, scoredOffsets: Array(span))
    }

    /// Byte length of a retrieval item with `n` pairs and no filler: 9n − 1 + 10.
    public static func retrievalLength(pairs n: Int) -> Int { 9 * n + 9 }

    /// Filler words that make a 2-pair control item as long as an `n`-pair item (±2 bytes).
    public static func controlFillerWords(matching n: Int) -> Int {
        let target = retrievalLength(pairs: n) - retrievalLength(pairs: 2)
        return max(0, Int((Double(target) / 5).rounded()))
    }

    static func pow10(_ k: Int) -> UInt64 {
        var v: UInt64 = 1
        for _ in 0..<k { v *= 10 }
        return v
    }
}
