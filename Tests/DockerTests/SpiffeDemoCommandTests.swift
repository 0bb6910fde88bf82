import Foundation
import Testing
import TestSupport

/// The `spiffe-demo` commands docker/README.md and bootstrap.sh tell learners to run exist in the
/// built binary, with the flags they use: each subcommand's `--help` is asked, so the walkthrough
/// cannot drift from the CLI.
@Suite("spiffe-demo commands in docker/")
struct SpiffeDemoCommandTests {

    struct Use: CustomStringConvertible {
        var file: String
        var subcommand: [String]
        var flags: [String]
        var description: String { "\(file): spiffe-demo \(subcommand.joined(separator: " ")) \(flags.joined(separator: " "))" }
    }

    /// `spiffe-demo <sub…> [-flag …]` in one simple command, also inside quoted words (`sh -c '…'`).
    static func uses(in words: [CommandScan.Word], file: String) -> [Use] {
        if let i = words.firstIndex(where: { $0.text.split(separator: "/").last == "spiffe-demo" }) {
            let rest = words[(i + 1)...].map(\.text)
            let subcommand = Array(rest.prefix { $0.range(of: #"^[a-z][a-z0-9-]*$"#, options: .regularExpression) != nil })
            let flags = rest.filter { $0.hasPrefix("-") }.map { String($0.split(separator: "=", maxSplits: 1).first ?? "") }
            // `spiffe-demo` alone is a mention in prose, not a command.
            return subcommand.isEmpty && flags.isEmpty ? [] : [Use(file: file, subcommand: subcommand, flags: flags)]
        }
        // A command string run by a shell: `sh -c '…'`.
        if let c = words.firstIndex(where: { $0.text == "-c" }), c > 0, ["sh", "bash"].contains(words[c - 1].text),
           c + 1 < words.count {
            return CommandScan.simpleCommands(words[c + 1].text).flatMap { uses(in: $0, file: file) }
        }
        return []
    }

    static func uses(inShell text: String, file: String) -> [Use] {
        CommandScan.logicalLines(text).flatMap { CommandScan.simpleCommands($0.text) }.flatMap { uses(in: $0, file: file) }
    }

    @Test("the scanner reads subcommands and flags, also through docker compose exec and sh -c")
    func scanner() {
        let found = Self.uses(inShell: #"""
            docker compose exec --user 1002 service-a spiffe-demo fetch --live
            sh -c 'docker compose exec -T service-b spiffe-demo fetch --live | grep -q x'
            .build/debug/spiffe-demo entry create \
                -parentID spiffe://example.org/spire/agent/local -selector=unix:uid:1000
            """#, file: "t")
        #expect(found.map(\.subcommand) == [["fetch"], ["fetch"], ["entry", "create"]])
        #expect(found.map(\.flags) == [["--live"], ["--live"], ["-parentID", "-selector"]])
    }

    @Test("every spiffe-demo subcommand and flag used in docker/README.md and bootstrap.sh exists")
    func existInTheBinary() async throws {
        var uses = Self.uses(inShell: try DockerFiles.text("bootstrap.sh"), file: "bootstrap.sh")
        for (line, code) in CommandScan.codeOf(markdown: try DockerFiles.text("README.md")) {
            uses += Self.uses(inShell: code, file: "README.md:\(line)")
        }
        #expect(uses.count >= 8, "\(uses)")
        let binary = try TestSupport.product("spiffe-demo")
        var helps: [[String]: TestSupport.ProcessResult] = [:]
        for use in uses {
            let help: TestSupport.ProcessResult
            if let seen = helps[use.subcommand] { help = seen } else {
                help = try await TestSupport.run(binary.path, use.subcommand + ["--help"], deadline: 60)
            }
            helps[use.subcommand] = help
            guard help.status == 0 else {
                Issue.record("\(use): `spiffe-demo \(use.subcommand.joined(separator: " ")) --help` failed, so the subcommand does not exist yet:\n\(help.stderr)")
                continue
            }
            let text = help.stdout + help.stderr
            for flag in use.flags {
                let escaped = NSRegularExpression.escapedPattern(for: flag)
                let listed = text.range(of: "(^|[\\s,\\[])\(escaped)([\\s,=<\\]]|$)", options: .regularExpression) != nil
                #expect(listed, "\(use): \(flag) is not in `spiffe-demo \(use.subcommand.joined(separator: " ")) --help`")
            }
        }
    }
}
