/// One model file and its SHA-256 (lowercase hex).
public struct ProbeRunModelFile: Sendable, Equatable, Codable {
    public var path: String
    public var sha256: String

    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }
}

/// Where a probe run's numbers come from. Stored as root attributes (short values) and
/// `/provenance/*_json` string datasets (long ones).
public struct ProbeRunProvenance: Sendable, Equatable, Codable {
    public var toolVersion: String
    public var gitCommit: String
    public var modelPath: String
    public var modelFiles: [ProbeRunModelFile]
    /// The full run configuration as JSON.
    public var configJSON: String
    public var datasetName: String
    public var datasetManifestSHA256: String
    /// The dataset manifest as JSON ("" when not available).
    public var datasetManifestJSON: String
    public var seed: UInt64
    /// argv of the run, program name first.
    public var commandLine: [String]
    /// Library name → version (e.g. "swift" → "6.3.1"); the writer adds "hdf5" itself.
    public var libraryVersions: [String: String]
    /// ISO 8601 UTC time the run started.
    public var startedUTC: String
    /// ISO 8601 UTC time `finish()` ran; nil for a partial file.
    public var finishedUTC: String?
    /// ISO 8601 UTC times of each resume (empty for an uninterrupted run).
    public var resumedUTC: [String]

    public init(toolVersion: String, gitCommit: String, modelPath: String, modelFiles: [ProbeRunModelFile],
                configJSON: String, datasetName: String, datasetManifestSHA256: String, datasetManifestJSON: String = "",
                seed: UInt64, commandLine: [String], libraryVersions: [String: String], startedUTC: String,
                finishedUTC: String? = nil, resumedUTC: [String] = []) {
        self.toolVersion = toolVersion
        self.gitCommit = gitCommit
        self.modelPath = modelPath
        self.modelFiles = modelFiles
        self.configJSON = configJSON
        self.datasetName = datasetName
        self.datasetManifestSHA256 = datasetManifestSHA256
        self.datasetManifestJSON = datasetManifestJSON
        self.seed = seed
        self.commandLine = commandLine
        self.libraryVersions = libraryVersions
        self.startedUTC = startedUTC
        self.finishedUTC = finishedUTC
        self.resumedUTC = resumedUTC
    }

    /// The fields that must match for a resume to continue the same experiment.
    func experimentIdentity() -> [String] {
        [configJSON, datasetName, datasetManifestSHA256, String(seed), modelPath]
            + modelFiles.flatMap { [$0.path, $0.sha256] }
    }
}
