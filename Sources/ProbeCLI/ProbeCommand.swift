import ArgumentParser

/// The root `probe` command. `probe run` is the default subcommand, so
/// `swift run probe --dataset ood` runs the whole study.
public struct ProbeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Probe Byte Latent Transformers: entropy patching, hidden-state sparsity and difficulty.",
        subcommands: [
            Run.self, Trace.self, Hooks.self, Datasets.self,
            Inspect.self, Heatmap.self, Report.self, Bench.self,
        ],
        defaultSubcommand: Run.self
    )

    public init() {}

    /// Async entry point used by `Sources/probe/main.swift`. `await ProbeCommand.main()` resolves to the
    /// synchronous `ParsableCommand.main()` on Linux, which refuses async roots ("needs availability
    /// annotation") and would never run an async subcommand.
    public static func launch() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
