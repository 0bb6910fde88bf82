import Foundation

/// One part of `spiffe-analysis.md` as its template in `days/analysis/` describes it: where it
/// goes, what its heading is, the rules a finished draft keeps, what of the learner's own work is
/// quoted under it, and the body the learner's draft starts from (days/analysis/README.md).
///
///     ---
///     order: 1
///     id: inventory
///     heading: §1 Credential inventory with risk ratings
///     words: 300-1400
///     rows: 5
///     column: Risk = critical | high | medium | low
///     evidence:
///       - step day16 inspect-fetched: The SVID you inspected on Day 16
///     ---
public struct AnalysisTemplate: Sendable, Equatable {
    public var order: Int
    public var id: String
    public var heading: String
    /// The template's file name, which is also the draft's (`01-inventory.md`).
    public var fileName: String
    /// The length guide, in words of the draft without comments and table rules.
    public var words: ClosedRange<Int>?
    /// How many filled table rows the part needs at least.
    public var minimumRows: Int?
    /// Table columns whose cells must take one of a set of values.
    public var columns: [ValueRule]
    /// `Label: value` lines the part must have.
    public var lines: [ValueRule]
    public var evidence: [EvidenceSource]
    /// The Markdown the learner's draft starts from.
    public var body: String

    /// The cover is the title block, not a section: its `Service:` line names the document.
    public var isCover: Bool { id == "cover" }

    /// The name a learner types for this part: `§1` … `§6` for the six sections, else the id.
    public var label: String { (1...6).contains(order) ? "§\(order) \(id)" : id }

    /// A rule on a value: a table cell under `label`, or a line `label: value`.
    public struct ValueRule: Sendable, Equatable {
        public var label: String
        public var form: ValueForm
    }

    public enum ValueForm: Sendable, Equatable, CustomStringConvertible {
        case choices([String])
        case date
        case text

        public var description: String {
            switch self {
            case .choices(let values): return "one of " + values.joined(separator: ", ")
            case .date: return "a date written YYYY-MM-DD"
            case .text: return "some text"
            }
        }

        /// Whether `value` (already stripped of `**` and backticks) has this form.
        public func accepts(_ value: String) -> Bool {
            let value = value.trimmed
            switch self {
            case .choices(let values): return values.contains { $0.lowercased() == value.lowercased() }
            case .date: return AnalysisTemplate.isDate(value)
            case .text: return !value.isEmpty
            }
        }
    }

    /// Something of the learner's own work that `build` quotes under the part when it exists.
    public enum EvidenceSource: Sendable, Equatable {
        /// A file of a day's workspace (`day07/ids.txt`).
        case file(day: Int, path: String, label: String)
        /// The facts a step reported the last time it ran for that day.
        case step(day: Int, id: String, label: String)
        /// What the learner wrote for a record check.
        case record(day: Int, check: String, label: String)

        public var label: String {
            switch self {
            case .file(_, _, let label), .step(_, _, let label), .record(_, _, let label): return label
            }
        }
    }

    public static func load(from url: URL) throws(WorkbookError) -> AnalysisTemplate {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .fileProblem(path: url.path, reason: "cannot read this analysis template")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .fileProblem(path: url.path, reason: "not UTF-8 text")
        }
        return try parse(text.normalizingLineEndings, fileName: url.lastPathComponent, path: url.path)
    }

    public static func parse(_ text: String, fileName: String, path: String) throws(WorkbookError) -> AnalysisTemplate {
        let lines = text.normalizingLineEndings.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func invalid(_ line: Int, _ reason: String) -> WorkbookError { .lessonInvalid(path: path, line: line, reason: reason) }
        guard lines.first?.trimmingTrailingSpaces == "---" else {
            throw invalid(1, "an analysis template starts with a header: a line `---`")
        }
        guard let end = lines.dropFirst().firstIndex(where: { $0.trimmingTrailingSpaces == "---" }) else {
            throw invalid(1, "the header is not closed by a line `---`")
        }
        var scalars: [String: (String, Int)] = [:]
        var columns: [ValueRule] = []
        var valueLines: [ValueRule] = []
        var evidence: [EvidenceSource] = []
        var inEvidence = false
        for number in 1..<end {
            let line = lines[number].trimmingTrailingSpaces
            let lineNumber = number + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.first == " " || line.first == "\t" {
                let item = line.trimmingLeadingSpaces
                guard inEvidence, item.hasPrefix("- ") else {
                    throw invalid(lineNumber, "unexpected indented line (only `evidence:` has items, `  - file|step|record …: label`)")
                }
                evidence.append(try parseEvidence(String(item.dropFirst(2)), line: lineNumber, path: path))
                continue
            }
            inEvidence = false
            guard let colon = line.firstIndex(of: ":") else { throw invalid(lineNumber, "expected `key: value`") }
            let key = String(line[..<colon])
            let value = FrontMatter.unquoted(String(line[line.index(after: colon)...]).trimmed)
            switch key {
            case "order", "id", "heading", "words", "rows":
                guard !value.isEmpty else { throw invalid(lineNumber, "`\(key):` needs a value") }
                scalars[key] = (value, lineNumber)
            case "column", "line":
                guard let rule = parseRule(value) else {
                    throw invalid(lineNumber, "`\(key):` reads `LABEL = a | b | c`, `LABEL = YYYY-MM-DD` or `LABEL = text`")
                }
                if key == "column" { columns.append(rule) } else { valueLines.append(rule) }
            case "evidence":
                guard value.isEmpty else { throw invalid(lineNumber, "`evidence:` is a list: put its items on the next lines as `  - …`") }
                inEvidence = true
            default:
                throw invalid(lineNumber, "unknown key `\(key)` (known: order, id, heading, words, rows, column, line, evidence)")
            }
        }
        guard let (orderText, orderLine) = scalars["order"] else { throw invalid(1, "the header needs `order:`") }
        guard let order = Int(orderText), order >= 0 else { throw invalid(orderLine, "`order:` is a whole number, not `\(orderText)`") }
        guard let (id, idLine) = scalars["id"] else { throw invalid(1, "the header needs `id:`") }
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), id.first?.isLetter == true else {
            throw invalid(idLine, "`id:` is letters, digits and -, not `\(id)`")
        }
        guard let (heading, _) = scalars["heading"] else { throw invalid(1, "the header needs `heading:`") }
        var words: ClosedRange<Int>?
        if let (text, line) = scalars["words"] {
            let bounds = text.split(separator: "-").compactMap { Int($0.trimmed) }
            guard bounds.count == 2, bounds[0] >= 0, bounds[0] <= bounds[1] else {
                throw invalid(line, "`words:` reads MIN-MAX (e.g. 300-1200), not `\(text)`")
            }
            words = bounds[0]...bounds[1]
        }
        var rows: Int?
        if let (text, line) = scalars["rows"] {
            guard let count = Int(text), count >= 1 else { throw invalid(line, "`rows:` is a whole number from 1, not `\(text)`") }
            rows = count
        }
        let body = lines[(end + 1)...].joined(separator: "\n")
        return AnalysisTemplate(order: order, id: id, heading: heading, fileName: fileName, words: words,
                                minimumRows: rows, columns: columns, lines: valueLines, evidence: evidence,
                                body: body.trimmingCharacters(in: .newlines) + "\n")
    }

    /// `Risk = critical | high | medium | low`, `Date = YYYY-MM-DD`, `Service = text`.
    static func parseRule(_ text: String) -> ValueRule? {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let label = text[..<equals].trimmed
        let form = text[text.index(after: equals)...].trimmed
        guard !label.isEmpty, !form.isEmpty else { return nil }
        switch form {
        case "YYYY-MM-DD": return ValueRule(label: label, form: .date)
        case "text": return ValueRule(label: label, form: .text)
        default:
            let values = form.split(separator: "|").map { $0.trimmed }
            guard values.count >= 2, values.allSatisfy({ !$0.isEmpty }) else { return nil }
            return ValueRule(label: label, form: .choices(values))
        }
    }

    /// `file day07/ids.txt: label`, `step day16 inspect-fetched: label`, `record day12/deployment-plan: label`.
    static func parseEvidence(_ text: String, line: Int, path: String) throws(WorkbookError) -> EvidenceSource {
        let problem = WorkbookError.lessonInvalid(path: path, line: line, reason:
            "an evidence item reads `file dayNN/<path>: label`, `step dayNN <step-id>: label` or `record dayNN/<check-id>: label`, not `\(text)`")
        guard let colon = text.range(of: ": ") else { throw problem }
        let label = text[colon.upperBound...].trimmed
        let words = text[..<colon.lowerBound].split(separator: " ").map(String.init)
        guard !label.isEmpty, words.count >= 2 else { throw problem }
        func day(_ word: Substring) -> Int? {
            guard word.hasPrefix("day"), let number = Int(word.dropFirst(3)), (1...99).contains(number) else { return nil }
            return number
        }
        switch words[0] {
        case "file", "record":
            guard words.count == 2, let slash = words[1].firstIndex(of: "/"),
                  let number = day(words[1][..<slash]) else { throw problem }
            let rest = String(words[1][words[1].index(after: slash)...])
            guard !rest.isEmpty, !rest.hasPrefix("/"), !rest.split(separator: "/").contains("..") else { throw problem }
            return words[0] == "file" ? .file(day: number, path: rest, label: label) : .record(day: number, check: rest, label: label)
        case "step":
            guard words.count == 3, let number = day(Substring(words[1])) else { throw problem }
            return .step(day: number, id: words[2], label: label)
        default:
            throw problem
        }
    }

    /// A real calendar date written YYYY-MM-DD (2026-02-31 is not one).
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              year >= 2000, (1...12).contains(month) else { return false }
        let days = [31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...days[month - 1]).contains(day)
    }
}
