import ArgumentParser

// Skeleton placeholder: replaced by the real `probe hooks` command.
struct Hooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "(not built yet)")
    func run() async throws {
        throw ValidationError("probe hooks is not built yet")
    }
}
