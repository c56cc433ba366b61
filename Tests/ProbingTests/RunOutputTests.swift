import Testing
@testable import Probing

/// Default output folders: only the canonical study goes to the committed `Reports/<dataset>/`.
@Suite struct RunOutputTests {
    @Test func onlyTheCanonicalStudyWritesReports() {
        #expect(RunOutput.defaultDirectory(for: StudyRequest(dataset: "ood", limit: StudyRequest.defaultLimit)) == "Reports/ood")
        // --threads does not change results, so it keeps the study canonical.
        #expect(RunOutput.isCanonical(StudyRequest(dataset: "noise", limit: StudyRequest.defaultLimit, threads: 4)))
        var quick = StudyRequest(dataset: "ood", limit: 8)
        let folder = RunOutput.defaultDirectory(for: quick)
        #expect(folder.hasPrefix("runs/ood-") && folder.count == "runs/ood-".count + 8)
        #expect(RunOutput.defaultDirectory(for: quick) == folder)          // stable
        quick.seed = 1
        #expect(RunOutput.defaultDirectory(for: quick) != folder)          // one folder per study
        for changed in [StudyRequest(dataset: "ood", modelDirectory: "/m", limit: StudyRequest.defaultLimit),
                        StudyRequest(dataset: "ood", levels: ["0"], limit: StudyRequest.defaultLimit),
                        StudyRequest(dataset: "ood", limit: StudyRequest.defaultLimit, patching: "fixed:4"),
                        StudyRequest(dataset: "ood", limit: StudyRequest.defaultLimit, hookPatterns: ["global.*"]),
                        StudyRequest(dataset: "custom:/x/y.jsonl", limit: StudyRequest.defaultLimit),
                        StudyRequest(dataset: "ood", limit: StudyRequest.defaultLimit, patchControl: false)] {
            #expect(!RunOutput.isCanonical(changed))
            #expect(RunOutput.defaultDirectory(for: changed).hasPrefix("runs/"))
        }
    }
}
