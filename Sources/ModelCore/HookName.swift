/// The typed name of a hook point: which component, where inside it, and which site.
///
/// Every hook name is printed by `description` and parsed by `init?(_:)`, and nothing else in ByteLens
/// builds or takes apart hook-name strings: the catalogue (`HookPoint.catalogue(for:)`) and the forward
/// pass use these values, so the two cannot drift, and reports rebuilt from an HDF5 file read the
/// component and layer of a stored hook through the same parser.
///
/// Spellings (TransformerLens style with a component prefix, because a BLT has four stacks):
/// - `.component`: `<component>.<site>`, e.g. `patcher.hook_embed`, `decoder.hook_final_norm`; the
///   `output` component has no prefix: `hook_logits`;
/// - `.block(l)`: `<component>.blocks.<l>.<site>`, e.g. `global.blocks.3.hook_resid_post`;
/// - `.attention(block: l)`: `<component>.blocks.<l>.attn.<site>`, e.g. `encoder.blocks.0.attn.hook_pattern`;
/// - `.cross(j)`: `<component>.cross.<j>.<site>`, e.g. `decoder.cross.0.hook_out`.
public struct HookName: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    public var component: HookComponent
    public var scope: HookScope
    public var site: HookSite

    /// A name; `nil` when `site` cannot occur in `scope` (e.g. `hook_resid_post` outside a block).
    public init?(_ component: HookComponent, _ scope: HookScope, _ site: HookSite) {
        guard site.occurs(in: scope.kind) else { return nil }
        if case .output = component, scope != .component { return nil }
        self.component = component
        self.scope = scope
        self.site = site
    }

    /// For combinations the catalogue and the forward pass spell out (checked in debug builds).
    package init(valid component: HookComponent, _ scope: HookScope, _ site: HookSite) {
        assert(site.occurs(in: scope.kind), "\(site) cannot occur in \(scope)")
        self.component = component
        self.scope = scope
        self.site = site
    }

    /// `<component>.blocks.<layer>.<site>` for a block site, `.attn.<site>` for an attention site.
    public static func block(_ component: HookComponent, _ layer: Int, _ site: HookSite) -> HookName? {
        HookName(component, site.scopeKind == .attention ? .attention(block: layer) : .block(layer), site)
    }

    /// Block, attention-block or cross-attention index; `nil` for component-level hooks.
    public var layer: Int? {
        switch scope {
        case .component: return nil
        case .block(let l), .attention(let l), .cross(let l): return l
        }
    }

    /// The attention module this hook belongs to (`global.blocks.3.attn`, `decoder.cross.0`), for hooks
    /// inside an attention computation (q/k/v, scores, pattern, z); else `nil`.
    public var attentionModule: HookModule? {
        switch scope {
        case .attention: return HookModule(component: component, scope: scope)
        case .cross where site.isAttentionInternal: return HookModule(component: component, scope: scope)
        default: return nil
        }
    }

    public var description: String {
        let prefix = component == .output ? "" : component.rawValue + "."
        switch scope {
        case .component: return prefix + site.rawValue
        case .block(let l): return "\(prefix)blocks.\(l).\(site.rawValue)"
        case .attention(let l): return "\(prefix)blocks.\(l).attn.\(site.rawValue)"
        case .cross(let j): return "\(prefix)cross.\(j).\(site.rawValue)"
        }
    }

    /// Parses a canonical hook name (exactly what `description` prints; no globs, no aliases).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let last = parts.last, let site = HookSite(rawValue: last) else { return nil }
        let component: HookComponent
        var rest = parts.dropLast()
        if rest.isEmpty {
            component = .output
        } else {
            guard let c = HookComponent(rawValue: rest.removeFirst()), c != .output else { return nil }
            component = c
        }
        let scope: HookScope
        func index(_ s: String) -> Int? {
            // Canonical decimal only: no sign, no leading zeros (so parse ∘ print is the identity).
            guard let v = Int(s), v >= 0, String(v) == s else { return nil }
            return v
        }
        switch Array(rest) {
        case []: scope = .component
        case let r where r.count == 2 && r[0] == "blocks":
            guard let l = index(r[1]) else { return nil }
            scope = .block(l)
        case let r where r.count == 3 && r[0] == "blocks" && r[2] == "attn":
            guard let l = index(r[1]) else { return nil }
            scope = .attention(block: l)
        case let r where r.count == 2 && r[0] == "cross":
            guard let j = index(r[1]) else { return nil }
            scope = .cross(j)
        default: return nil
        }
        self.init(component, scope, site)
    }
}

/// Where inside a component a hook sits.
public enum HookScope: Hashable, Sendable {
    /// Once per component (embeddings, final norm, logits, entropy, patch lengths).
    case component
    /// In transformer block `l`, outside its attention (`blocks.<l>.hook_resid_post`).
    case block(Int)
    /// Inside the self-attention of block `l` (`blocks.<l>.attn.hook_q`).
    case attention(block: Int)
    /// In cross-attention `j` between bytes and patches (`cross.<j>.hook_out`).
    case cross(Int)

    public enum Kind: Sendable { case component, block, attention, cross }

    public var kind: Kind {
        switch self {
        case .component: return .component
        case .block: return .block
        case .attention: return .attention
        case .cross: return .cross
        }
    }
}

/// An attention module: the attention of a block or a cross-attention (`global.blocks.3.attn`,
/// `encoder.cross.0`). Its hooks fire only when one of them is requested.
public struct HookModule: Hashable, Sendable {
    public let component: HookComponent
    public let scope: HookScope

    public init(component: HookComponent, scope: HookScope) {
        self.component = component
        self.scope = scope
    }

    /// The hook of `site` inside this module.
    package func hook(_ site: HookSite) -> HookName { HookName(valid: component, scope, site) }
}

/// The last part of a hook name: what the hook holds.
public enum HookSite: String, Sendable, CaseIterable {
    // Component level.
    case embed = "hook_embed"
    case logits = "hook_logits"
    case entropy = "hook_entropy"
    case patchLengths = "hook_patch_lengths"
    case patchEmbed = "hook_patch_embed"
    case patchKV = "hook_patch_kv"
    case finalNorm = "hook_final_norm"
    // A transformer block, in forward order.
    case residPre = "hook_resid_pre"
    case attnOut = "hook_attn_out"
    case residMid = "hook_resid_mid"
    /// SwiGLU output (TransformerLens `mlp.hook_post`).
    case mlpAct = "hook_mlp_act"
    case mlpOut = "hook_mlp_out"
    case residPost = "hook_resid_post"
    // Inside an attention (self- or cross-), in forward order.
    case q = "hook_q"
    case k = "hook_k"
    case v = "hook_v"
    case rotQ = "hook_rot_q"
    case rotK = "hook_rot_k"
    /// `[H·rows, keys]`, head-major; masked keys are `-inf`.
    case attnScores = "hook_attn_scores"
    /// `[H·rows, keys]`, head-major.
    case pattern = "hook_pattern"
    case z = "hook_z"
    // Cross-attention only.
    case pooled = "hook_pooled"
    case queries = "hook_queries"
    case out = "hook_out"

    /// The sites of a transformer block outside its attention, in forward order.
    public static let blockSites: [HookSite] = [.residPre, .attnOut, .residMid, .mlpAct, .mlpOut, .residPost]
    /// The sites inside a block's self-attention, in forward order.
    public static let attentionSites: [HookSite] = [.q, .k, .v, .rotQ, .rotK, .attnScores, .pattern, .z]
    /// The sites of a cross-attention, in forward order.
    public static let crossSites: [HookSite] = [.pooled, .queries, .q, .k, .v, .attnScores, .pattern, .z, .out]

    /// Whether the site is computed inside attention (only when requested; see `HookName.attentionModule`).
    var isAttentionInternal: Bool { Self.attentionSites.contains(self) }

    /// Whether the site can occur in a scope of `kind`: q/k/v, scores, pattern and z occur in self- and
    /// cross-attention (RoPE only in self-attention).
    func occurs(in kind: HookScope.Kind) -> Bool {
        kind == scopeKind || (kind == .cross && isAttentionInternal && self != .rotQ && self != .rotK)
    }

    /// The scope a site occurs in (`.attention` for the attention-internal sites, see `occurs(in:)`).
    var scopeKind: HookScope.Kind {
        switch self {
        case .embed, .logits, .entropy, .patchLengths, .patchEmbed, .patchKV, .finalNorm: return .component
        case .residPre, .attnOut, .residMid, .mlpAct, .mlpOut, .residPost: return .block
        case .q, .k, .v, .rotQ, .rotK, .attnScores, .pattern, .z: return .attention
        case .pooled, .queries, .out: return .cross
        }
    }
}

extension HookComponent {
    /// Position in data flow (patcher first, output last).
    public var order: Int { Self.allCases.firstIndex(of: self)! }
}
