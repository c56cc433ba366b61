import Foundation
import HDF5Store
@testable import Probing

/// Paths into the repository (tests run from the source tree) and a tiny custom ladder.
enum TestPaths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The committed parity fixture model (random weights, transformers 5.24.0 layout).
    static let model = repository.appendingPathComponent("Tests/BLTModelTests/Fixtures/tiny_default").path
    static let assets = repository.appendingPathComponent("Assets").path
    /// The shipped default model (trained; its entropy model makes real patches).
    static let shippedModel = repository.appendingPathComponent("Assets/models/bytelens-tiny").path
}

/// A fresh directory, removed on deinit.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init(_ label: String = #function) throws {
        let clean = label.filter { $0.isLetter || $0.isNumber }
        path = NSTemporaryDirectory() + "bytelens-probing-\(clean)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum TinyLadder {
    /// 4 base items × 3 levels of short English → shuffled → noise, as a custom JSONL dataset.
    static let lines: [String] = {
        let texts = [
            "The cat sat on the mat and looked at the door.",
            "Rain fell all night over the quiet harbour town.",
            "She wrote the letter twice before sending it.",
            "A small boat drifted slowly past the old pier.",
        ]
        var out: [String] = []
        for (i, t) in texts.enumerated() {
            let words = t.split(separator: " ").map(String.init)
            let shuffled = (words.enumerated().sorted { ($0.offset * 7 + 3) % words.count < ($1.offset * 7 + 3) % words.count }).map(\.element)
            let noisy = String(t.unicodeScalars.enumerated().map { k, s in k % 3 == 1 ? Character(Unicode.Scalar(UInt8(33 + (k * 13) % 90))) : Character(s) })
            for (level, text) in [t, shuffled.joined(separator: " "), noisy].enumerated() {
                let json = try! JSONSerialization.data(withJSONObject: ["id": "item\(i)", "level": level, "text": text,
                                                                        "level_name": ["clean", "shuffled", "noisy"][level]],
                                                       options: [.sortedKeys])
                out.append(String(decoding: json, as: UTF8.self))
            }
        }
        return out
    }()

    static func write(in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("tiny.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A request for the tiny ladder on the fixture model, kept fast (200 bootstrap resamples): the tiny study with every arm (run, fixed:4, random-init:0) and a 20-shuffle permutation null.
    static func request(dataset: String, out: String, resume: Bool = false, threads: Int = 1) -> StudyRequest {
        var r = StudyRequest(dataset: "custom:\(dataset)", modelDirectory: TestPaths.model, seed: 7, threads: threads,
                             outDirectory: out, resume: resume, bootstrapResamples: 200, assetsDirectory: TestPaths.assets,
                             commandLine: ["probe", "run", "--dataset", "custom:tiny.jsonl"])
        r.nullShuffles = 20
        return r
    }
}

/// Counts items seen by a progress callback and says when to stop (thread-safe).
final class StopAfter: @unchecked Sendable {
    private let lock = NSLock()
    private var items = 0
    let limit: Int
    init(_ limit: Int) { self.limit = limit }
    func record(_ p: StudyProgress) { lock.lock(); if p.phase == .items { items = p.done }; lock.unlock() }
    var shouldStop: Bool { lock.lock(); defer { lock.unlock() }; return items >= limit }
}

/// Every item of a file, for equality checks.
func allItems(_ path: String) throws -> [ProbeRunItem] {
    let reader = try ProbeRunReader(path: path)
    defer { reader.close() }
    return try (0..<reader.completedItemCount).map { try reader.item(at: $0) }
}

/// A runner that ignores the process-wide interrupt flag: other suites toggle `InterruptSignal` while
/// these tests run in parallel, and only the resume test interrupts on purpose (with its own closure).
func isolatedRunner(_ plan: StudyPlan) -> StudyRunner {
    StudyRunner(plan: plan, shouldStop: { false })
}
