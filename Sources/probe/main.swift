import ProbeCLI

// `probe` is a thin executable; all commands live in the ProbeCLI library so that tests can run them.
await ProbeCommand.launch()
