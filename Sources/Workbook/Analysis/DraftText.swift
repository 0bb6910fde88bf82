import Foundation

/// What the analysis reads in a draft's Markdown: guidance comments, `{{ … }}` fields, tables and
/// `Label: value` lines (days/analysis/README.md). Plain text scanning on purpose: a draft is
/// the learner's prose, and every finding must point at a line they can find in their editor.
public struct DraftText: Sendable, Equatable {
    public var text: String

    public init(_ text: String) {
        self.text = text.normalizingLineEndings
    }

    /// A `{{ … }}` field still waiting for an answer.
    public struct Field: Sendable, Equatable {
        /// The text between the braces, trimmed (`from day08/x: …` included).
        public var content: String
        /// 1-based line of the draft where the field starts.
        public var line: Int

        /// The record a `{{from dayNN/check-id: …}}` field is filled from.
        public var record: (day: Int, check: String)? {
            guard content.hasPrefix("from ") else { return nil }
            let reference = content.dropFirst(5).prefix { $0 != ":" && $0 != " " }
            let parts = reference.split(separator: "/")
            guard parts.count == 2, parts[0].hasPrefix("day"), let day = Int(parts[0].dropFirst(3)) else { return nil }
            return (day, String(parts[1]))
        }

        /// What to show the learner: the guidance after the reference, if any.
        public var prompt: String {
            guard record != nil, let colon = content.firstIndex(of: ":") else { return content }
            return content[content.index(after: colon)...].trimmed
        }
    }

    /// A Markdown table: its header cells and its data rows with their lines.
    public struct Table: Sendable, Equatable {
        public var header: [String]
        public var rows: [(line: Int, cells: [String])]

        public static func == (lhs: Table, rhs: Table) -> Bool {
            lhs.header == rhs.header && lhs.rows.map(\.line) == rhs.rows.map(\.line) && lhs.rows.map(\.cells) == rhs.rows.map(\.cells)
        }
    }

    /// The text with every `<!-- … -->` comment removed, its lines kept (a comment spanning
    /// lines leaves them empty) so line numbers still match the draft. Fenced code blocks
    /// (```` ``` ```` or `~~~`) are left as they are: a comment marker there is code.
    public var withoutComments: String {
        var out: [String] = []
        var inComment = false
        var fence: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if !inComment, let marker = Self.fenceMarker(raw) {
                if fence == nil { fence = marker } else if raw.trimmed.hasPrefix(fence!) { fence = nil }
                out.append(raw)
                continue
            }
            if fence != nil { out.append(raw); continue }
            var line = ""
            var rest = Substring(raw)
            while !rest.isEmpty {
                if inComment {
                    guard let close = rest.range(of: "-->") else { rest = ""; break }
                    rest = rest[close.upperBound...]
                    inComment = false
                } else {
                    guard let open = rest.range(of: "<!--") else { line += rest; break }
                    line += rest[..<open.lowerBound]
                    rest = rest[open.upperBound...]
                    inComment = true
                }
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }

    /// The line where a `<!--` opens that nothing closes: Markdown hides everything after it,
    /// so the rest of the part would silently vanish from the document.
    public var unclosedComment: Int? {
        var open: Int?
        var fence: String?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if open == nil, let marker = Self.fenceMarker(line) {
                if fence == nil { fence = marker } else if line.trimmed.hasPrefix(fence!) { fence = nil }
                continue
            }
            if fence != nil { continue }
            var rest = Substring(line)
            while !rest.isEmpty {
                if open != nil {
                    guard let close = rest.range(of: "-->") else { break }
                    rest = rest[close.upperBound...]
                    open = nil
                } else {
                    guard let start = rest.range(of: "<!--") else { break }
                    rest = rest[start.upperBound...]
                    open = index + 1
                }
            }
        }
        return open
    }

    /// "```" or "~~~" when the line opens or closes a fenced code block.
    static func fenceMarker(_ line: String) -> String? {
        let trimmed = line.trimmingLeadingSpaces
        for marker in ["```", "~~~"] where trimmed.hasPrefix(marker) { return marker }
        return nil
    }

    /// The lines without comments, 1-based line numbers.
    var lines: [(number: Int, text: String)] {
        withoutComments.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { ($0.offset + 1, String($0.element)) }
    }

    /// The lines outside comments and outside fenced code blocks: where tables and `Label:`
    /// lines are looked for.
    var unfencedLines: [(number: Int, text: String)] {
        var fence: String?
        return lines.compactMap { number, line in
            if let marker = Self.fenceMarker(line) {
                if fence == nil { fence = marker } else if line.trimmed.hasPrefix(fence!) { fence = nil }
                return nil
            }
            return fence == nil ? (number, line) : nil
        }
    }

    /// The unfenced lines with inline code spans blanked: where fields are looked for (a Helm
    /// template's `{{ .Values.name }}` in code is not a field to fill).
    var proseLines: [(number: Int, text: String)] {
        unfencedLines.map { ($0.number, Self.blankingCodeSpans($0.text)) }
    }

    /// The line with every `` `code` `` span's content replaced by spaces.
    static func blankingCodeSpans(_ line: String) -> String {
        guard line.contains("`") else { return line }
        var out = ""
        var inCode = false
        for character in line {
            if character == "`" { inCode.toggle(); out.append(character) } else { out.append(inCode ? " " : character) }
        }
        return out
    }

    /// Every `{{ … }}` outside comments, in order.
    public var fields: [Field] {
        var found: [Field] = []
        for (number, line) in proseLines {
            var rest = Substring(line)
            while let open = rest.range(of: "{{") {
                guard let close = rest[open.upperBound...].range(of: "}}") else {
                    found.append(Field(content: rest[open.upperBound...].trimmed, line: number))
                    break
                }
                found.append(Field(content: rest[open.upperBound..<close.lowerBound].trimmed, line: number))
                rest = rest[close.upperBound...]
            }
        }
        return found
    }

    /// The text with each `{{from dayNN/check-id: …}}` replaced by that record's answer, when
    /// `answer` has one. Other fields and comments are left as they are.
    public func filling(from answer: (Int, String) -> String?) -> DraftText {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{from "), let close = rest[open.upperBound...].range(of: "}}") {
            result += rest[..<open.lowerBound]
            let field = Field(content: "from " + rest[open.upperBound..<close.lowerBound].trimmed, line: 0)
            if let record = field.record, let text = answer(record.day, record.check) {
                result += text.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                result += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return DraftText(result + rest)
    }

    /// The tables outside comments. A table is a run of lines starting with `|`, its second line
    /// the `|---|` rule.
    public var tables: [Table] {
        var tables: [Table] = []
        let all = unfencedLines
        var index = 0
        while index < all.count {
            let line = all[index].text.trimmed
            guard line.hasPrefix("|"), index + 1 < all.count, all[index + 1].number == all[index].number + 1,
                  Self.isRule(all[index + 1].text) else {
                index += 1
                continue
            }
            var table = Table(header: Self.cells(line), rows: [])
            index += 2
            while index < all.count, all[index].text.trimmed.hasPrefix("|"), all[index].number == all[index - 1].number + 1 {
                table.rows.append((all[index].number, Self.cells(all[index].text.trimmed)))
                index += 1
            }
            tables.append(table)
        }
        return tables
    }

    /// `| a | b |` -> ["a", "b"]; `\|` stays inside a cell.
    static func cells(_ line: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped { current.append(character); escaped = false; continue }
            if character == "\\" { escaped = true; current.append(character); continue }
            if character == "|" { cells.append(current.trimmed); current = "" } else { current.append(character) }
        }
        cells.append(current.trimmed)
        // The leading and trailing pipes leave an empty first and last cell.
        if cells.first == "" { cells.removeFirst() }
        if cells.last == "" { cells.removeLast() }
        return cells
    }

    static func isRule(_ line: String) -> Bool {
        let line = line.trimmed
        return line.hasPrefix("|") && line.contains("-") && line.allSatisfy { "|-: ".contains($0) }
    }

    /// Words outside comments and table rules.
    public var wordCount: Int {
        lines.filter { !Self.isRule($0.text) }.reduce(0) { count, line in
            count + line.text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "|" }).filter { word in
                word.contains { $0.isLetter || $0.isNumber }
            }.count
        }
    }

    /// The value of the line `label: value` (also `**label:** value`, `- label: value`,
    /// `**label**: value`), stripped of emphasis and backticks, and its line.
    public func value(of label: String) -> (value: String, line: Int)? {
        for (number, raw) in unfencedLines {
            var line = raw.trimmed
            if line.hasPrefix("- ") || line.hasPrefix("* ") { line = String(line.dropFirst(2)).trimmed }
            let plain = Self.plain(line)
            guard plain.lowercased().hasPrefix(label.lowercased() + ":") else { continue }
            return (plain.dropFirst(label.count + 1).trimmed, number)
        }
        return nil
    }

    /// Text without Markdown emphasis and code marks: what a rule compares.
    static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "`", with: "").trimmed
    }

    /// The text as it goes into the document: comments removed, no trailing spaces, runs of
    /// blank lines (which removed comments leave) folded into one, no blank lines at either end.
    public var assembled: String {
        var out: [String] = []
        for (_, line) in lines {
            let line = line.trimmingTrailingSpaces
            if line.isEmpty && (out.last?.isEmpty ?? true) { continue }
            out.append(line)
        }
        while out.last?.isEmpty == true { out.removeLast() }
        return out.joined(separator: "\n")
    }
}
