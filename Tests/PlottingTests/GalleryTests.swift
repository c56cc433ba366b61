import Foundation
import Testing
@testable import Plotting

/// Renders every figure from realistic-sized synthetic data. The PNGs are written only when
/// `BYTELENS_GALLERY_DIR` is set (used to refresh `Reports/figures-gallery/`); otherwise the test still
/// renders each figure and checks it is non-trivial, so layout code runs under CI.
@Suite struct GalleryTests {
    static let outDir = ProcessInfo.processInfo.environment["BYTELENS_GALLERY_DIR"]

    func emit(_ figure: some Figure, _ name: String) throws -> Canvas {
        let canvas = try figure.render()
        #expect(canvas.width > 200 && canvas.height > 100)
        #expect(Set(stride(from: 0, to: canvas.pixels.count, by: 4).map { canvas.pixels[$0] }).count > 8)
        if let dir = Self.outDir {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try canvas.writePNG(to: dir + "/" + name + ".png")
        }
        return canvas
    }

    @Test func byteStrip() throws {
        var rng = SplitMix64(seed: 1)
        let bytes = Array(Synthetic.text.utf8)
        let entropy = Synthetic.entropy(bytes, rng: &rng)
        let starts = Synthetic.patches(entropy: entropy)
        let hooks: [ByteStripFigure.HookRow] = [
            .init(name: "encoder.0.resid_post", values: entropy.map { 0.25 + 0.04 * $0 + 0.05 * rng.uniform() }, unit: .bytes),
            .init(name: "global.12.resid_post", values: starts.indices.map { _ in 0.3 + 0.3 * rng.uniform() }, unit: .patches),
            .init(name: "global.24.resid_post", values: starts.indices.map { _ in 0.4 + 0.3 * rng.uniform() }, unit: .patches),
            .init(name: "decoder.8.resid_post", values: entropy.map { 0.5 - 0.03 * $0 + 0.05 * rng.uniform() }, unit: .bytes),
        ]
        let figure = ByteStripFigure(
            title: "Entropy and Hoyer sparsity along one item",
            subtitle: "ood/typos-3 · item 17 · \(bytes.count) bytes, \(starts.count) patches",
            bytes: bytes, entropy: entropy, patchStarts: starts, hookRows: hooks,
            sparsityLabel: "Hoyer sparsity")
        _ = try emit(figure, "byte-strip")
    }
}
