import Foundation
import HDF5Store
import Ladders

/// The version string ByteLens records in every file it writes.
public enum ByteLensVersion {
    public static let current = "0.1.0"
}

/// Builds the provenance of a run: model file hashes, the run configuration, the item manifest, the
/// git commit of the checkout that holds `Assets/`, and the command line.
enum RunProvenance {
    static func make(plan: StudyPlan, statisticsSeed: UInt64) throws -> ProbeRunProvenance {
        ProbeRunProvenance(
            toolVersion: ByteLensVersion.current,
            gitCommit: gitCommit(in: plan.assetsDirectory.deletingLastPathComponent()),
            modelPath: plan.modelDirectory.path,
            modelFiles: try modelFiles(plan.modelDirectory),
            configJSON: configJSON(plan: plan, statisticsSeed: statisticsSeed),
            datasetName: plan.request.dataset,
            datasetManifestSHA256: manifestSHA256(plan.items),
            datasetManifestJSON: manifestJSON(plan: plan),
            seed: plan.request.seed,
            commandLine: plan.request.commandLine,
            libraryVersions: ["bytelens": ByteLensVersion.current, "ladders": ItemSeed.version],
            startedUTC: ProbeRunProvenance.utcNow())
    }

    /// The run configuration (see ``RunConfiguration``) as stored. It identifies the experiment: a resume
    /// must reproduce it exactly, so it holds no paths of the output and no times.
    static func configuration(plan: StudyPlan, statisticsSeed: UInt64) -> RunConfiguration {
        let r = plan.request
        var c = RunConfiguration()
        c.dataset = r.dataset
        c.ladders = plan.ladders.map(\.name)
        c.levels = plan.selectedLevels.map { $0.map(\.name) }
        c.limit = r.limit.map { .count($0) } ?? .all
        c.seed = String(r.seed)
        c.hooks = plan.measuredHooks.map(\.name)
        c.hookPatterns = r.hookPatterns
        c.measures = plan.measures.map(\.rawValue)
        c.variants = StudyPlan.variants.map(\.rawValue)
        c.saveActivations = plan.activationHooks.map(\.name)
        c.patching = plan.patchingSpec
        c.referenceItems = plan.referenceItems.count
        c.referenceRule = plan.referenceRule
        c.controlPatchSize = r.controlPatchSize
        c.patchControl = plan.controlPatchingSpec ?? "none"
        c.modelControl = plan.modelControl?.description ?? "none"
        c.nullShuffles = r.nullShuffles
        c.primaryHooks = plan.primaryHooks
        c.bootstrapResamples = r.bootstrapResamples
        c.statisticsSeed = String(statisticsSeed)
        c.primaryEntropyMeasure = ItemMetrics.meanEntropyBits
        c.primarySparsityMeasure = "hoyer"
        c.probePosition = r.probePosition.provenanceDescription
        c.modelName = plan.modelDirectory.lastPathComponent
        // Only for controls and bf16, so the trained fp32 model's configuration (and resumes of its runs) is unchanged.
        if r.modelSource != .blt { c.modelSource = r.modelSource.description }
        if r.compute != .fp32 { c.compute = r.compute.rawValue }
        if r.match != .none { c.match = r.match.rawValue }
        if let p = r.studyProtocol { c.studyProtocol = p.rawValue }
        if !plan.probeVectorHooks.isEmpty { c.saveProbeVectors = plan.probeVectorHooks.map(\.name) }
        return c
    }

    /// ``configuration(plan:statisticsSeed:)`` as its canonical JSON.
    static func configJSON(plan: StudyPlan, statisticsSeed: UInt64) -> String {
        configuration(plan: plan, statisticsSeed: statisticsSeed).json
    }

    static func manifestJSON(plan: StudyPlan) -> String {
        var manifest = DatasetManifest()
        manifest.dataset = plan.request.dataset
        manifest.ladders = zip(plan.ladders, plan.selectedLevels).map { ladder, selected in
            var entry = DatasetManifest.Ladder()
            entry.name = ladder.name
            entry.summary = ladder.summary
            entry.ordinal = ladder.isOrdinal
            entry.levelScale = ladder.levelsAreCategories ? (ladder.isOrdinal ? "ordered_categories" : "categories") : "numeric"
            entry.levels = ladder.levels.map(\.name)
            entry.selectedLevels = selected.map(\.index)
            entry.baseItems = ladder.baseItemIDs.count
            return entry
        }
        manifest.itemCount = plan.items.count
        manifest.itemSeedVersion = ItemSeed.version
        manifest.manifestSHA256Covers = "ladder, level, base item id, seed and bytes of every item"
        return manifest.json
    }

    /// SHA-256 over every item's identity and bytes, in run order.
    static func manifestSHA256(_ items: [LadderItem]) -> String {
        var buffer: [UInt8] = []
        for item in items {
            buffer += Array("\(item.ladder)\u{1F}\(item.level.index)\u{1F}\(item.level.name)\u{1F}\(item.baseItemID)\u{1F}\(item.seed)\u{1F}".utf8)
            buffer += Array(String(item.bytes.count).utf8) + [0x1F] + item.bytes + [0x1E]
        }
        return hex(SHA256.digest(buffer))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// Every JSON and safetensors file of the checkpoint with its SHA-256, sorted by name.
    static func modelFiles(_ directory: URL) throws -> [ProbeRunModelFile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return try names.filter { $0.hasSuffix(".json") || $0.hasSuffix(".safetensors") }.sorted().map { name in
            let path = directory.appendingPathComponent(name).path
            // A FIFO, or a link to /dev/zero, would make hashing wait or read forever.
            try SafeFile.checkRegularInput(path, what: "model file")
            return ProbeRunModelFile(path: name, sha256: sha256(ofFile: path))
        }
    }

    /// SHA-256 of a file: computed in-process for files up to 64 MiB (fixtures, configs, the shipped
    /// model: ~0.2 s for its 29 MB); larger files (real checkpoints) go to `sha256sum`, which is much
    /// faster than this module. Spawning is avoided for small files because a child process inherits every
    /// open file descriptor, including an HDF5 file's lock: another study running concurrently in the same
    /// process (the test suite) could then fail to open its own file for the few milliseconds the child
    /// lives. `probe run` hashes before it opens any HDF5 file, so the CLI is not affected either way.
    static func sha256(ofFile path: String) -> String {
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1
        if size >= 0 && size <= 64 << 20, let data = FileManager.default.contents(atPath: path) {
            return hex(SHA256.digest([UInt8](data)))
        }
        if let output = run(["sha256sum", path]), let first = output.split(separator: " ").first, first.count == 64 {
            return String(first)
        }
        return "unavailable"
    }

    /// The commit checked out in `directory` (a repository or worktree root), read from the `.git`
    /// files directly (no `git` process): `HEAD`, then the branch ref, loose or packed. "unknown" when
    /// the directory is not a git checkout.
    static func gitCommit(in directory: URL) -> String {
        let fm = FileManager.default
        func read(_ url: URL) -> String? {
            (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var gitDirectory = directory.appendingPathComponent(".git")
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: gitDirectory.path, isDirectory: &isDirectory) else { return "unknown" }
        if !isDirectory.boolValue {  // worktree: ".git" is a file "gitdir: <path>"
            guard let line = read(gitDirectory), line.hasPrefix("gitdir: ") else { return "unknown" }
            let target = String(line.dropFirst("gitdir: ".count))
            gitDirectory = target.hasPrefix("/") ? URL(fileURLWithPath: target) : directory.appendingPathComponent(target)
        }
        var common = gitDirectory
        if let relative = read(gitDirectory.appendingPathComponent("commondir")) {
            common = relative.hasPrefix("/") ? URL(fileURLWithPath: relative)
                : gitDirectory.appendingPathComponent(relative).standardizedFileURL
        }
        guard let head = read(gitDirectory.appendingPathComponent("HEAD")) else { return "unknown" }
        guard head.hasPrefix("ref: ") else { return head.count == 40 ? head : "unknown" }
        let ref = String(head.dropFirst("ref: ".count))
        for root in [gitDirectory, common] {
            if let value = read(root.appendingPathComponent(ref)), value.count == 40 { return value }
        }
        for root in [gitDirectory, common] {
            guard let packed = read(root.appendingPathComponent("packed-refs")) else { continue }
            for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                let hash = line.prefix(while: { $0 != " " })
                if hash.count == 40 { return String(hash) }
            }
        }
        return "unknown"
    }

    /// Runs a command found on PATH; its standard output, or nil if it failed.
    static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        ChildProcessSafety.prepareForSpawn()
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
