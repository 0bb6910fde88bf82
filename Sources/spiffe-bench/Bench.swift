import ArgumentParser

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spiffe-bench",
        abstract: "Benchmarks that print figures (never timed tests).",
        subcommands: [WorkloadBench.self, ValidateBench.self, JWTBench.self, TLSBench.self, ShowBench.self, ServerBench.self]
    )
}
