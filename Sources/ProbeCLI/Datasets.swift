import ArgumentParser

// Skeleton placeholder: replaced by the real `probe datasets` command.
struct Datasets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not built yet)")
    func run() async throws {
        throw ValidationError("probe datasets is not built yet")
    }
}
