import ArgumentParser
import CommandLineMain
import Foundation
import Lessons
import WorkbookProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `workbook-kernel`: the toolkit side of the workbook. The workbook runs it once per request and
/// reads one JSON object from its stdout (KernelProtocol; days/README.md documents it).
@main
struct WorkbookKernelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: KernelProtocol.executableName,
        abstract: "Runs the workbook's steps and decides its X.509 evidence; answers in JSON (protocol \(KernelProtocol.version)).",
        discussion: """
            The workbook starts this program for every step it runs; a learner never needs to. \
            Each subcommand prints one JSON object on stdout with a "protocol" member, so a \
            workbook and a kernel built from different checkouts notice it.
            """,
        subcommands: [ListSteps.self, RunStep.self, CheckEvidence.self]
    )

    /// The answer's channel: the stdout the workbook reads. Everything else the toolkit might
    /// print on stdout goes to stderr instead, so no stray line can break the JSON.
    nonisolated(unsafe) static var answerChannel = FileHandle.standardOutput

    static func main() async {
        let saved = dup(STDOUT_FILENO)
        if saved >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 {
            answerChannel = FileHandle(fileDescriptor: saved, closeOnDealloc: false)
        }
        await CommandLineMain.main(WorkbookKernelCommand.self, tool: KernelProtocol.executableName) { error in
            CommandLineMain.printError("\(KernelProtocol.executableName): \(CommandLineMain.printable(String(describing: error)))")
            #if canImport(Glibc)
            Glibc.exit(1)
            #else
            Darwin.exit(1)
            #endif
        }
    }

    /// Writes an answer as one line of JSON on the answer channel.
    static func answer(_ value: some Encodable, pretty: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        answerChannel.write(try encoder.encode(value) + Data("\n".utf8))
    }

    /// `--at`: seconds since 1970, so the front end's clock (and a test's) reaches the steps. The
    /// clock starts there and runs on, since steps that wait for a rotation need time to pass.
    static func clock(_ at: Double?) -> @Sendable () -> Date {
        guard let at else { return { Date() } }
        let start = Date(timeIntervalSince1970: at), began = ContinuousClock.now
        return {
            let elapsed = ContinuousClock.now - began
            return start + Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
    }
}

struct ListSteps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steps", abstract: "The step registry (StepListing).")

    @Flag(help: "Indented, sorted JSON: the form committed as Sources/Lessons/Steps/registry.json.")
    var pretty = false

    func run() async throws {
        try WorkbookKernelCommand.answer(StepKernel().listing, pretty: pretty)
    }
}

struct RunStep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Runs one step in a day's workspace directory (StepResult).")

    @Argument(help: "The step's id.")
    var step: String

    @Option(help: ArgumentHelp("The day's workspace directory: the step's files go below it.", valueName: "dir"))
    var dir: String

    @Flag(help: "Run against the Workload API (steps that have no live form run simulated, and say so).")
    var live = false

    @Option(help: ArgumentHelp("The Workload API endpoint for --live (default: SPIFFE_ENDPOINT_SOCKET).", valueName: "address"))
    var endpoint: String?

    @Option(help: ArgumentHelp("Run as if it were this time, in seconds since 1970.", valueName: "seconds"))
    var at: Double?

    func run() async throws {
        let result = await StepKernel().run(
            step, mode: live ? .live : .simulated, directory: URL(fileURLWithPath: dir),
            endpoint: endpoint ?? ProcessInfo.processInfo.environment["SPIFFE_ENDPOINT_SOCKET"],
            now: WorkbookKernelCommand.clock(at))
        try WorkbookKernelCommand.answer(result)
    }
}

struct CheckEvidence: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Decides evidence that needs the toolkit: `svid <path> <spiffe-id>`, `chain <svid> <bundle>`, `ids <path> <minimum>`, `breaks <path> <rule>` (EvidenceResult).")

    @Argument(help: ArgumentHelp("svid, chain, ids or breaks.", valueName: "kind"))
    var kind: String

    @Argument(help: ArgumentHelp("For svid: the PEM file and the SPIFFE ID; for chain: the SVID file and the bundle file; for ids: the ID list and the minimum count; for breaks: the PEM file and the rule.", valueName: "argument"))
    var arguments: [String]

    @Option(help: ArgumentHelp("The day's workspace directory; paths are relative to it.", valueName: "dir"))
    var dir: String

    @Option(help: ArgumentHelp("Decide as if it were this time, in seconds since 1970.", valueName: "seconds"))
    var at: Double?

    func run() async throws {
        let evidence: Evidence
        switch (kind, arguments.count) {
        case ("svid", 2): evidence = .svid(path: arguments[0], id: arguments[1])
        case ("chain", 2): evidence = .chain(svid: arguments[0], bundle: arguments[1])
        case ("ids", 2):
            guard let minimum = Int(arguments[1]), minimum >= 0 else { throw ValidationError("`ids <path> <minimum count>`: the count is a whole number") }
            evidence = .ids(path: arguments[0], minimum: minimum)
        case ("breaks", 2): evidence = .breaks(path: arguments[0], rule: arguments[1])
        default: throw ValidationError("expected `svid <path> <spiffe-id>`, `chain <svid> <bundle>`, `ids <path> <minimum>` or `breaks <path> <rule>`")
        }
        let result = StepKernel().evaluate(evidence, directory: URL(fileURLWithPath: dir), now: WorkbookKernelCommand.clock(at)())
        try WorkbookKernelCommand.answer(result)
    }
}
