import ArgumentParser

// Skeleton placeholder: replaced by the real `probe report` command.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not built yet)")
    func run() async throws {
        throw ValidationError("probe report is not built yet")
    }
}
