import ArgumentParser
import BLTModel
import Foundation
import Ladders
import Metrics

/// Option types and parsing shared by every subcommand, so that the same value means the same thing
/// everywhere (`--model`, `--patching`, hook globs, measures, precisions).
enum ModelOption {
    static let help = ArgumentHelp("Checkpoint directory in Hugging Face layout (default: the shipped model, see $\(ShippedModel.modelVariable)).")

    /// `--model DIR` as given, or the shipped model.
    static func directory(_ path: String?) throws -> URL {
        if let path { return URL(fileURLWithPath: path).standardizedFileURL }
        return try ShippedModel.locate()
    }
}

extension PatchingSpec {
    static let optionHelp = ArgumentHelp("Patching strategy: \(PatchingSpec.grammar).",
                                         discussion: "The older spellings threshold[:T] and rise:R still work (deprecated).")

    /// `--patching` transform: parses, and warns on stderr for a deprecated spelling.
    static func argument(_ text: String) throws -> PatchingSpec {
        do {
            let spec = try PatchingSpec(parsing: text)
            if let current = PatchingSpec.deprecatedSpelling(text) {
                FileHandle.standardError.write(Data("probe: warning: --patching \(text) is deprecated; write \(current)\n".utf8))
            }
            return spec
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

extension MatrixPrecision: ExpressibleByArgument {}
extension ItemMatching: ExpressibleByArgument {}
extension SparsityMeasure: ExpressibleByArgument {}
