/// Named hook points in the spirit of TransformerLens: every intermediate of the forward pass has a
/// canonical dotted name (see `HookPoint.catalogue(for:)`), and a forward call can capture, reduce or
/// replace any of them. Hooks belong to one call (`HookSet` is a value passed in `ForwardOptions`), so
/// nothing stays registered afterwards.
///
/// Name patterns: an exact name, or a glob where `*` matches any run of characters **including dots**
/// and `?` matches one character. So `global.*.hook_resid_post` matches every global layer,
/// `*hook_mlp_act` every MLP activation of every component, `encoder.cross.*` every encoder
/// cross-attention hook, and `*` everything.

/// A dense activation copied out of the forward pass, row-major. `shape` is `[rows, columns]`, or
/// `[rows]` for per-position scalars (entropy, patch lengths).
public struct HookTensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    /// A tensor from caller-provided data (e.g. a stored activation to patch in).
    /// - Throws: `HookError.invalidTensor` when `shape` is not 1-D or 2-D with non-negative extents
    ///   whose product is `values.count`.
    public init(shape: [Int], values: [Float]) throws(HookError) {
        guard (1...2).contains(shape.count), shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
            throw .invalidTensor(shape: shape, count: values.count)
        }
        self.shape = shape
        self.values = values
    }

    /// For shapes the forward pass guarantees.
    package init(validShape shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    public var rows: Int { shape.first ?? 1 }
    public var columns: Int { shape.count > 1 ? shape[1] : 1 }

    /// Row `r` as an array.
    public func row(_ r: Int) -> ArraySlice<Float> { values[(r * columns)..<((r + 1) * columns)] }
}

/// Which part of the model a hook belongs to.
public enum HookComponent: String, Sendable, CaseIterable {
    case patcher, patching, encoder, global, decoder, output
}

/// What the rows of a hook's activation index.
public enum HookRows: String, Sendable {
    /// Byte tokens incl. BOS (N).
    case bytes = "N"
    /// Patches incl. a trailing zero-length patch (P).
    case patches = "P"
    /// k query/key slots per patch (P*k).
    case patchSlots = "P*k"
    /// One block of byte rows per attention head, head-major: row `h·N + i` is head `h`, byte `i`.
    case headBytes = "H*N"
    /// One block of patch rows per attention head (`h·P + i`).
    case headPatches = "H*P"
    /// One block of patch-slot rows per attention head (`h·P·k + i`).
    case headPatchSlots = "H*P*k"

    /// The per-head version of a query axis (attention scores and patterns).
    var perHead: HookRows {
        switch self {
        case .bytes, .headBytes: return .headBytes
        case .patches, .headPatches: return .headPatches
        case .patchSlots, .headPatchSlots: return .headPatchSlots
        }
    }
}

/// One hook point of a model config: its name, shape and the transformers module it mirrors.
public struct HookPoint: Sendable, Equatable {
    /// The typed name (component, scope, site).
    public let hook: HookName
    /// `hook.description`, kept because every pattern match and every stored file uses the string.
    public let name: String
    public var component: HookComponent { hook.component }
    /// Layer (block or cross-attention index) for per-layer hooks, else `nil`.
    public var layer: Int? { hook.layer }
    public let rows: HookRows
    /// Columns per row, or `nil` for one scalar per row (shape `[rows]`) and for attention scores and
    /// patterns, whose column count is the number of keys (see `keys`).
    public let columns: Int?
    /// For attention scores and patterns: the axis of the keys, i.e. the columns (`[H*N, N]` for
    /// self-attention over bytes). `nil` for every other hook.
    public let keys: HookRows?
    /// The transformers 5.24.0 module (or expression) whose value this hook holds.
    public let transformersModule: String

    package init(hook: HookName, rows: HookRows, columns: Int?, keys: HookRows?, transformersModule: String) {
        self.hook = hook
        self.name = hook.description
        self.rows = rows
        self.columns = columns
        self.keys = keys
        self.transformersModule = transformersModule
    }

    /// Whether the activation is one scalar per row (shape `[rows]`, e.g. entropy).
    public var isScalarPerRow: Bool { columns == nil && keys == nil }

    /// Human-readable shape such as `[N, 64]`, `[P*k, 32]`, `[H*N, N]` or `[N]`.
    public var shapeDescription: String {
        if let keys { return "[\(rows.rawValue), \(keys.rawValue)]" }
        return columns.map { "[\(rows.rawValue), \($0)]" } ?? "[\(rows.rawValue)]"
    }

    /// Glob match: `*` any run of characters (dots included), `?` one character, everything else literal.
    /// TransformerLens spellings in the pattern are accepted (see `aliases`), so
    /// `global.blocks.*.mlp.hook_post` matches `global.blocks.2.hook_mlp_act`.
    public static func matches(pattern: String, name: String) -> Bool {
        globMatches(Array(canonicalPattern(pattern).utf8), Array(name.utf8))
    }

    /// `matches` on pre-converted UTF-8 (the pattern already canonical): hook runners compile their
    /// patterns and the catalogue's names once per call instead of once per comparison.
    static func globMatches(_ p: [UInt8], _ s: [UInt8]) -> Bool {
        var pi = 0, si = 0, starP = -1, starS = 0
        while si < s.count {
            if pi < p.count && (p[pi] == UInt8(ascii: "?") || p[pi] == s[si]) && p[pi] != UInt8(ascii: "*") {
                pi += 1; si += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                starP = pi; starS = si; pi += 1
            } else if starP >= 0 {
                pi = starP + 1; starS += 1; si = starS
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

/// What a hook callback learns about the activation it receives.
public struct HookInfo: Sendable {
    public let hook: HookName
    /// `hook.description` (from the catalogue, not rebuilt per call).
    public let name: String
    public var component: HookComponent { hook.component }
    public var layer: Int? { hook.layer }
    public let rows: Int
    /// 1 for per-position scalars.
    public let columns: Int
}

/// Ways to replace an activation. The replacement flows into everything downstream.
public enum Intervention {
    /// Set to 0.
    case zero
    /// Multiply by a factor.
    case scale(Float)
    /// Replace every selected row by this vector (e.g. a dataset mean); length must equal the columns.
    case meanAblate([Float])
    /// Replace every selected row by the mean over all rows of this very activation.
    case positionMean
    /// Replace by a stored activation of the same shape (activation patching); only selected rows
    /// are copied.
    case patch(HookTensor)
    /// Arbitrary in-place edit of the whole `[rows, columns]` buffer.
    case custom((UnsafeMutableBufferPointer<Float>, HookInfo) -> Void)
}

/// Problems with hook requests.
public enum HookError: Error, CustomStringConvertible, Equatable {
    /// A pattern matches no hook point of this model (likely a typo).
    case noMatch(pattern: String)
    /// Interventions are not allowed on this hook (patch lengths are integers; use
    /// `PatchingStrategy.explicit` instead).
    case notIntervenable(name: String)
    case shapeMismatch(name: String, expected: [Int], actual: [Int])
    case rowOutOfRange(name: String, row: Int, rows: Int)
    /// A `HookTensor` whose shape does not describe its values.
    case invalidTensor(shape: [Int], count: Int)
    /// The forward pass fired a hook the catalogue does not list (a ByteLens bug; `HookCatalogueTests`
    /// guards against it).
    case uncatalogued(name: String)

    public var description: String {
        switch self {
        case .noMatch(let p): return "hook pattern '\(p)' matches no hook point of this model (see `probe hooks`)"
        case .notIntervenable(let n): return "hook '\(n)' cannot be intervened on (use an explicit patching strategy)"
        case let .shapeMismatch(n, e, a): return "intervention on '\(n)': activation has shape \(e), replacement has \(a)"
        case let .rowOutOfRange(n, r, rows): return "intervention on '\(n)': row \(r) out of range 0..<\(rows)"
        case let .invalidTensor(shape, count): return "tensor shape \(shape) does not hold \(count) values (1-D or 2-D expected)"
        case .uncatalogued(let n): return "internal error: the forward pass fired hook '\(n)', which the hook catalogue does not list"
        }
    }
}

/// The hooks of one forward call: captures, reducers and interventions, each registered by exact
/// name or glob. At a hook point the interventions run first (in registration order), then reducers
/// and captures see the value that flows downstream.
public struct HookSet {
    struct Reducer { let pattern: String; let body: (UnsafeBufferPointer<Float>, HookInfo) -> Void }
    struct Edit { let pattern: String; let rows: [Int]?; let intervention: Intervention }

    var capturePatterns: [String] = []
    var reducers: [Reducer] = []
    var edits: [Edit] = []

    public init() {}

    /// Hooks that capture (copy out) every matching activation into `ForwardResult.activations`.
    public init(capture patterns: [String]) { capturePatterns = patterns }

    public var isEmpty: Bool { capturePatterns.isEmpty && reducers.isEmpty && edits.isEmpty }

    /// Copies every activation matching `pattern` into the result.
    public mutating func capture(_ pattern: String) { capturePatterns.append(pattern) }

    /// Calls `body` with every matching activation (`[rows, columns]` row-major, valid only during the
    /// call) — for statistics that must not store whole tensors.
    public mutating func reduce(_ pattern: String, _ body: @escaping (UnsafeBufferPointer<Float>, HookInfo) -> Void) {
        reducers.append(Reducer(pattern: pattern, body: body))
    }

    /// Replaces every matching activation. `rows` restricts the edit to some positions (all if `nil`);
    /// `.custom` always receives the whole buffer.
    public mutating func intervene(_ pattern: String, rows: [Int]? = nil, _ intervention: Intervention) {
        edits.append(Edit(pattern: pattern, rows: rows, intervention: intervention))
    }

    /// All patterns with their kinds (for validation against a catalogue).
    var allPatterns: [(pattern: String, intervenes: Bool)] {
        capturePatterns.map { ($0, false) } + reducers.map { ($0.pattern, false) } + edits.map { ($0.pattern, true) }
    }
}

/// Thrown inside the forward pass once the deepest requested hook has run and logits are not needed.
package struct EarlyStop: Error {
    package init() {}
}

/// Per-call hook dispatcher: resolves patterns against the catalogue once, then runs the actions at
/// each hook point.
package final class HookRunner {
    private struct Actions {
        var capture = false
        var reducers: [(UnsafeBufferPointer<Float>, HookInfo) -> Void] = []
        var edits: [HookSet.Edit] = []
    }

    let catalogue: [HookPoint]
    let index: [HookName: Int]
    private var actions: [HookName: Actions] = [:]
    /// Catalogue index of the deepest hook with any action (nil when no hooks).
    package let deepestIndex: Int?
    let stopAfterDeepest: Bool
    package var captured: [String: HookTensor] = [:]
    /// Set for a packed forward of several items: hooks fire once per item on its rows (`HookRunner+Batch`).
    var batch: HookBatch?

    package init(hooks: HookSet, catalogue: [HookPoint], stopAfterDeepest: Bool) throws(HookError) {
        self.catalogue = catalogue
        var table: [HookName: Int] = [:]
        for (i, p) in catalogue.enumerated() { table[p.hook] = i }
        index = table
        // Patterns and names as UTF-8 once: a study passes dozens of patterns on every forward call.
        let compile = { (pattern: String) in Array(HookPoint.canonicalPattern(pattern).utf8) }
        let names = catalogue.map { Array($0.name.utf8) }
        for (pattern, intervenes) in hooks.allPatterns {
            let p = compile(pattern)
            let matched = catalogue.indices.filter { HookPoint.globMatches(p, names[$0]) }
            if matched.isEmpty { throw .noMatch(pattern: pattern) }
            if intervenes, let bad = matched.first(where: { catalogue[$0].hook.site == .patchLengths }) {
                throw .notIntervenable(name: catalogue[bad].name)
            }
        }
        let captures = hooks.capturePatterns.map(compile)
        let reducers = hooks.reducers.map { (compile($0.pattern), $0.body) }
        let edits = hooks.edits.map { (compile($0.pattern), $0) }
        var deepest: Int?
        for (i, p) in catalogue.enumerated() {
            var a = Actions()
            a.capture = captures.contains { HookPoint.globMatches($0, names[i]) }
            a.reducers = reducers.filter { HookPoint.globMatches($0.0, names[i]) }.map(\.1)
            a.edits = edits.filter { HookPoint.globMatches($0.0, names[i]) }.map(\.1)
            if a.capture || !a.reducers.isEmpty || !a.edits.isEmpty {
                actions[p.hook] = a
                deepest = i
                if let module = p.hook.attentionModule { activeAttentionModules.insert(module) }
            }
        }
        deepestIndex = deepest
        self.stopAfterDeepest = stopAfterDeepest
    }

    /// A runner for several items packed along the row axis: each hook fires once per item, on that item's
    /// rows, through the item's own runner (`runners[i]`, whose captures, reducers and edits see exactly what
    /// a single-item forward shows them). `byteRows[i]` is item i's byte count incl. BOS; patch counts are
    /// set once patching is done (`setPatchRows`).
    package init(packing runners: [HookRunner], byteRows: [Int], slotsPerPatch: Int) {
        precondition(!runners.isEmpty && runners.count == byteRows.count, "one runner per packed item")
        catalogue = runners[0].catalogue
        index = runners[0].index
        deepestIndex = runners.compactMap(\.deepestIndex).max()
        stopAfterDeepest = runners.allSatisfy(\.stopAfterDeepest)
        activeAttentionModules = runners.reduce(into: []) { $0.formUnion($1.activeAttentionModules) }
        batch = HookBatch(runners: runners, byteRows: byteRows, patchRows: [], slotsPerPatch: slotsPerPatch)
    }

    /// Whether `hook` has a capture, reducer or intervention in this call.
    package func isActive(_ hook: HookName) -> Bool {
        if let batch { return batch.runners.contains { $0.isActive(hook) } }
        return actions[hook] != nil
    }

    /// Whether any hook inside an attention module (q/k/v, scores, pattern, z) is active: when not,
    /// attention runs its fused kernel.
    package var hasAttentionHooks: Bool { !activeAttentionModules.isEmpty }
    /// Attention modules (`global.blocks.3.attn`, `decoder.cross.0`) with an active hook.
    package private(set) var activeAttentionModules: Set<HookModule> = []

    /// Runs interventions, reducers and captures on `buffer` (`rows × columns`), then stops the
    /// forward pass if this was the deepest requested hook and logits are not needed.
    /// - Throws: `HookError.uncatalogued` if `hook` is not in the catalogue (a ByteLens bug).
    package func fire(_ hook: HookName, _ buffer: UnsafeMutableBufferPointer<Float>, rows: Int, columns: Int) throws {
        guard let position = index[hook] else { throw HookError.uncatalogued(name: hook.description) }
        if let batch {
            try fireEach(batch, hook, position: position, buffer, columns: columns)
            return
        }
        if let a = actions[hook] {
            let info = HookInfo(hook: hook, name: catalogue[position].name, rows: rows, columns: columns)
            for edit in a.edits { try apply(edit, to: buffer, info: info) }
            for reducer in a.reducers { reducer(UnsafeBufferPointer(buffer), info) }
            if a.capture {
                let shape = catalogue[position].isScalarPerRow ? [rows] : [rows, columns]
                captured[hook.description] = HookTensor(validShape: shape, values: Array(buffer))
            }
        }
        if stopAfterDeepest, let deepestIndex, position >= deepestIndex { throw EarlyStop() }
    }

    /// Array convenience for `fire`.
    package func fire(_ hook: HookName, _ values: inout [Float], rows: Int, columns: Int) throws {
        guard actions[hook] != nil || batch != nil || stopAfterDeepest || index[hook] == nil else { return }
        try values.withUnsafeMutableBufferPointer { try fire(hook, $0, rows: rows, columns: columns) }
    }

    private func apply(_ edit: HookSet.Edit, to buffer: UnsafeMutableBufferPointer<Float>, info: HookInfo) throws(HookError) {
        let rows = info.rows, cols = info.columns
        let selected = edit.rows ?? Array(0..<rows)
        for r in selected where r < 0 || r >= rows { throw .rowOutOfRange(name: info.name, row: r, rows: rows) }
        switch edit.intervention {
        case .zero:
            for r in selected { for c in 0..<cols { buffer[r * cols + c] = 0 } }
        case .scale(let factor):
            for r in selected { for c in 0..<cols { buffer[r * cols + c] *= factor } }
        case .meanAblate(let vector):
            guard vector.count == cols else { throw .shapeMismatch(name: info.name, expected: [cols], actual: [vector.count]) }
            for r in selected { for c in 0..<cols { buffer[r * cols + c] = vector[c] } }
        case .positionMean:
            var mean = [Double](repeating: 0, count: cols)
            for r in 0..<rows { for c in 0..<cols { mean[c] += Double(buffer[r * cols + c]) } }
            for r in selected { for c in 0..<cols { buffer[r * cols + c] = Float(mean[c] / Double(max(rows, 1))) } }
        case .patch(let tensor):
            guard tensor.values.count == rows * cols, tensor.rows == rows else {
                throw .shapeMismatch(name: info.name, expected: [rows, cols], actual: tensor.shape)
            }
            for r in selected { for c in 0..<cols { buffer[r * cols + c] = tensor.values[r * cols + c] } }
        case .custom(let body):
            body(buffer, info)
        }
    }
}
