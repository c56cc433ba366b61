/// Ladders on the held-out English passages: `noise`, `noise-blt`, `structure`.
extension LadderCatalog {
    private func englishBase() -> (ids: [String], texts: [[Unicode.Scalar]]) {
        let budget = options.englishByteBudget
        return (assets.passages.map(\.id), assets.passages.map { ScalarText.prefix($0.text, maxBytes: budget) })
    }

    func noiseLadder() -> Ladder {
        let base = englishBase()
        let rates = Self.noiseRates
        return Ladder(name: "noise", summary: "typo rate p (substitute/delete/insert/swap) on held-out English",
                      levelNames: rates.map { "p=\(Self.rateName($0))" }, baseItemIDs: base.ids,
                      options: options, trigram: assets.trigram) { level, b, rng in
            LadderContent(content: ScalarText.utf8(TypoNoise.perturb(base.texts[b], rate: rates[level.index], rng: &rng)))
        }
    }

    func bltNoiseLadder() -> Ladder {
        let base = englishBase()
        let names = ["clean"] + BLTNoise.allCases.map(\.rawValue)
        return Ladder(name: "noise-blt", summary: "BLT paper noising strategies (categorical) on held-out English",
                      levelNames: names, isOrdinal: false, baseItemIDs: base.ids,
                      options: options, trigram: assets.trigram) { level, b, rng in
            let text = base.texts[b]
            guard level.index > 0 else { return LadderContent(content: ScalarText.utf8(text)) }
            let op = BLTNoise.allCases[level.index - 1]
            return LadderContent(content: ScalarText.utf8(op.apply(text, rng: &rng)), variant: op.rawValue)
        }
    }

    func structureLadder() -> Ladder {
        let base = englishBase()
        return Ladder(name: "structure", summary: "structure destroyed step by step, character inventory kept",
                      levelNames: StructureTransform.allCases.map(\.levelName), baseItemIDs: base.ids,
                      options: options, trigram: assets.trigram) { level, b, rng in
            let t = StructureTransform.allCases[level.index]
            return LadderContent(content: ScalarText.utf8(t.apply(base.texts[b], rng: &rng)))
        }
    }

    /// "0", "0.02", ..., "0.5" (Swift's shortest round-trip decimal, locale-free).
    static func rateName(_ p: Double) -> String {
        p == 0 ? "0" : "\(p)"
    }
}
