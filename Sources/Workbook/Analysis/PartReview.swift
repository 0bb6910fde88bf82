import Foundation

/// How far one part of the analysis is: blank, a draft with what is still missing, or complete.
/// `workbook analysis status` shows the states, `check` every problem with its line.
public struct PartReview: Sendable, Equatable {
    public enum State: String, Sendable, Equatable, Codable {
        /// Nothing of the learner's yet: no draft, or a draft still equal to the template.
        case blank
        /// Started, with something still missing.
        case draft
        /// Every field filled, every rule kept, within the length guide.
        case complete
    }

    /// One thing still missing or wrong, at a line of the draft when it has one.
    public struct Problem: Sendable, Equatable, Codable {
        public var line: Int?
        public var message: String
    }

    public var template: AnalysisTemplate
    public var state: State
    public var problems: [Problem]
    public var words: Int
    /// Whether the learner has a draft file; without one the part is the template, with any
    /// `{{from …}}` fields filled from their record answers.
    public var hasDraft: Bool

    /// Reviews `text`, the part as it stands (draft or template, record fields filled).
    public static func review(_ template: AnalysisTemplate, text: DraftText, hasDraft: Bool) -> PartReview {
        let words = text.wordCount
        if normalized(text.text) == normalized(template.body) {
            let what = hasDraft ? "the draft is still the template" : "not started"
            return PartReview(template: template, state: .blank,
                              problems: [Problem(line: nil, message: "\(what) (workbook analysis edit \(template.editName))")],
                              words: words, hasDraft: hasDraft)
        }
        var problems: [Problem] = []
        if let line = text.unclosedComment {
            problems.append(Problem(line: line, message: "a `<!--` opens here and nothing closes it: everything after it is hidden from the document (add `-->`)"))
        }
        if text.text.hasPrefix("---"), text.text.split(separator: "\n").prefix(12).contains(where: { $0.hasPrefix("order:") }) {
            problems.append(Problem(line: 1, message: "this draft starts with its template's header (from `---` to `---`): delete those lines, a draft is the body alone"))
        }
        var placeholderLines: Set<Int> = []
        var filledRows = 0
        for table in text.tables {
            for row in table.rows {
                if row.cells.contains(where: { $0.contains("{{") }) {
                    placeholderLines.insert(row.line)
                    problems.append(Problem(line: row.line, message: "a table row is still a placeholder: fill it in or delete it"))
                    continue
                }
                filledRows += 1
                if row.cells.count < table.header.count {
                    problems.append(Problem(line: row.line, message: "the row has \(row.cells.count) cell\(row.cells.count == 1 ? "" : "s"); the header has \(table.header.count)"))
                }
                for (index, cell) in row.cells.enumerated() where DraftText.plain(cell).isEmpty {
                    let header = index < table.header.count ? table.header[index] : "column \(index + 1)"
                    problems.append(Problem(line: row.line, message: "the `\(DraftText.plain(header))` cell is empty"))
                }
                for rule in template.columns {
                    guard let column = table.header.firstIndex(where: { DraftText.plain($0).lowercased() == rule.label.lowercased() }),
                          column < row.cells.count else { continue }
                    let value = DraftText.plain(row.cells[column])
                    if !value.isEmpty && !rule.form.accepts(value) {
                        problems.append(Problem(line: row.line, message: "`\(rule.label)` is `\(clipped(value))`; it should be \(rule.form)"))
                    }
                }
            }
        }
        for rule in template.columns where !text.tables.isEmpty || template.minimumRows != nil {
            let has = text.tables.contains { table in table.header.contains { DraftText.plain($0).lowercased() == rule.label.lowercased() } }
            if !has { problems.append(Problem(line: nil, message: "no table has a `\(rule.label)` column (its values: \(rule.form))")) }
        }
        if let minimum = template.minimumRows, filledRows < minimum {
            problems.append(Problem(line: nil, message: "\(filledRows) table row\(filledRows == 1 ? "" : "s") filled; this part needs at least \(minimum)"))
        }
        for field in text.fields where !placeholderLines.contains(field.line) {
            var message = field.prompt.isEmpty ? "an empty field `{{}}`" : "an empty field: \(clipped(field.prompt))"
            if let record = field.record {
                message += " (fills itself once you record `\(record.check)`: workbook check \(record.day))"
            }
            problems.append(Problem(line: field.line, message: message))
        }
        for rule in template.lines {
            guard let (value, line) = text.value(of: rule.label) else {
                problems.append(Problem(line: nil, message: "no `\(rule.label):` line; it should give \(rule.form)"))
                continue
            }
            if value.contains("{{") { continue }  // reported as an empty field above
            if !rule.form.accepts(value) {
                problems.append(Problem(line: line, message: "`\(rule.label):` is `\(clipped(value))`; it should be \(rule.form)"))
            }
        }
        if let guide = template.words {
            if words < guide.lowerBound {
                problems.append(Problem(line: nil, message: "\(words) word\(words == 1 ? "" : "s"), under the guide of \(guide.lowerBound)–\(guide.upperBound)"))
            } else if words > guide.upperBound {
                problems.append(Problem(line: nil, message: "\(words) words, over the guide of \(guide.lowerBound)–\(guide.upperBound): cut it down"))
            }
        }
        // By line, those without one last, each group in the order found.
        problems = problems.enumerated().sorted { ($0.element.line ?? .max, $0.offset) < ($1.element.line ?? .max, $1.offset) }.map(\.element)
        return PartReview(template: template, state: problems.isEmpty ? .complete : .draft,
                          problems: problems, words: words, hasDraft: hasDraft)
    }

    static func normalized(_ text: String) -> String {
        text.normalizingLineEndings.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).trimmingTrailingSpaces }.joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A value as it is quoted in a problem: one line, at most 60 characters.
    static func clipped(_ text: String) -> String {
        // The learner's text, shown on a terminal: no escape sequences get through.
        let line = AnalysisEvidence.printable(text.replacingOccurrences(of: "\n", with: " "))
        return line.count > 60 ? String(line.prefix(57)) + "…" : line
    }
}

extension AnalysisTemplate {
    /// What to type after `workbook analysis edit`: the section number, else the id.
    public var editName: String { (1...6).contains(order) ? String(order) : id }
}
