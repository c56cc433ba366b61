import ArgumentParser
import Foundation
import Probing

/// The root `probe` command. `probe run` is the default subcommand, so
/// `swift run probe --dataset ood` runs the whole study.
public struct ProbeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Probe Byte Latent Transformers: entropy patching, hidden-state sparsity and difficulty.",
        version: "probe \(ByteLensVersion.current)",
        subcommands: [
            Run.self, Trace.self, Hooks.self, Datasets.self,
            Inspect.self, Heatmap.self, Report.self, Bench.self,
            Merge.self, Slurm.self, Compare.self, Intervene.self, Preflight.self,
        ],
        defaultSubcommand: Run.self
    )

    public init() {}

    /// Async entry point used by `Sources/probe/main.swift`. `await ProbeCommand.main()` resolves to the
    /// synchronous `ParsableCommand.main()` on Linux, which refuses async roots ("needs availability
    /// annotation") and would never run an async subcommand.
    ///
    /// Usage errors (unknown options, bad values, failed `validate()`) come from parsing and print the
    /// failing subcommand's usage; errors raised while a command runs print their message only.
    public static func launch() async {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // `probe --help` and `probe help X` run ArgumentParser's help command, which "fails" with a help
            // request (exit code 0): let ArgumentParser print it, to stdout, without an "Error:" prefix.
            if error is ExitCode || error is CleanExit || exitCode(for: error) == .success { exit(withError: error) }
            let text = message(for: error)
            if !text.isEmpty { FileHandle.standardError.write(Data("Error: \(text)\n".utf8)) }
            Foundation.exit(exitCode(for: error).rawValue)
        }
    }
}
