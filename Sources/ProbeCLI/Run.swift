import ArgumentParser

// Skeleton placeholder: replaced by the real `probe run` command.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not built yet)")
    func run() async throws {
        throw ValidationError("probe run is not built yet")
    }
}
