import Foundation
@testable import Ladders

/// The catalog over the repository's committed `Assets/` (found by walking up from this file).
enum TestCatalog {
    static let assets: DatasetAssets = {
        do { return try DatasetAssets.locate(extraStartPoints: [#filePath]) } catch {
            fatalError("test setup: \(error)")  // test infrastructure only, never user input
        }
    }()

    static func catalog(seed: UInt64 = 0, items: Int = 200) -> LadderCatalog {
        LadderCatalog(assets: assets, options: LadderOptions(baseSeed: seed, generatedBaseItems: items))
    }

    static func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }
    static func string(_ s: [Unicode.Scalar]) -> String { String(String.UnicodeScalarView(s)) }

    /// A fresh temporary directory.
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ladders-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
