import BLTModel
import Foundation
import Ladders
import ModelCore

/// `--match bytes|patches` (``Ladders/ItemMatching``): cuts every base item's levels to a common size
/// before any forward pass, so the study compares levels of equal length in bytes, or of an equal number of
/// patches under the run's own patching (computed here with the checkpoint's entropy model, which is causal,
/// so the cut items keep those patches in the study's forwards).
enum StudyMatching {
    static func apply(_ matching: ItemMatching, to items: [LadderItem], ladders: [Ladder], request: StudyRequest,
                      modelDirectory: URL, patching: PatchingStrategy) throws -> [LadderItem] {
        let byName = Dictionary(ladders.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let truncate: (LadderItem, Int) throws -> LadderItem = { item, length in
            guard let ladder = byName[item.ladder] else {
                throw ProbingError.invalidOption(name: "--match", detail: "item of unknown ladder \(item.ladder)")
            }
            return ladder.truncated(item, contentLength: length)
        }
        switch matching {
        case .none:
            return items
        case .bytes:
            return try LevelMatching.match(items, cuts: { LevelMatching.byteCuts($0.bytes[$0.analysisSpan]) }, truncate: truncate)
        case .patches:
            guard request.modelSource == .blt else {
                throw ProbingError.invalidOption(name: "--match", detail: "patches needs the BLT's own patching; \(request.modelSource) has none")
            }
            let model = try BLTModel(directory: modelDirectory)
            return try LevelMatching.match(items, cuts: { item in
                let span = item.analysisSpan
                let upToContentEnd = Array(item.bytes[..<span.upperBound])
                let result = try model.forward(bytes: upToContentEnd, options: ForwardOptions(patching: patching, computeLogits: false))
                return LevelMatching.patchCuts(patchLengths: result.patchLengths, contentStart: span.lowerBound, contentLength: span.count)
            }, truncate: truncate)
        }
    }
}
