import Testing
@testable import ProbeCLI

/// `probe bench` reads every number from the command line as untrusted: capped, named, never a trap.
@Suite struct BenchOptionTests {
    @Test(arguments: [
        ["--sizes", "9223372036854775807"], ["--sizes", "0"], ["--sizes", "256,abc"], ["--sizes", "256,,512"],
        ["--sizes", "-5"], ["--sizes", String(Bench.maxSizeBytes + 1)],
        ["--repeats", "0"], ["--repeats", "1000001"], ["--warmup", "-1"], ["--warmup", "101"],
        ["--threads", "0"], ["--threads", "100000"],
        ["--study-limit", "0"], ["--study-limit", String(Bench.maxStudyLimit + 1)], ["--study-limit", "9223372036854775807"],
    ])
    func hostileCountsAreRefusedWithTheirName(_ arguments: [String]) {
        do {
            _ = try ProbeCommand.parseAsRoot(["bench"] + arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            let message = ProbeCommand.message(for: error)
            #expect(message.contains(arguments[0]), "\(message)")
        }
    }

    @Test func sensibleValuesParse() throws {
        let bench = try #require(try ProbeCommand.parseAsRoot(["bench", "--sizes", "256, 1024", "--repeats", "3", "--warmup", "0", "--threads", "2"]) as? Bench)
        #expect(bench.repeats == 3 && bench.warmup == 0 && bench.threads == 2)
        let study = try #require(try ProbeCommand.parseAsRoot(["bench", "--study", "ood", "--study-limit", "8"]) as? Bench)
        #expect(study.study == "ood" && study.studyLimit == 8)
    }
}
