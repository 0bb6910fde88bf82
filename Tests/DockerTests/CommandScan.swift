import Foundation

/// Finds the SPIRE commands (`spire-server …`, `spire-agent …`) written in a shell script or in
/// the code of a Markdown lesson, and checks each against what SPIRE 1.15.3 accepts (SpireCLI).
///
/// The shell reading is deliberately small: words, '…' and "…" quoting, backslash line
/// continuations, comments, and the operators that separate commands (| || & && ; ( ) $( `) or
/// redirect (> >> < 2>&1). That is all the scripts and lessons here use; it is not a shell.
enum CommandScan {

    struct Word: Equatable {
        /// The word with its quotes removed.
        var text: String
        var quoted: Bool
    }

    /// One SPIRE command found in a file.
    struct Invocation: CustomStringConvertible {
        var file: String
        var line: Int
        /// `spire-server` or `spire-agent`.
        var binary: String
        /// The binary as written: `spire-server`, `/opt/spire/bin/spire-server`, …
        var binaryWord: String
        /// The words after the binary.
        var args: [Word]
        /// The container it runs in, when it is the command of `docker [compose] exec|run`.
        var dockerService: String?
        /// The `docker compose exec` options before the service (e.g. -T).
        var dockerOptions: [String] = []

        var description: String {
            "\(file):\(line): \(binaryWord) \(args.map(\.text).joined(separator: " "))"
        }
    }

    // MARK: Reading shell text

    enum Token: Equatable {
        case word(Word)
        /// A command separator: | || & && ; ( ) $( `
        case separator(String)
        /// A redirect that takes the next word as its target (> >> <); `2>&1` needs none.
        case redirect(needsTarget: Bool)
    }

    /// Splits one logical line (continuations already joined) into words and operators.
    static func tokens(_ line: String) -> [Token] {
        var tokens: [Token] = []
        var word = ""
        var inWord = false
        var quoted = false
        let chars = Array(line)
        var i = 0
        func flush() {
            if inWord { tokens.append(.word(Word(text: word, quoted: quoted))) }
            word = ""; inWord = false; quoted = false
        }
        while i < chars.count {
            let c = chars[i]
            switch c {
            case " ", "\t":
                flush()
                i += 1
            case "#" where !inWord:
                return tokens  // a comment runs to the end of the line
            case "'":
                inWord = true; quoted = true
                i += 1
                while i < chars.count && chars[i] != "'" { word.append(chars[i]); i += 1 }
                i += 1
            case "\"":
                inWord = true; quoted = true
                i += 1
                while i < chars.count && chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count, "\"\\$`".contains(chars[i + 1]) { i += 1 }
                    word.append(chars[i]); i += 1
                }
                i += 1
            case "\\":
                if i + 1 < chars.count { word.append(chars[i + 1]); inWord = true }
                i += 2
            case "$" where i + 1 < chars.count && chars[i + 1] == "(":
                flush()
                tokens.append(.separator("$("))
                i += 2
            case "$" where i + 1 < chars.count && chars[i + 1] == "{":
                inWord = true
                while i < chars.count && chars[i] != "}" { word.append(chars[i]); i += 1 }
                if i < chars.count { word.append("}"); i += 1 }
            case "|", "&", ";", "(", ")", "`":
                flush()
                if i + 1 < chars.count, chars[i + 1] == c, c == "|" || c == "&" {
                    tokens.append(.separator(String([c, c]))); i += 2
                } else {
                    tokens.append(.separator(String(c))); i += 1
                }
            case "<" where placeholderLength(chars, at: i) != nil:
                // `<token>`: a placeholder in a lesson, not a redirect (a shell would read a
                // file named "token" and write one named whatever follows).
                let length = placeholderLength(chars, at: i)!
                word.append(contentsOf: chars[i..<(i + length)])
                inWord = true
                i += length
            case ">", "<":
                // `2>` redirects a descriptor: the digits belong to the operator, not a word.
                if inWord, !quoted, !word.isEmpty, word.allSatisfy(\.isNumber) { word = ""; inWord = false }
                flush()
                i += 1
                if i < chars.count, chars[i] == ">" { i += 1 }
                if i < chars.count, chars[i] == "&" {
                    i += 1
                    while i < chars.count, chars[i].isNumber || chars[i] == "-" { i += 1 }
                    tokens.append(.redirect(needsTarget: false))
                } else {
                    tokens.append(.redirect(needsTarget: true))
                }
            default:
                word.append(c); inWord = true
                i += 1
            }
        }
        flush()
        return tokens
    }

    /// The length of `<name>` at `i` (letters, digits, `-`, `_`, spaces inside), if there is one.
    private static func placeholderLength(_ chars: [Character], at i: Int) -> Int? {
        guard i + 1 < chars.count, chars[i + 1].isLetter else { return nil }
        var j = i + 1
        while j < chars.count, chars[j].isLetter || chars[j].isNumber || "-_ ".contains(chars[j]) { j += 1 }
        return j < chars.count && chars[j] == ">" ? j - i + 1 : nil
    }

    /// The simple commands of a line: runs of words between separators, redirects removed.
    static func simpleCommands(_ line: String) -> [[Word]] {
        var commands: [[Word]] = []
        var current: [Word] = []
        var skipNext = false
        for token in tokens(line) {
            switch token {
            case .word(let word):
                if skipNext { skipNext = false } else { current.append(word) }
            case .separator:
                if !current.isEmpty { commands.append(current) }
                current = []
                skipNext = false
            case .redirect(let needsTarget):
                skipNext = needsTarget
            }
        }
        if !current.isEmpty { commands.append(current) }
        return commands
    }

    /// Logical lines of shell text: backslash-newline continuations joined, each with the number
    /// of the line it starts on.
    static func logicalLines(_ text: String, firstLine: Int = 1) -> [(line: Int, text: String)] {
        var result: [(Int, String)] = []
        var pending = ""
        var start = firstLine
        for (offset, raw) in text.components(separatedBy: "\n").enumerated() {
            if pending.isEmpty { start = firstLine + offset }
            if raw.hasSuffix("\\") && !raw.hasSuffix("\\\\") {
                pending += raw.dropLast() + " "
            } else {
                result.append((start, pending + raw))
                pending = ""
            }
        }
        if !pending.isEmpty { result.append((start, pending)) }
        return result
    }

    // MARK: Finding SPIRE commands

    private static func basename(_ word: String) -> String {
        String(word.split(separator: "/").last ?? "")
    }

    private static let wrappers: Set<String> = ["sudo", "exec", "time", "env", "command", "nohup"]
    // `docker compose` options that take a value, before the subcommand …
    private static let composeGlobalsWithValue: Set<String> = [
        "-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile", "--ansi", "--parallel",
    ]
    // … and `exec`/`run` options that take a value, before the service or container.
    private static let execOptionsWithValue: Set<String> = [
        "-u", "--user", "-e", "--env", "-w", "--workdir", "--index", "--entrypoint", "--name", "-v", "--volume",
        "-p", "--publish", "-l", "--label", "--env-file",
    ]

    /// The SPIRE invocations in one simple command.
    static func invocations(in words: [Word], file: String, line: Int) -> [Invocation] {
        var i = 0
        while i < words.count {
            let w = words[i].text
            let isAssignment = !words[i].quoted && w.range(of: #"^[A-Za-z_][A-Za-z0-9_]*="#, options: .regularExpression) != nil
            if isAssignment || wrappers.contains(w) { i += 1 } else { break }
        }
        guard i < words.count else { return [] }
        let first = words[i].text
        if SpireCLI.binaries.contains(basename(first)) {
            return [Invocation(file: file, line: line, binary: basename(first), binaryWord: first,
                               args: Array(words[(i + 1)...]))]
        }
        if first == "docker" { return dockerInvocations(Array(words[i...]), file: file, line: line) }
        // A command string run by a shell: `sh -c '…'`, `bash -c "…"`.
        if ["sh", "bash"].contains(basename(first)), i + 2 < words.count, words[i + 1].text == "-c" {
            return simpleCommands(words[i + 2].text).flatMap { invocations(in: $0, file: file, line: line) }
        }
        // A SPIRE command handed to something else (a helper function such as wait_until): a
        // `docker` word or a path to a SPIRE binary further on. Other words, such as a quoted
        // message that mentions spire-server, are arguments, not commands.
        for k in (i + 1)..<max(i + 1, words.count) where !words[k].quoted {
            let word = words[k]
            if word.text == "docker" { return dockerInvocations(Array(words[k...]), file: file, line: line) }
            if ["sh", "bash"].contains(word.text) { return invocations(in: Array(words[k...]), file: file, line: line) }
            if word.text.contains("/") && SpireCLI.binaries.contains(basename(word.text)) {
                return [Invocation(file: file, line: line, binary: basename(word.text), binaryWord: word.text,
                                   args: Array(words[(k + 1)...]))]
            }
        }
        return []
    }

    /// `docker compose [opts] exec|run [opts] SERVICE CMD…` and `docker exec|run [opts] NAME CMD…`.
    private static func dockerInvocations(_ words: [Word], file: String, line: Int) -> [Invocation] {
        var j = 1
        func at(_ k: Int) -> String? { k < words.count ? words[k].text : nil }
        if at(j) == "compose" {
            j += 1
            while let w = at(j), w.hasPrefix("-") { j += composeGlobalsWithValue.contains(w) ? 2 : 1 }
        }
        guard let sub = at(j), sub == "exec" || sub == "run" else { return [] }
        j += 1
        var options: [String] = []
        while let w = at(j), w.hasPrefix("-") {
            options.append(w)
            if execOptionsWithValue.contains(w) {
                if let value = at(j + 1) { options.append(value) }
                j += 2
            } else {
                j += 1
            }
        }
        guard let service = at(j), j + 1 < words.count else { return [] }
        return invocations(in: Array(words[(j + 1)...]), file: file, line: line).map {
            var invocation = $0
            invocation.dockerService = service
            invocation.dockerOptions = options
            return invocation
        }
    }

    /// Every SPIRE command in a shell script.
    static func invocations(inShell text: String, file: String) -> [Invocation] {
        logicalLines(text).flatMap { line, logical in
            simpleCommands(logical).flatMap { invocations(in: $0, file: file, line: line) }
        }
    }

    /// Every SPIRE command in the code of a Markdown file: fenced code blocks of shell (info
    /// string empty or sh, bash, shell, console, zsh, text; a leading `$ ` prompt is dropped) and
    /// inline code spans. Prose outside code is not read, nor are other blocks, such as a
    /// lesson's `check` questions, whose wrong answers may be wrong commands on purpose.
    static func invocations(inMarkdown text: String, file: String) -> [Invocation] {
        codeOf(markdown: text).flatMap { line, code in invocations(inShell: code, file: file).map {
            var invocation = $0
            invocation.line += line - 1
            return invocation
        } }
    }

    static let shellInfoStrings: Set<String> = ["", "sh", "bash", "shell", "console", "zsh", "text", "shell-session"]

    /// The code of a Markdown file as (first line, shell text) pieces.
    static func codeOf(markdown text: String) -> [(Int, String)] {
        var pieces: [(Int, String)] = []
        var fence: String?
        var block: [String] = []
        var blockStart = 0
        var readingBlock = false
        for (offset, raw) in text.components(separatedBy: "\n").enumerated() {
            let lineNumber = offset + 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if let open = fence {
                if trimmed.hasPrefix(open) && trimmed.allSatisfy({ $0 == open.first }) {
                    if readingBlock { pieces.append((blockStart, block.joined(separator: "\n"))) }
                    fence = nil
                } else {
                    block.append(raw.hasPrefix("$ ") ? String(raw.dropFirst(2)) : raw)
                }
                continue
            }
            if let marker = ["```", "~~~"].first(where: trimmed.hasPrefix) {
                let run = trimmed.prefix { $0 == marker.first }
                let info = trimmed.dropFirst(run.count).split(separator: " ").first.map(String.init) ?? ""
                fence = String(run)
                block = []
                blockStart = lineNumber + 1
                readingBlock = shellInfoStrings.contains(info.lowercased())
                continue
            }
            // Inline code spans on a prose line.
            var rest = Substring(raw)
            while let open = rest.firstIndex(of: "`") {
                let ticks = rest[open...].prefix { $0 == "`" }
                let after = rest[ticks.endIndex...]
                guard let close = after.range(of: String(ticks)) else { break }
                pieces.append((lineNumber, String(after[..<close.lowerBound])))
                rest = after[close.upperBound...]
            }
        }
        return pieces
    }

    // MARK: Checking a SPIRE command

    /// A value written as a stand-in rather than a literal: `$agent_id`, `<token>`, `…`, `ID`.
    static func isPlaceholder(_ value: String) -> Bool {
        value.contains("$") || value.contains("<") || value.contains("…") || value.contains("...")
            || (!value.isEmpty && value.allSatisfy { $0.isUppercase || $0 == "_" || $0 == "-" })
    }

    private static func strippedBrackets(_ text: String) -> String {
        var t = Substring(text)
        while t.first == "[" { t = t.dropFirst() }
        while t.last == "]" { t = t.dropLast() }
        return String(t)
    }

    private static let goBoolValues: Set<String> = ["1", "0", "t", "f", "T", "F", "true", "false", "TRUE", "FALSE", "True", "False"]

    /// What is wrong with one SPIRE command, as messages a reader can act on; empty when nothing.
    static func problems(_ invocation: Invocation) -> [String] {
        let args = invocation.args.map { Word(text: strippedBrackets($0.text), quoted: $0.quoted) }
        let known = SpireCLI.commands.filter { $0.binary == invocation.binary }
        var match: SpireCLI.Command?
        for length in stride(from: 3, through: 1, by: -1) where args.count >= length {
            let path = args.prefix(length).map(\.text)
            if let command = known.first(where: { $0.path == path }) { match = command; break }
        }
        guard let command = match else {
            guard let first = args.first?.text else { return [] }  // the bare name, mentioned
            if first.range(of: #"^[a-z][a-z0-9]*$"#, options: .regularExpression) != nil {
                return ["`\(invocation.binary) \(first)`: SPIRE 1.15 has no such subcommand"]
            }
            return []
        }

        var problems: [String] = []
        var values: [String: [String]] = [:]
        var k = command.path.count
        while k < args.count {
            let word = args[k].text
            k += 1
            if word == "--" { break }
            if word.isEmpty || word == "\\" || (!word.hasPrefix("-") && isPlaceholder(word)) { continue }
            guard word.hasPrefix("-"), word.count > 1 else {
                if k < args.count {
                    problems.append("`\(command.name)`: '\(word)' is not a flag; SPIRE's flag parsing stops there and ignores everything after it")
                } else {
                    problems.append("`\(command.name)`: unexpected argument '\(word)' (SPIRE ignores it)")
                }
                break
            }
            var name = String(word.drop { $0 == "-" })
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let kind = command.flags[name] else {
                problems.append("`\(command.name)` has no flag -\(name) (flags: \(command.flags.keys.sorted().map { "-" + $0 }.joined(separator: " ")); \(command.source))")
                continue
            }
            if kind == .bool {
                if let inlineValue, !goBoolValues.contains(inlineValue) {
                    problems.append("`\(command.name)`: -\(name)=\(inlineValue) is not a boolean")
                }
                if inlineValue == nil, k < args.count, goBoolValues.contains(args[k].text) {
                    problems.append("`\(command.name)`: -\(name) is a boolean flag; '\(args[k].text)' after it is not its value and ends flag parsing (write -\(name) or -\(name)=\(args[k].text))")
                    k += 1
                }
                values[name, default: []].append(inlineValue ?? "true")
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else if k < args.count {
                value = args[k].text
                k += 1
            } else {
                problems.append("`\(command.name)`: -\(name) needs a value")
                continue
            }
            values[name, default: []].append(value)
            if isPlaceholder(value) { continue }
            switch kind {
            case .int where Int(value) == nil:
                problems.append("`\(command.name)`: -\(name) takes a whole number of seconds, not '\(value)'")
            case .duration where value.range(of: #"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"#, options: .regularExpression) == nil:
                problems.append("`\(command.name)`: -\(name) takes a Go duration such as 1h or 90s, not '\(value)'")
            default:
                break
            }
        }

        problems += semanticProblems(command, values)
        return problems
    }

    /// Rules SPIRE enforces after parsing (cmd/spire-server/cli/entry/create.go, validate()) and
    /// the shape of the values, so a lesson cannot show a command SPIRE would refuse.
    private static func semanticProblems(_ command: SpireCLI.Command, _ values: [String: [String]]) -> [String] {
        var problems: [String] = []
        let isID = { (v: String) in isPlaceholder(v) || v.hasPrefix("spiffe://") }
        for flag in ["spiffeID", "parentID"] {
            for v in values[flag] ?? [] where !isID(v) {
                problems.append("`\(command.name)`: -\(flag) '\(v)' is not a SPIFFE ID (spiffe://…)")
            }
        }
        for v in values["selector"] ?? [] where !isPlaceholder(v) {
            let parts = v.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty {
                problems.append("`\(command.name)`: selector '\(v)' is not type:value (e.g. unix:uid:1000)")
            }
        }
        // A bare `spire-server entry create` in prose names the command; one written out with
        // flags must be complete.
        if command.path == ["entry", "create"], !values.isEmpty, values["data"] == nil {
            if values["selector"] == nil { problems.append("`entry create` needs at least one -selector") }
            if values["spiffeID"] == nil { problems.append("`entry create` needs -spiffeID") }
            if values["parentID"] == nil && values["node"] == nil {
                problems.append("`entry create` needs -parentID (or -node)")
            }
        }
        return problems
    }
}
