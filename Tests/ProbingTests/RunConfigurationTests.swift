import Foundation
import HDF5Store
import Testing
@testable import Probing

/// `RunConfiguration`: the typed `config_json`, byte-identical to the JSON earlier builds wrote.
@Suite struct RunConfigurationTests {
    /// JSONSerialization's canonical form of the same JSON (what every earlier ByteLens wrote).
    static func reserialized(_ json: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func theTypedConfigurationEncodesExactlyAsTheDictionaryDidAndRoundTrips() throws {
        let dir = try TemporaryDirectory()
        let dataset = try TinyLadder.write(in: dir)
        var requests: [StudyRequest] = []
        var r = TinyLadder.request(dataset: dataset, out: dir.file("a"))
        requests.append(r)
        r.limit = 2; r.levels = ["0", "2"]; r.hookPatterns = ["global.*"]; r.measures = [.hoyer, .gini]
        requests.append(r)
        r.modelSource = .randomInit(seed: 3); r.compute = .bf16; r.nullShuffles = 0; r.patching = "fixed:3"; r.modelControl = nil
        requests.append(r)
        for request in requests {
            let plan = try StudyPlan.prepare(request, dryRun: true)
            let configuration = RunProvenance.configuration(plan: plan, statisticsSeed: plan.statisticsSeed)
            let json = configuration.json
            #expect(try Self.reserialized(json) == json)
            #expect(RunConfiguration(json: json) == configuration)
            #expect(json.contains("\"limit\":") && !json.contains("\\/"))
            let manifest = RunProvenance.manifestJSON(plan: plan)
            #expect(try Self.reserialized(manifest) == manifest)
            #expect(DatasetManifest(json: manifest).ladders?.first?.levels?.count == 3)
        }
        // --limit all is stored as null and read back as .all.
        var all = RunConfiguration()
        all.limit = .all
        #expect(all.json == "{\"limit\":null}")
        #expect(RunConfiguration(json: all.json).limit == .all)
    }

    @Test func olderAndForeignConfigurationsReadFieldByField() {
        // The committed schema-v1 fixture's configuration: `seed` was a number there.
        let v1 = RunConfiguration(json: "{\"dataset\":\"ood\",\"seed\":7,\"hooks\":[\"a\",\"b\"]}")
        #expect(v1.dataset == "ood" && v1.hooks == ["a", "b"] && v1.seed == nil && v1.limit == nil)
        #expect(RunConfiguration(json: "not json") == RunConfiguration())
        #expect(RunConfiguration(json: "[1, 2]") == RunConfiguration())
        #expect(RunConfiguration(json: "{\"bootstrap_resamples\":\"many\",\"null_shuffles\":20}").nullShuffles == 20)
    }

    /// The canonical studies whose files are in this checkout (regenerated `Reports/*/probe.h5`, not
    /// committed) still have exactly the configuration a plan gives today, so re-running replaces them
    /// as "the same study". Skips the datasets whose file is absent (a fresh clone has none).
    @Test func committedStudiesKeepTheirConfiguration() throws {
        for name in ["ood", "noise", "structure", "tasks"] {
            let path = TestPaths.repository.appendingPathComponent("Reports/\(name)/probe.h5").path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let reader = try ProbeRunReader(path: path)
            defer { reader.close() }
            let dir = try TemporaryDirectory()
            // What `probe --dataset NAME` asks for (the CLI's defaults), written elsewhere.
            let request = StudyRequest(dataset: name, limit: StudyRequest.defaultLimit, outDirectory: dir.path,
                                       assetsDirectory: TestPaths.assets)
            let plan = try StudyPlan.prepare(request, dryRun: true)
            #expect(RunProvenance.configJSON(plan: plan, statisticsSeed: plan.statisticsSeed) == reader.provenance.configJSON, "\(name)")
            #expect(RunProvenance.manifestJSON(plan: plan) == reader.provenance.datasetManifestJSON, "\(name)")
        }
    }
}
