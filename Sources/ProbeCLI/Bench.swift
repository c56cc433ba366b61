import ArgumentParser

// Skeleton placeholder: replaced by the real `probe bench` command.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not built yet)")
    func run() async throws {
        throw ValidationError("probe bench is not built yet")
    }
}
