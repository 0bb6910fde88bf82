import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeFormats
import SpiffeIdentity

struct IDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "SPIFFE IDs: check a list of workload IDs against the SPIFFE-ID rules.",
        subcommands: [IDCheckCommand.self]
    )
}

struct IDCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Judge one workload SPIFFE ID per line: valid or not (with the rule), and design warnings.",
        discussion: """
            Each line is judged as the ID of a workload, so a trust domain's own ID \
            (spiffe://example.org, no path) is rejected: a leaf SVID's ID has a path \
            (X509-SVID §3.1). A rejected line names the SPIFFE-ID rule it breaks. Valid IDs may \
            get warnings, which are advice and never a rejection: a secret or key material, \
            personal data, an IP address, host name or instance ID, a version number, or a depth \
            that differs from the other IDs of the file. Blank lines are judged too (an empty ID \
            is rejected), so line numbers match the file. Read from FILE, or from stdin with -.

            Exit status: 0 when every line is valid, 1 when a line is rejected (warnings do not \
            count), 64 for a usage error. --json prints an array with one object per line: \
            line, id, valid, reason (when invalid) and warnings.
            """
    )

    @Argument(help: ArgumentHelp("The file of IDs, one per line (- for stdin).", valueName: "file"))
    var file: String

    @Flag(help: "Print one JSON object per input line, in an array.")
    var json = false

    func run() throws {
        var rejected = false
        try CLISupport.run("id check") {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                data = try InputFile.read(path: file)
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw CLIError("\(file) is not UTF-8 text; write one SPIFFE ID per line")
            }
            let verdicts = WorkloadIDCheck().judge(text)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                FileHandle.standardOutput.write(try encoder.encode(verdicts) + Data("\n".utf8))
            } else {
                for verdict in verdicts { print(Self.describe(verdict)) }
            }
            let invalid = verdicts.filter { !$0.valid }.count
            let warnings = verdicts.reduce(0) { $0 + $1.warnings.count }
            CommandLineMain.printError("\(verdicts.count) line\(verdicts.count == 1 ? "" : "s"): \(verdicts.count - invalid) valid, \(invalid) rejected, \(warnings) warning\(warnings == 1 ? "" : "s")")
            rejected = invalid > 0
        }
        if rejected { throw ExitCode.failure }
    }

    /// `valid    spiffe://…` / `invalid  spiffe://… — reason`, then one indented line per warning.
    static func describe(_ verdict: WorkloadIDCheck.Verdict) -> String {
        let shown = CommandLineMain.printable(verdict.id.isEmpty ? "(empty line)" : verdict.id)
        var lines = ["\(String(verdict.line).leftPad(3)) " + (verdict.valid ? "valid    \(shown)" : "invalid  \(shown) — " + CommandLineMain.printable(verdict.reason ?? ""))]
        lines += verdict.warnings.map { "             warning: \($0)" }
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
