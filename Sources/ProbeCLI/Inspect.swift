import ArgumentParser

// Skeleton placeholder: replaced by the real `probe inspect` command.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not built yet)")
    func run() async throws {
        throw ValidationError("probe inspect is not built yet")
    }
}
