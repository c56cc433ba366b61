import Foundation
import HDF5Store

/// Provenance for files other than a probe run (e.g. `probe trace` files): the same tool version, git
/// commit and model-file hashes a probe run records, so a single-input trace says what made it.
public enum FileProvenance {
    /// Every JSON and safetensors file of the checkpoint in `directory` with its SHA-256, sorted by name.
    /// - Throws: `SafeFile` errors when a model file is not a regular file.
    public static func modelFiles(in directory: URL) throws -> [ProbeRunModelFile] {
        try RunProvenance.modelFiles(directory)
    }

    /// The commit of the git checkout at `directory`, or "unknown".
    public static func gitCommit(in directory: URL) -> String { RunProvenance.gitCommit(in: directory) }
}
