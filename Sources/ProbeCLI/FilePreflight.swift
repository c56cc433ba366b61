import ArgumentParser
import Foundation
import CKernels
import HDF5Store
#if canImport(Glibc)
import Glibc
#endif

/// Opens an HDF5 file given on the command line in a child process first, so that damage libhdf5 1.10.8
/// crashes or hangs on becomes a named error instead of a SIGSEGV or an endless loop of `probe` itself.
///
/// The child (`probe preflight FILE`, hidden) reads every attribute, dataset and dimension label
/// (``HDF5Store/HDF5File/readEveryObject(limits:)``): the layout of unchunked data is what libhdf5 cannot
/// check (no file format checksums it). Variable-length data in the global heap is checked by the reader
/// itself before libhdf5 converts it (a damaged descriptor corrupts memory silently, so a child that
/// survives it would prove nothing about the parent). It reads about as much as `probe report` does
/// (1.9 s for the 111 MB `ood` file here).
///
/// - A child killed by a signal: ``FilePreflightError/crashed(path:signal:)``.
/// - A child still running after the time limit (60 s + 1 s per 20 MB of file, or
///   `BYTELENS_PREFLIGHT_SECONDS`, 1…86,400): killed, ``FilePreflightError/hung(path:seconds:)``.
/// - A child that exits with an error: the parent goes on and meets the same error itself, with its own
///   message (the child only guards against what cannot be caught).
///
/// Only the `probe` executable preflights (the child is `/proc/self/exe`); code that links ByteLens as a
/// library reads in-process, and should check untrusted files with `probe inspect` first.
enum FilePreflight {
    static let environmentSeconds = "BYTELENS_PREFLIGHT_SECONDS"
    static let maxSeconds = 86_400

    /// The `probe` executable, when this process is one.
    static var probeExecutable: String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
              URL(fileURLWithPath: path).lastPathComponent == "probe" else { return nil }
        return path
    }

    /// Seconds the child may take for a file of `bytes` bytes.
    static func timeLimit(bytes: Int, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        if let text = environment[environmentSeconds] {
            guard let seconds = Int(text), (1...maxSeconds).contains(seconds) else {
                throw ValidationError("\(environmentSeconds) must be a whole number of seconds in 1...\(maxSeconds), got '\(text)'")
            }
            return seconds
        }
        return min(maxSeconds, 60 + max(0, bytes) / 20_000_000)
    }

    /// Checks `paths` one by one (see the type's documentation); a no-op outside the `probe` executable.
    static func check(_ paths: [String]) throws {
        guard let executable = probeExecutable else { return }
        for path in paths {
            try SafeFile.checkRegularInput(path, what: "HDF5 file")
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            try run(executable: executable, path: path, seconds: try timeLimit(bytes: bytes))
        }
    }

    static func run(executable: String, path: String, seconds: Int) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["preflight", "--seconds", String(seconds), "--", path]   // "--": a path may start with "-"
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"   // a crash is expected and reported here, not dumped
        child.environment = environment
        child.standardInput = FileHandle.nullDevice
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        ChildProcessSafety.prepareForSpawn()
        try child.run()
        let deadline = Date().addingTimeInterval(Double(seconds))
        while child.isRunning && Date() < deadline { usleep(5_000) }
        if child.isRunning {
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            throw FilePreflightError.hung(path: path, seconds: seconds)
        }
        if child.terminationReason == .uncaughtSignal {
            throw FilePreflightError.crashed(path: path, signal: child.terminationStatus)
        }
    }
}

/// A file that libhdf5 cannot read without crashing or hanging (see ``FilePreflight``).
enum FilePreflightError: Error, CustomStringConvertible {
    case crashed(path: String, signal: Int32)
    case hung(path: String, seconds: Int)

    var description: String {
        switch self {
        case let .crashed(path, signal):
            return "\(path) is damaged: libhdf5 crashed (signal \(signal)\(signal == SIGSEGV ? ", SIGSEGV" : "")) reading it in a "
                + "separate check process; nothing was read or written"
        case let .hung(path, seconds):
            return "\(path) is damaged: libhdf5 did not finish reading it within \(seconds) s "
                + "(a damaged global heap makes libhdf5 1.10.8 loop) and the check process was stopped; nothing was "
                + "read or written (for a very large file, raise \(FilePreflight.environmentSeconds))"
        }
    }
}

/// `probe preflight FILE` (hidden): the child of ``FilePreflight``. Exit 0 when everything could be read.
///
/// A child stuck in libhdf5 must not outlive its purpose: it asks the kernel for SIGKILL when its parent dies
/// (`PR_SET_PDEATHSIG`, so a parent killed by a scheduler does not leave it looping) and sets an alarm a few
/// seconds past the parent's own time limit.
struct Preflight: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read every attribute, dataset and dimension label of an HDF5 file (used by the other commands).",
        shouldDisplay: false)

    @Argument(help: "The HDF5 file.")
    var file: String

    @Option(help: "Time limit in seconds (the process ends itself by SIGALRM a little after it).")
    var seconds: Int = 60

    func validate() throws {
        guard (1...FilePreflight.maxSeconds).contains(seconds) else {
            throw ValidationError("--seconds must be in 1...\(FilePreflight.maxSeconds), got \(seconds)")
        }
    }

    func run() async throws {
        if bl_kill_when_parent_dies() != 0 { Glibc.exit(1) }
        alarm(UInt32(seconds + 5))
        try SafeFile.checkRegularInput(file, what: "HDF5 file")
        let handle = try HDF5File.open(file)
        defer { handle.close() }
        try handle.readEveryObject()
    }
}
