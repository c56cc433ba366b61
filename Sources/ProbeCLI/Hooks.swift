import ArgumentParser
import BLTModel
import Foundation

/// `probe hooks --model DIR`: lists every hook point of a checkpoint with its shape and the
/// transformers module it corresponds to.
struct Hooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the named hook points of a BLT checkpoint (name, shape, transformers module).",
        discussion: """
        Shapes use N = byte tokens incl. BOS, P = patches, k = cross_attn_k, H = attention heads \
        (scores and patterns are [H*rows, keys], head-major). Every hook option of every command takes \
        exact names or globs where `*` matches any run of characters (dots included) and `?` one \
        character, e.g. 'global.*.hook_resid_post'; TransformerLens spellings work too \
        (mlp.hook_post = hook_mlp_act, ln_final.hook_normalized = decoder.hook_final_norm).

        Examples:
          probe hooks                                    (the shipped model)
          probe hooks --model ~/models/blt-1b --filter 'global.*.hook_resid_post'
          probe hooks --model Tests/BLTModelTests/Fixtures/tiny_default --json   (what make_parity_fixtures.py reads)
        """)

    @Option(name: .long, help: ModelOption.help)
    var model: String?

    @Option(name: .long, help: "Only list hooks matching this glob.")
    var filter: String?

    @Flag(name: .long, help: "Print the catalogue as JSON (name, component, layer, site, shape, columns, transformers module), in forward order.")
    var json = false

    func run() async throws {
        // Hook points depend only on config.json, so the (possibly many GB of) weights are not read.
        let config = try BLTConfig(contentsOf: try ModelOption.directory(model).appendingPathComponent("config.json"))
        let points = HookPoint.catalogue(for: config).filter { filter == nil || HookPoint.matches(pattern: filter!, name: $0.name) }
        if let filter, points.isEmpty {
            throw ValidationError("--filter '\(filter)' matches no hook point of this model ('*' spans dots, e.g. 'global.*.hook_resid_post')")
        }
        if json {
            print(Self.json(points))
            return
        }
        let nameWidth = points.map(\.name.count).max() ?? 4
        let shapeWidth = max(points.map(\.shapeDescription.count).max() ?? 5, 5)
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        print("\(pad("name", nameWidth))  \(pad("shape", shapeWidth))  transformers module")
        for p in points {
            print("\(pad(p.name, nameWidth))  \(pad(p.shapeDescription, shapeWidth))  \(p.transformersModule)")
        }
        print("\(points.count) hook points (N = tokens incl. BOS, P = patches, k = \(config.crossAttnK))")
    }

    /// The catalogue as pretty-printed JSON with sorted keys (stable bytes for a committed fixture).
    static func json(_ points: [HookPoint]) -> String {
        let rows: [[String: Any]] = points.map { p in
            ["name": p.name, "component": p.hook.component.rawValue, "layer": p.layer.map { $0 as Any } ?? NSNull(),
             "site": p.hook.site.rawValue, "shape": p.shapeDescription, "columns": p.columns.map { $0 as Any } ?? NSNull(),
             "transformers_module": p.transformersModule]
        }
        let data = (try? JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
