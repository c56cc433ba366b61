/// The per-layer activation kinds of a transformer block, for `ActivationCache` access by kind and layer
/// (TransformerLens' `cache["resid_post", 3]`). Raw values are the hook-name suffixes.
public enum ActivationKind: String, Sendable, CaseIterable {
    case residPre = "hook_resid_pre"
    case attnOut = "hook_attn_out"
    case residMid = "hook_resid_mid"
    /// SwiGLU output (TransformerLens `mlp.hook_post`).
    case mlpAct = "hook_mlp_act"
    case mlpOut = "hook_mlp_out"
    case residPost = "hook_resid_post"
    case q = "attn.hook_q"
    case k = "attn.hook_k"
    case v = "attn.hook_v"
    case rotQ = "attn.hook_rot_q"
    case rotK = "attn.hook_rot_k"
    /// `[H·rows, keys]`, head-major; masked keys are `-inf`.
    case attnScores = "attn.hook_attn_scores"
    /// `[H·rows, keys]`, head-major.
    case pattern = "attn.hook_pattern"
    case z = "attn.hook_z"

    /// TransformerLens' name for `mlpAct`.
    public static let mlpPost = ActivationKind.mlpAct

    /// The site of this kind (`hook_resid_post`, `hook_q`, …).
    public var site: HookSite {
        HookSite(rawValue: rawValue.hasPrefix("attn.") ? String(rawValue.dropFirst(5)) : rawValue)!
    }

    /// The typed hook of this kind in block `layer` of `component`.
    public func hook(layer: Int, component: HookComponent) -> HookName {
        HookName(valid: component, site.scopeKind == .attention ? .attention(block: layer) : .block(layer), site)
    }

    /// The hook name of this kind in block `layer` of `component`.
    public func name(layer: Int, component: HookComponent) -> String {
        hook(layer: layer, component: component).description
    }
}

/// Activations captured by one forward pass, addressable by name (TransformerLens aliases accepted), by
/// kind and layer, and stacked over layers.
///
/// A value type over `ForwardResult.activations`: it holds only what was captured (capture less with
/// narrower patterns in `BLTModel.runWithCache`), and nothing refers back to the model.
public struct ActivationCache: Sendable {
    /// Captured tensors by canonical hook name.
    public let activations: [String: HookTensor]

    public init(_ activations: [String: HookTensor]) { self.activations = activations }

    /// Names in this cache, sorted.
    public var names: [String] { activations.keys.sorted() }

    /// The activation of a hook by exact name or TransformerLens spelling (`global.blocks.3.mlp.hook_post`).
    public subscript(name: String) -> HookTensor? {
        activations[name] ?? activations[HookPoint.canonicalPattern(name)]
    }

    /// `cache[.residPost, layer: 3, component: .global]`.
    public subscript(kind: ActivationKind, layer layer: Int, component component: HookComponent) -> HookTensor? {
        activations[kind.name(layer: layer, component: component)]
    }

    /// Block indices of `component` with a captured `kind`, ascending.
    public func layers(_ kind: ActivationKind, component: HookComponent) -> [Int] {
        activations.keys.compactMap { name -> Int? in
            guard let hook = HookName(name), hook.component == component, hook.site == kind.site,
                  let layer = hook.layer, hook == kind.hook(layer: layer, component: component) else { return nil }
            return layer
        }.sorted()
    }

    /// `kind` of every layer of `component`, in layer order (layers 0, 1, … must all be captured).
    /// - Throws: `ActivationCacheError.missing` naming the first absent layer, or `.empty`.
    public func stack(_ kind: ActivationKind, component: HookComponent) throws(ActivationCacheError) -> [HookTensor] {
        let present = layers(kind, component: component)
        guard let last = present.last else { throw .empty(kind.name(layer: 0, component: component)) }
        return try (0...last).map { layer throws(ActivationCacheError) in
            let name = kind.name(layer: layer, component: component)
            guard let tensor = activations[name] else { throw .missing(name) }
            return tensor
        }
    }

    /// The residual stream of `component` before every block and after the last
    /// (TransformerLens' `accumulated_resid`): `[resid_pre 0, resid_post 0, …, resid_post L-1]`, i.e.
    /// `L + 1` tensors of `[rows, D]`. Capture `<component>.blocks.*.hook_resid_*` for it.
    public func accumulatedResidual(component: HookComponent) throws(ActivationCacheError) -> [HookTensor] {
        let name = ActivationKind.residPre.name(layer: 0, component: component)
        guard let first = activations[name] else { throw .missing(name) }
        return [first] + (try stack(.residPost, component: component))
    }

    /// One head of a `[H·rows, keys]` score or pattern tensor as `[rows, keys]`.
    /// - Throws: `ActivationCacheError.headOutOfRange` when `tensor` does not split into `heads` blocks
    ///   or `head` is not one of them.
    public static func head(_ head: Int, of tensor: HookTensor, heads: Int) throws(ActivationCacheError) -> HookTensor {
        guard heads > 0, tensor.rows % heads == 0, (0..<heads).contains(head) else {
            throw .headOutOfRange(head: head, heads: heads, rows: tensor.rows)
        }
        let rows = tensor.rows / heads, cols = tensor.columns
        let slice = Array(tensor.values[(head * rows * cols)..<((head + 1) * rows * cols)])
        return HookTensor(validShape: [rows, cols], values: slice)
    }
}

/// Problems reading an `ActivationCache`.
public enum ActivationCacheError: Error, Equatable, CustomStringConvertible {
    /// A hook the operation needs was not captured.
    case missing(String)
    /// No layer of this kind was captured at all.
    case empty(String)
    case headOutOfRange(head: Int, heads: Int, rows: Int)

    public var description: String {
        switch self {
        case .missing(let name): return "activation '\(name)' was not captured (add it to the capture patterns)"
        case .empty(let name): return "no layer of '\(name)' was captured (add it to the capture patterns)"
        case let .headOutOfRange(head, heads, rows): return "head \(head) of \(heads) does not fit a tensor of \(rows) rows"
        }
    }
}
