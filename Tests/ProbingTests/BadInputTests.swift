import Foundation
import Ladders
import Testing
@testable import Probing

/// Every user error is reported before any forward pass, naming what is wrong and what is valid.
@Suite struct BadInputTests {
    func request(_ dataset: String = "ood", model: String = TestPaths.model, out: String, hooks: [String]? = nil) -> StudyRequest {
        StudyRequest(dataset: dataset, modelDirectory: model, limit: 1,
                     hookPatterns: hooks ?? StudyRequest.defaultHookPatterns, outDirectory: out,
                     assetsDirectory: TestPaths.assets)
    }

    @Test func unknownDatasetListsTheKnownOnes() throws {
        let dir = try TemporaryDirectory()
        #expect {
            try StudyPlan.prepare(request("oood", out: dir.file("out")))
        } throws: { error in
            guard case let LadderError.unknownLadder(name, known) = error else { return false }
            return name == "oood" && known.contains("ood") && known.contains("noise") && "\(error)".contains("custom:PATH")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("out")))
    }

    @Test func unknownLevelListsTheLevels() throws {
        let dir = try TemporaryDirectory()
        var r = request(out: dir.file("out"))
        r.levels = ["0", "Klingon"]
        #expect {
            try StudyPlan.prepare(r)
        } throws: { "\($0)".contains("Klingon") && "\($0)".contains("0=English") }
    }

    @Test func unknownHookGlobListsValidHooks() throws {
        let dir = try TemporaryDirectory()
        #expect {
            try StudyPlan.prepare(request(out: dir.file("out"), hooks: ["global.*.hook_resid_pots"]))
        } throws: { error in
            guard case let ProbingError.unknownHookPattern(option, pattern, valid) = error else { return false }
            return option == "--hooks" && pattern == "global.*.hook_resid_pots"
                && valid.contains("global.blocks.0.hook_resid_post") && valid.contains("decoder.hook_final_norm")
                // The message lists a few and points to `probe hooks` instead of dumping every name.
                && "\(error)".contains("more (all of them: `probe hooks`") && !"\(error)".contains("decoder.hook_final_norm")
        }
        // Cross-attention slot hooks ([P*k, d]) and scalar hooks cannot be measured.
        #expect(throws: ProbingError.self) { try StudyPlan.prepare(request(out: dir.file("out"), hooks: ["patching.hook_entropy"])) }
    }

    @Test func modelDirectoryWithoutConfigIsNamed() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("empty-model"), withIntermediateDirectories: true)
        #expect(throws: ProbingError.modelConfigMissing(directory: dir.file("empty-model"))) {
            try StudyPlan.prepare(request(model: dir.file("empty-model"), out: dir.file("out")))
        }
        #expect("\(ProbingError.modelConfigMissing(directory: "/x/m"))".contains("/x/m has no config.json"))
    }

    @Test func unwritableOutputFailsBeforeCompute() throws {
        let dir = try TemporaryDirectory()
        // A regular file where a directory is needed (root ignores permission bits, so use this).
        try "x".write(toFile: dir.file("blocker"), atomically: true, encoding: .utf8)
        for out in [dir.file("blocker"), dir.file("blocker/sub")] {
            #expect {
                try StudyPlan.prepare(request(out: out))
            } throws: { error in
                guard case let ProbingError.outputNotWritable(path, _) = error else { return false }
                return path == out
            }
            #expect {
                try StudyPlan.prepare(request(out: out), dryRun: true)
            } throws: { ($0 as? ProbingError).map { if case .outputNotWritable = $0 { true } else { false } } ?? false }
        }
    }

    @Test func customDatasetBadLineNamesTheLine() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("bad.jsonl")
        let lines = [#"{"id": "a", "text": "hello", "level": 0}"#, #"{"id": "a", "text": "hallo", "level": 1}"#,
                     #"{"id": "b", "text": "oops", "level": "1"}"#]
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try StudyPlan.prepare(request("custom:\(path)", out: dir.file("out")))
        } throws: { error in
            guard case let LadderError.invalidField(p, line, field, _) = error else { return false }
            return p == path && line == 3 && field == "level" && "\(error)".contains("bad.jsonl:3")
        }
        try (lines[0] + "\n{not json\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try StudyPlan.prepare(request("custom:\(path)", out: dir.file("out")))
        } throws: { "\($0)".contains("bad.jsonl:2") }
    }

    @Test func optionsOutOfRange() throws {
        let dir = try TemporaryDirectory()
        var r = request(out: dir.file("out"))
        r.limit = 0
        #expect(throws: ProbingError.invalidOption(name: "--limit", detail: "must be ≥ 1, got 0")) { try StudyPlan.prepare(r) }
        r = request(out: dir.file("out"))
        r.patching = "fixed:0"
        #expect(throws: ProbingError.self) { try StudyPlan.prepare(r) }
        r.patching = "wavelet"
        #expect { try StudyPlan.prepare(r) } throws: { "\($0)".contains("entropy[:T] | monotonic[:RISE]") }
        r = request(out: dir.file("out"))
        r.resume = true
        #expect(throws: ProbingError.nothingToResume(partialPath: dir.file("out/probe.h5.partial"))) { try StudyPlan.prepare(r) }
    }

    @Test func patchingSpecs() throws {
        let config = try StudyPlan.prepare(request(out: try TemporaryDirectory().file("out"))).config
        #expect(try StudyPlan.parsePatching("fixed:6", config: config).0 == .fixed(6))
        #expect(try StudyPlan.parsePatching("space", config: config).0 == .space)
        #expect(try StudyPlan.parsePatching("monotonic:0.5", config: config).0 == .entropyRise(0.5))
        #expect(try StudyPlan.parsePatching("entropy", config: config).0 == .entropyThreshold(nil))
        #expect(try StudyPlan.parsePatching("entropy:1.5", config: config).0 == .entropyThreshold(1.5))
        // One grammar with `probe trace`: its old spellings and the combined rules work here too.
        #expect(try StudyPlan.parsePatching("threshold:1.5", config: config) == (.entropyThreshold(1.5), "entropy:1.5"))
        #expect(try StudyPlan.parsePatching("rise:0.5", config: config).1 == "monotonic:0.5")
        #expect(try StudyPlan.parsePatching("and:2.0:0.5", config: config).0 == .entropyThresholdAndRise(threshold: 2, rise: 0.5))
        #expect(try StudyPlan.parsePatching("entropy", config: config).1 == "entropy:\(config.patchingThreshold)")
        #expect { try StudyPlan.parsePatching("lengths:1,2", config: config) } throws: { "\($0)".contains("trace") }
    }
}
