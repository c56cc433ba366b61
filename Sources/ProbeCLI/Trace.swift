import ArgumentParser

// Skeleton placeholder: replaced by the real `probe trace` command.
struct Trace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not built yet)")
    func run() async throws {
        throw ValidationError("probe trace is not built yet")
    }
}
