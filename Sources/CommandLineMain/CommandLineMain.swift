import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one `main` of the project's command-line tools (spiffe-demo, workbook): ArgumentParser's
/// parsing, with two promises a learner and a script can rely on.
///
/// 1. A command-line mistake is ONE line naming it and where the help is
///    (`spiffe-demo: Missing expected argument '<spiffe-id>' (see 'spiffe-demo make-svid
///    --help')`), with ArgumentParser's exit status (64).
/// 2. Exit status 0 means the command ran. Help exits 0 only when help is all that was asked
///    for. ArgumentParser reads `-h.x.y` as a group of short flags that includes `-h`, so a
///    forged token starting with `-` printed the help and exited 0: a script doing
///    `jwt-parse "$T" --bundle B --audience A && allow` let it in. Such an argument is now an
///    error telling the user to put it after `--`.
public enum CommandLineMain {
    /// Parses and runs `root` with the process's arguments. `failure` turns what a command
    /// throws into the tool's one-line error and exit status; it must not return.
    public static func main<Root: ParsableCommand>(
        _ root: Root.Type, tool: String,
        arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        failure: @Sendable (any Error) -> Never
    ) async {
        var command: any ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
        } catch {
            exitAfterParseError(root, tool: tool, arguments: arguments, error)
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
            // `help <sub>` and `-h` inside another argument: parseAsRoot returns
            // ArgumentParser's help command, whose run() throws a help request.
            exitAfterParseError(root, tool: tool, arguments: arguments, error)
        } catch {
            failure(error)
        }
    }

    /// Help and clean exits as ArgumentParser does them, a command-line mistake as one line.
    static func exitAfterParseError<Root: ParsableCommand>(
        _ root: Root.Type, tool: String, arguments: [String], _ error: any Error
    ) -> Never {
        let code = root.exitCode(for: error)
        if error is ExitCode { root.exit(withError: error) }
        // ArgumentParser's other built-ins (completion scripts, the hidden help, the manual's
        // dump, --version) also exit 0; they are what their user asked for.
        if code == .success, arguments.prefix(while: { $0 != "--" }).contains(where: { argument in
            builtInFlags.contains { argument == $0 || argument.hasPrefix($0 + "=") }
        }) {
            root.exit(withError: error)
        }
        if code == .success {
            switch helpRequest(root, arguments) {
            case .only:
                root.exit(withError: error)
            case .withOtherArguments:
                // The help is what the user wants to read; the status says nothing ran.
                print(root.fullMessage(for: error))
                printError("\(tool): help was asked for together with other arguments, so nothing was run (exit status 64)")
                exit(ExitCode.validationFailure.rawValue)
            case .none(let suspect):
                let shown = suspect.map { "'\(Self.printable($0))' is not an option" } ?? "an argument was read as a request for help"
                printError("\(tool): \(shown); put an argument that starts with '-' after '--' (\(tool) <command> -- '-value')")
                exit(ExitCode.validationFailure.rawValue)
            }
        }
        let lines = { (text: String) in
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let message = lines(root.message(for: error)).joined(separator: " ")
        let help = lines(root.fullMessage(for: error)).first { $0.hasPrefix("See '") && $0.hasSuffix(" for more information.") }
            .map { " (see " + $0.dropFirst(4).dropLast(" for more information.".count) + ")" } ?? ""
        printError("\(tool): \(Self.printable(message))\(help)")
        exit(code.rawValue)
    }

    enum HelpRequest: Equatable {
        /// Subcommand names and one help flag, or `help [subcommand…]`: print help, exit 0.
        case only
        /// A help flag next to other arguments: print help, exit 64.
        case withOtherArguments
        /// No argument is a help flag; ArgumentParser found one inside another argument.
        case none(suspect: String?)
    }

    static let helpFlags: Set<String> = ["-h", "--help", "-help"]
    static let builtInFlags = ["--generate-completion-script", "--help-hidden", "-help-hidden", "--experimental-dump-help", "--version"]

    /// Decides what a parse that ended in "show the help" really asked for.
    static func helpRequest<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String]) -> HelpRequest {
        // Arguments after `--` are values, never flags; that there are any means more than
        // help was asked for.
        let options = arguments.prefix { $0 != "--" }
        let valuesFollow = options.count < arguments.count - 1
        var rest = options[...]
        // `help [subcommand…]` (ArgumentParser's help command) only as the first word.
        let helpCommand = rest.first == "help"
        if helpCommand { rest = rest.dropFirst() }
        // Leading subcommand names are part of a help request, not arguments.
        var level: any ParsableCommand.Type = root
        while let name = rest.first, let next = level.configuration.subcommands.first(where: { $0._commandName == name }) {
            level = next
            rest = rest.dropFirst()
        }
        if helpCommand { return rest.isEmpty && !valuesFollow ? .only : .withOtherArguments }
        let flags = rest.filter { helpFlags.contains($0) }
        if flags.isEmpty {
            return .none(suspect: rest.first { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.count > 2 && $0.contains("h") })
        }
        return flags.count == rest.count && !valuesFollow ? .only : .withOtherArguments
    }

    /// Prints `line` on stderr.
    public static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// `text` made safe to print on a terminal: control characters (an ESC that starts a
    /// terminal sequence, a carriage return that hides what came before) shown as `\u{1B}`,
    /// and anything over `limit` characters cut with a note of how much was left out.
    public static func printable(_ text: String, limit: Int = 1_000) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                let left = text.unicodeScalars.count - count
                return out + "… (\(left) more characters)"
            }
            if scalar.properties.generalCategory == .control && scalar != "\t" {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
