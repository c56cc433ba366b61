import ArgumentParser
import BLTModel
import Foundation
import Kernels
import Metrics
import Probing
#if canImport(Glibc)
import Glibc
#endif

/// The transformers side: `bench_transformers.py` as a child process speaking a line protocol.
final class PythonHelper {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered = Data()
    private(set) var loadSeconds = 0.0
    private(set) var banner = ""

    init(python: String, model: String, threads: Int, dtype: String) throws {
        let script = try Self.scriptPath()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--model", model, "--threads", "\(threads)", "--dtype", dtype]
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "\(threads)"
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw ValidationError("cannot start \(python): \(error)")
        }
        let ready = try readLine()
        let parts = ready.split(separator: " ")
        guard parts.first == "ready", parts.count >= 4 else {
            throw ValidationError("bench_transformers.py did not start: \(ready)")
        }
        loadSeconds = Double(parts[1]) ?? .nan
        banner = "\(parts[2]) parameters, \(parts[3])"
    }

    /// Locates `Notebooks-as-scripts/bench_transformers.py` from the working directory or this source file.
    static func scriptPath(_ name: String = "bench_transformers.py") throws -> String {
        let relative = "Notebooks-as-scripts/" + name
        var candidates = [FileManager.default.currentDirectoryPath + "/" + relative]
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<3 { directory.deleteLastPathComponent() }
        candidates.append(directory.appendingPathComponent(relative).path)
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ValidationError("cannot find \(relative) (run from the repository root)")
        }
        return found
    }

    struct Forward { var seconds: Double; var patches: Int }

    func forward(_ bytes: [UInt8]) throws -> Forward {
        try send("forward " + bytes.map { String(format: "%02x", $0) }.joined())
        let reply = try readLine()
        let parts = reply.split(separator: " ")
        guard parts.first == "ok", parts.count >= 3, let seconds = Double(parts[1]), let patches = Int(parts[2]) else {
            throw ValidationError("transformers helper: \(reply)")
        }
        return Forward(seconds: seconds, patches: patches)
    }

    func peakRSS() throws -> Int {
        try send("rss")
        let parts = try readLine().split(separator: " ")
        guard parts.first == "rss", parts.count == 2, let value = Int(parts[1]) else { return 0 }
        return value
    }

    func close() {
        try? send("quit")
        process.waitUntilExit()
    }

    private func send(_ line: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    private func readLine() throws -> String {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[buffered.startIndex..<newline], as: UTF8.self)
                buffered.removeSubrange(buffered.startIndex...newline)
                return line
            }
            // availableData returns as soon as anything arrives (read(upToCount:) waits for the full count).
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                throw ValidationError("transformers helper exited unexpectedly (status \(process.isRunning ? -1 : process.terminationStatus))")
            }
            buffered.append(chunk)
        }
    }
}
