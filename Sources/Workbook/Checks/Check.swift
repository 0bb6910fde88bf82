/// One question of a lesson, written in a fenced block with the info string `check`:
///
///     ```check
///     id: default-ttl
///     question: What is SPIRE's default X509-SVID lifetime?
///     accept: 1h
///     match: duration
///     hint: Look at the server's default_x509_svid_ttl.
///     explain: One hour; the agent renews at about half of it.
///     ```
///
/// The kind follows from the keys: `choices:` + `answer:` is multiple choice, `accept:` is a
/// short answer, `evidence:` inspects real state, `record:` keeps what the learner writes in
/// their own words (`record: at least 80 characters`). Unknown keys are errors, so a typo in a lesson
/// fails the drift test instead of silently dropping a question.
public struct Check: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `choices` in order (letter, text); `answer` is the right letter.
        case choice(choices: [(letter: Character, text: String)], answer: Character)
        /// Accepted answers, compared after normalisation by `match`.
        case shortAnswer(accepted: [String], match: AnswerMatch)
        /// Every condition must hold.
        case evidence([Condition])
        /// The learner's own words, kept in the workspace (`dayNN/records/<id>.md`) and shown
        /// back later; right when it has at least this many characters and three words.
        case record(minimumLength: Int)

        public static func == (lhs: Kind, rhs: Kind) -> Bool {
            switch (lhs, rhs) {
            case (.choice(let a, let x), .choice(let b, let y)):
                return x == y && a.map { "\($0.letter)\($0.text)" } == b.map { "\($0.letter)\($0.text)" }
            case (.shortAnswer(let a, let x), .shortAnswer(let b, let y)): return a == b && x == y
            case (.evidence(let a), .evidence(let b)): return a == b
            case (.record(let a), .record(let b)): return a == b
            default: return false
            }
        }

        public var name: String {
            switch self {
            case .choice: return "multiple choice"
            case .shortAnswer: return "short answer"
            case .evidence: return "evidence"
            case .record: return "in your own words"
            }
        }
    }

    public var id: String
    public var question: String
    public var kind: Kind
    public var hint: String?
    public var explain: String
    /// For evidence: whether the state is the steps' (`from: steps`, the default: the drift test
    /// runs the steps and the check must then pass) or the learner's own work (`from:
    /// challenge`: after the steps alone the check must still fail, which proves it looks at
    /// what the learner made).
    public var fromChallenge: Bool = false
    /// Line of the block in the lesson file (for error messages).
    public var line: Int

    public var isEvidence: Bool {
        if case .evidence = kind { return true }
        return false
    }

    public var isRecord: Bool {
        if case .record = kind { return true }
        return false
    }

    /// Grades a typed answer. Evidence checks are graded by `ConditionEvaluator`, not here.
    public func grade(_ answer: String) -> Bool {
        switch kind {
        case .choice(_, let right):
            let normalized = AnswerMatch.text.normalize(answer)
                .trimmingCharacters(in: [")", ".", "(", " "])
            return normalized == String(right)
        case .shortAnswer(let accepted, let match):
            return accepted.contains { match.equivalent(answer, $0) }
        case .evidence:
            return false
        case .record(let minimum):
            return Self.recordProblem(answer, minimumLength: minimum) == nil
        }
    }

    /// Why a written answer is not enough yet, or nil. Length is measured after collapsing
    /// whitespace, so padding does not count.
    public static func recordProblem(_ text: String, minimumLength: Int) -> String? {
        let words = text.split(whereSeparator: \.isWhitespace)
        let length = words.joined(separator: " ").count
        if length < minimumLength { return "\(length) characters; write at least \(minimumLength)" }
        if words.count < 3 { return "write a sentence or more, not a word" }
        return nil
    }

    /// The right answer as the learner should see it after a miss.
    public var rightAnswer: String? {
        switch kind {
        case .choice(let choices, let right):
            let text = choices.first { $0.letter == right }?.text ?? ""
            return "\(right)) \(text)"
        case .shortAnswer(let accepted, _):
            return accepted.first
        case .evidence, .record:
            return nil
        }
    }

    // MARK: Parsing

    public struct ParseError: Error, Equatable {
        /// Line within the block (1-based).
        public var line: Int
        public var reason: String
    }

    static let knownKeys = ["id", "question", "choices", "answer", "accept", "match", "evidence", "record", "from", "hint", "explain"]

    /// Parses the body of a ```` ```check ```` block. `line` is the block's line in the file.
    public static func parse(_ body: String, line blockLine: Int) throws(ParseError) -> Check {
        var fields: [String: String] = [:]
        var accepted: [String] = []
        var evidence: [(String, Int)] = []
        var choices: [(letter: Character, text: String)] = []
        var lastKey: String?
        var seenChoices = false

        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let line = raw.trimmingTrailingSpaces
            if line.trimmed.isEmpty || line.trimmed.hasPrefix("#") { continue }
            let indented = line.first == " " || line.first == "\t"
            if indented || (lastKey == "choices" && Self.choiceLetter(line.trimmed) != nil) {
                let text = line.trimmed
                if lastKey == "choices" {
                    if let (letter, rest) = Self.choiceLetter(text) {
                        if choices.contains(where: { $0.letter == letter }) {
                            throw ParseError(line: number, reason: "choice \(letter)) appears twice")
                        }
                        choices.append((letter, rest))
                    } else if !choices.isEmpty {
                        choices[choices.count - 1].text += " " + text
                    } else {
                        throw ParseError(line: number, reason: "choices are lines like `a) text`")
                    }
                } else if let key = lastKey {
                    switch key {
                    case "accept": accepted[accepted.count - 1] += " " + text
                    case "evidence": evidence[evidence.count - 1].0 += " " + text
                    default: fields[key, default: ""] += " " + text
                    }
                } else {
                    throw ParseError(line: number, reason: "indented line before any key")
                }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw ParseError(line: number, reason: "expected `key: value` (keys: \(knownKeys.joined(separator: ", ")))")
            }
            let key = String(line[..<colon]).trimmed
            let value = String(line[line.index(after: colon)...]).trimmed
            guard knownKeys.contains(key) else {
                throw ParseError(line: number, reason: "unknown key `\(key)` (keys: \(knownKeys.joined(separator: ", ")))")
            }
            lastKey = key
            switch key {
            case "accept":
                guard !value.isEmpty else { throw ParseError(line: number, reason: "`accept:` needs an answer") }
                accepted.append(value)
            case "evidence":
                guard !value.isEmpty else { throw ParseError(line: number, reason: "`evidence:` needs a condition") }
                evidence.append((value, number))
            case "choices":
                guard !seenChoices else { throw ParseError(line: number, reason: "`choices:` appears twice") }
                seenChoices = true
                if !value.isEmpty {
                    throw ParseError(line: number, reason: "put each choice on its own line below `choices:`, as `a) text`")
                }
            default:
                guard fields[key] == nil else { throw ParseError(line: number, reason: "`\(key):` appears twice") }
                fields[key] = value
            }
        }

        guard let id = fields["id"], !id.isEmpty else { throw ParseError(line: 1, reason: "a check needs `id:`") }
        guard id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw ParseError(line: 1, reason: "check id `\(id)` may use only a-z, 0-9 and -")
        }
        guard let question = fields["question"], !question.isEmpty else {
            throw ParseError(line: 1, reason: "check \(id) needs `question:`")
        }
        guard let explain = fields["explain"], !explain.isEmpty else {
            throw ParseError(line: 1, reason: "check \(id) needs `explain:` (what the learner should take away)")
        }
        let kinds = [seenChoices, !accepted.isEmpty, !evidence.isEmpty, fields["record"] != nil].filter { $0 }.count
        guard kinds == 1 else {
            throw ParseError(line: 1, reason: "check \(id) needs exactly one of `choices:` (+ `answer:`), `accept:`, `evidence:` or `record:`")
        }
        let kind: Kind
        if let record = fields["record"] {
            guard fields["answer"] == nil, fields["match"] == nil else {
                throw ParseError(line: 1, reason: "check \(id): a record check takes no `answer:` or `match:`")
            }
            guard let minimum = Self.minimumLength(record) else {
                throw ParseError(line: 1, reason: "check \(id): write `record: at least <N> characters`, not `\(record)`")
            }
            kind = .record(minimumLength: minimum)
        } else if seenChoices {
            guard choices.count >= 2 else { throw ParseError(line: 1, reason: "check \(id) needs at least two choices") }
            guard let answer = fields["answer"], answer.count == 1, let letter = answer.lowercased().first,
                  choices.contains(where: { $0.letter == letter }) else {
                throw ParseError(line: 1, reason: "check \(id) needs `answer:` naming one of its choices (\(choices.map { String($0.letter) }.joined(separator: ", ")))")
            }
            guard fields["match"] == nil else { throw ParseError(line: 1, reason: "`match:` applies to `accept:` answers only") }
            kind = .choice(choices: choices, answer: letter)
        } else if !accepted.isEmpty {
            guard fields["answer"] == nil else { throw ParseError(line: 1, reason: "check \(id): use `accept:` for short answers, `answer:` is for choices") }
            let match: AnswerMatch
            if let name = fields["match"] {
                guard let parsed = AnswerMatch(rawValue: name) else {
                    throw ParseError(line: 1, reason: "unknown `match: \(name)` (known: \(AnswerMatch.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                match = parsed
            } else {
                match = .text
            }
            for answer in accepted where match == .duration && AnswerMatch.seconds(answer) == nil {
                throw ParseError(line: 1, reason: "check \(id): accepted answer `\(answer)` is not a duration")
            }
            kind = .shortAnswer(accepted: accepted, match: match)
        } else {
            guard fields["answer"] == nil, fields["match"] == nil else {
                throw ParseError(line: 1, reason: "check \(id): an evidence check takes no `answer:` or `match:`")
            }
            var conditions: [Condition] = []
            for (text, number) in evidence {
                do {
                    conditions.append(try Condition(parsing: text))
                } catch {
                    throw ParseError(line: number, reason: "evidence: \(error.reason)")
                }
            }
            for condition in conditions where condition.needsStepOutput {
                throw ParseError(line: 1, reason: "check \(id): `\(condition)` needs a step's output; in evidence use `step <id> fact <name> = <value>`")
            }
            kind = .evidence(conditions)
        }
        var fromChallenge = false
        if let from = fields["from"] {
            guard case .evidence = kind else { throw ParseError(line: 1, reason: "check \(id): `from:` applies to evidence checks only") }
            switch from {
            case "steps": fromChallenge = false
            case "challenge": fromChallenge = true
            default: throw ParseError(line: 1, reason: "check \(id): `from:` is `steps` or `challenge`, not `\(from)`")
            }
        }
        var check = Check(id: id, question: question, kind: kind, hint: fields["hint"], explain: explain, line: blockLine)
        check.fromChallenge = fromChallenge
        return check
    }

    /// `at least 80 characters` -> 80.
    static func minimumLength(_ text: String) -> Int? {
        let words = text.lowercased().split(separator: " ").map(String.init)
        guard words.count == 4, words[0] == "at", words[1] == "least", words[3] == "characters",
              let number = Int(words[2]), number > 0, number <= 10_000 else { return nil }
        return number
    }

    /// `a) text` -> ("a", "text").
    static func choiceLetter(_ text: String) -> (Character, String)? {
        guard text.count >= 3, let first = text.first, first.isASCII, first.isLowercase,
              text.dropFirst().first == ")" else { return nil }
        return (first, String(text.dropFirst(2)).trimmed)
    }
}
