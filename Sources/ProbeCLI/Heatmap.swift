import ArgumentParser

// Skeleton placeholder: replaced by the real `probe heatmap` command.
struct Heatmap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not built yet)")
    func run() async throws {
        throw ValidationError("probe heatmap is not built yet")
    }
}
