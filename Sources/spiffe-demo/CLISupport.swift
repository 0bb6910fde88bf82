import ArgumentParser
import Foundation
import SpiffeX509

/// A command-line mistake, in one line the learner can act on.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What every spiffe-demo subcommand shares: one-line errors and the parsing of times,
/// durations and key types.
enum CLISupport {
    /// Runs the command line. Parsing problems (unknown flags, `--help`) keep ArgumentParser's
    /// usual output; anything a subcommand throws becomes ONE line on stderr and exit status 1,
    /// so a learner (or a script) never has to read a stack of text to find the problem.
    static func main<Root: ParsableCommand>(_ root: Root.Type) async {
        var command: any ParsableCommand
        do {
            command = try root.parseAsRoot()
        } catch {
            exitAfterParseError(root, tool: "spiffe-demo", error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ExitCode {
            root.exit(withError: error)
        } catch let error as CleanExit {
            root.exit(withError: error)
        } catch where root.exitCode(for: error) == .success {
            // `--help` and `help <sub>`: parseAsRoot returns ArgumentParser's help command, whose
            // run() throws a help request; ArgumentParser prints the help and exits 0.
            root.exit(withError: error)
        } catch {
            fail(error)
        }
    }

    /// Help and clean exits as ArgumentParser does them; a command-line mistake (a missing
    /// argument, an unknown option, a value that does not parse) as ONE line naming it and where
    /// the help is: `spiffe-demo: Missing expected argument '<spiffe-id>' (see 'spiffe-demo
    /// make-svid --help')`, with ArgumentParser's exit status (64).
    static func exitAfterParseError<Root: ParsableCommand>(_ root: Root.Type, tool: String, _ error: any Error) -> Never {
        let code = root.exitCode(for: error)
        if code == .success || error is ExitCode || error is CleanExit { root.exit(withError: error) }
        let lines = { (text: String) in
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let message = lines(root.message(for: error)).joined(separator: " ")
        let help = lines(root.fullMessage(for: error)).first { $0.hasPrefix("See '") && $0.hasSuffix(" for more information.") }
            .map { " (see " + $0.dropFirst(4).dropLast(" for more information.".count) + ")" } ?? ""
        printError("\(tool): \(message)\(help)")
        exit(code.rawValue)
    }

    /// Prints `spiffe-demo: <message>` on stderr and exits 1.
    static func fail(_ error: any Error) -> Never {
        printError("spiffe-demo: " + oneLine(error))
        exit(1)
    }

    static func oneLine(_ error: any Error) -> String {
        // Our errors are CustomStringConvertible with learner-facing messages.
        let text = String(describing: error)
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Messages (notes, "wrote …") go to stderr; stdout is for data.
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// `ec-p256` (SPIRE's name), `p256`, `p-256`; `ec-p384`, `p384`; `rsa-2048`, `rsa2048`.
    static func keyType(_ text: String) throws(CLIError) -> KeyType {
        let normalized = text.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
        switch normalized {
        case "ecp256", "p256": return .p256
        case "ecp384", "p384": return .p384
        case "rsa2048", "rsa": return .rsa2048
        default: throw CLIError("unknown key type \"\(text)\": use ec-p256 (the default), ec-p384 or rsa-2048")
        }
    }

    /// `1h`, `30m`, `90s`, `1h30m`, `2d`, or plain seconds.
    static func duration(_ text: String, option: String) throws(CLIError) -> TimeInterval {
        guard let seconds = TimeText.parseDuration(text) else {
            throw CLIError("\(option) \"\(text)\" is not a duration: use forms like 1h, 30m, 90s or 1h30m")
        }
        return seconds
    }

    /// An instant: `now`, ISO 8601 (`2030-01-01T00:00:00Z`), or relative to now (`+2h`, `-30m`).
    static func time(_ text: String, now: Date) throws(CLIError) -> Date {
        if text == "now" { return now }
        if let sign = text.first, sign == "+" || sign == "-", let offset = TimeText.parseDuration(String(text.dropFirst())) {
            return sign == "+" ? now + offset : now - offset
        }
        if let date = TimeText.parseISO(text) { return date }
        throw CLIError("--at \"\(text)\" is not a time: use ISO 8601 (2030-01-01T00:00:00Z), now, or an offset such as +2h or -30m")
    }
}
