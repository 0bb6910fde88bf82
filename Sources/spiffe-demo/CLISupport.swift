import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeFormats
import SpiffeX509

/// A command-line mistake, in one line the learner can act on.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What every spiffe-demo subcommand shares: one-line errors and the parsing of times,
/// durations and key types.
enum CLISupport {
    /// Runs the command line (CommandLineMain): parsing problems are one line with status 64,
    /// help exits 0 only when help is all that was asked, and anything a subcommand throws
    /// becomes ONE line on stderr and exit status 1, so a learner (or a script) never has to
    /// read a stack of text to find the problem.
    static func main<Root: ParsableCommand>(_ root: Root.Type) async {
        await CommandLineMain.main(root, tool: "spiffe-demo") { error in fail(error) }
    }

    /// Runs a subcommand's body; any error becomes `<command>: <message>` on stderr (made
    /// printable, cut at 1,000 characters) and exit status 1. The JWT and TLS subcommands name
    /// themselves (`jwt-parse: …`); the others go through `fail` (`spiffe-demo: …`).
    static func run(_ command: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            CommandLineMain.printError("\(command): \(CommandLineMain.printable(String(describing: error)))")
            throw ExitCode.failure
        }
    }

    static func run(_ command: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            CommandLineMain.printError("\(command): \(CommandLineMain.printable(String(describing: error)))")
            throw ExitCode.failure
        }
    }

    /// Prints `spiffe-demo: <message>` on stderr and exits 1.
    static func fail(_ error: any Error) -> Never {
        CommandLineMain.printError("spiffe-demo: " + oneLine(error))
        exit(1)
    }

    static func oneLine(_ error: any Error) -> String {
        // Our errors are CustomStringConvertible with learner-facing messages; what they quote
        // of the input is made printable (no terminal escapes) and cut to a readable length.
        let text = String(describing: error)
        return CommandLineMain.printable(text.split(whereSeparator: \.isNewline).joined(separator: " "))
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
            if text.hasPrefix("-") { throw CLIError("\(option) \"\(text)\": a duration must be positive, e.g. 5m") }
            throw CLIError("\(option) \"\(text)\" is not a duration from 1s to 100 years: use forms like 1h, 30m, 90s or 1h30m")
        }
        return seconds
    }

    /// `--timeout SECONDS` for commands that talk to an endpoint: how long to keep trying,
    /// including waiting for an answer, before giving up (more than 0, at most an hour).
    static func timeout(_ seconds: Double) throws(CLIError) -> Duration {
        guard seconds.isFinite, seconds > 0, seconds <= 3_600 else {
            throw CLIError("--timeout \(seconds) is out of range: give seconds more than 0 and at most 3600")
        }
        return .milliseconds(Int64((seconds * 1_000).rounded(.up)))
    }

    /// `--at`: an instant as `TimeText.instant` reads it (`now`, ISO 8601, `+2h`/`-30m`, or
    /// seconds since 1970), within years 1970...9999.
    static func time(_ text: String, now: Date) throws(CLIError) -> Date {
        if let date = TimeText.instant(text, now: now) { return date }
        throw CLIError("--at \"\(text)\" is not a time between 1970 and 9999: use ISO 8601 (2030-01-01T00:00:00Z), now, an offset such as +2h or -30m, or seconds since 1970")
    }
}
