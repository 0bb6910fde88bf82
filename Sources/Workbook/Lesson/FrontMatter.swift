/// The small header at the top of a lesson, between two `---` lines:
///
///     ---
///     day: 3
///     week: 1
///     title: Anatomy of an X509-SVID
///     agenda:
///       - 20 min: Reading: the X509-SVID specification
///     concepts:
///       - uri-san: The SPIFFE ID lives in exactly one URI SAN
///     ---
///
/// It is a strict subset of YAML (scalars and one level of lists), parsed here so the runner
/// needs no YAML library; anything else is an error with its line number.
public struct FrontMatter: Sendable, Equatable {
    public var day: Int
    public var week: Int
    public var title: String
    public var agenda: [AgendaItem]
    public var concepts: [Concept]

    /// Splits `text` into front matter and body. `bodyLineOffset` is the number of lines before
    /// the body, so positions in the body can be reported as lines of the file.
    public static func split(_ text: String, path: String) throws(WorkbookError) -> (FrontMatter, body: String, bodyLineOffset: Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        guard lines.first?.trimmingTrailingSpaces == "---" else {
            throw .lessonInvalid(path: path, line: 1, reason: "a lesson starts with front matter: a line `---`")
        }
        guard let end = lines.dropFirst().firstIndex(where: { $0.trimmingTrailingSpaces == "---" }) else {
            throw .lessonInvalid(path: path, line: 1, reason: "front matter is not closed by a line `---`")
        }
        let header = try parse(Array(lines[1..<end]), firstLine: 2, path: path)
        let body = lines[(end + 1)...].joined(separator: "\n")
        return (header, body, end + 1)
    }

    /// `"text"` or `'text'` -> `text` (YAML needs quotes around a value holding `: `).
    static func unquoted(_ value: String) -> String {
        for quote in ["\"", "'"] where value.count >= 2 && value.hasPrefix(quote) && value.hasSuffix(quote) {
            return String(value.dropFirst().dropLast())
        }
        return value
    }

    static func parse(_ lines: [String], firstLine: Int, path: String) throws(WorkbookError) -> FrontMatter {
        var scalars: [String: (String, Int)] = [:]
        var lists: [String: [(String, Int)]] = [:]
        var currentList: String?
        for (offset, raw) in lines.enumerated() {
            let number = firstLine + offset
            let line = raw.trimmingTrailingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.first == " " || line.first == "\t" {
                let item = line.trimmingLeadingSpaces
                guard let list = currentList, item.hasPrefix("- ") else {
                    throw .lessonInvalid(path: path, line: number, reason: "unexpected indented line in front matter (list items start with `- ` under `agenda:` or `concepts:`)")
                }
                lists[list, default: []].append((String(item.dropFirst(2)).trimmingLeadingSpaces, number))
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw .lessonInvalid(path: path, line: number, reason: "expected `key: value` in front matter")
            }
            let key = String(line[..<colon])
            let value = Self.unquoted(String(line[line.index(after: colon)...]).trimmed)
            switch key {
            case "day", "week", "title":
                guard !value.isEmpty else {
                    throw .lessonInvalid(path: path, line: number, reason: "`\(key):` needs a value")
                }
                scalars[key] = (value, number)
                currentList = nil
            case "agenda", "concepts":
                guard value.isEmpty else {
                    throw .lessonInvalid(path: path, line: number, reason: "`\(key):` is a list: put its items on the following lines as `  - …`")
                }
                currentList = key
                lists[key] = lists[key] ?? []
            default:
                throw .lessonInvalid(path: path, line: number, reason: "unknown front matter key `\(key)` (known: day, week, title, agenda, concepts)")
            }
        }
        func integer(_ key: String) throws(WorkbookError) -> Int {
            guard let (value, line) = scalars[key] else {
                throw .lessonInvalid(path: path, line: firstLine, reason: "front matter needs `\(key):`")
            }
            guard let number = Int(value), number > 0 else {
                throw .lessonInvalid(path: path, line: line, reason: "`\(key):` must be a positive whole number, not `\(value)`")
            }
            return number
        }
        let day = try integer("day")
        let week = try integer("week")
        guard let (title, _) = scalars["title"] else {
            throw .lessonInvalid(path: path, line: firstLine, reason: "front matter needs `title:`")
        }
        var agenda: [AgendaItem] = []
        for (text, line) in lists["agenda"] ?? [] {
            guard let item = AgendaItem(parsing: text) else {
                throw .lessonInvalid(path: path, line: line, reason: "an agenda item reads `- <minutes> min: <activity>`, not `\(text)`")
            }
            agenda.append(item)
        }
        var concepts: [Concept] = []
        for (text, line) in lists["concepts"] ?? [] {
            guard let concept = Concept(parsing: text) else {
                throw .lessonInvalid(path: path, line: line, reason: "a concept reads `- <id>: <statement>` with an id of a-z, 0-9 and -, not `\(text)`")
            }
            if concepts.contains(where: { $0.id == concept.id }) {
                throw .lessonInvalid(path: path, line: line, reason: "concept id `\(concept.id)` appears twice")
            }
            concepts.append(concept)
        }
        return FrontMatter(day: day, week: week, title: title, agenda: agenda, concepts: concepts)
    }
}

/// One timed activity of the day's agenda.
public struct AgendaItem: Sendable, Equatable, Codable {
    public var minutes: Int
    public var activity: String

    /// Parses `20 min: Reading` (also `20 minutes: …`).
    init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let head = parts[0].split(separator: " ")
        guard head.count == 2, let minutes = Int(head[0]), minutes > 0,
              ["min", "mins", "minutes"].contains(head[1].lowercased()) else { return nil }
        let activity = String(parts[1]).trimmingLeadingSpaces
        guard !activity.isEmpty else { return nil }
        self.minutes = minutes
        self.activity = activity
    }
}

/// A concept the learner rates themselves on (solid / partial / need review).
public struct Concept: Sendable, Equatable, Codable {
    public var id: String
    public var statement: String

    init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let id = String(parts[0])
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else { return nil }
        let statement = String(parts[1]).trimmingLeadingSpaces
        guard !statement.isEmpty else { return nil }
        self.id = id
        self.statement = statement
    }
}

extension String {
    var trimmingLeadingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }))
    }
    var trimmingTrailingSpaces: String {
        var copy = self
        while let last = copy.last, last == " " || last == "\t" || last == "\r" { copy.removeLast() }
        return copy
    }
    var trimmed: String { trimmingLeadingSpaces.trimmingTrailingSpaces }

    /// The text with Windows (`\r\n`) and old Mac (`\r`) line ends as `\n`. Swift reads
    /// `\r\n` as ONE character, so splitting a CRLF file on "\n" finds no lines at all: an
    /// answers file saved by a Windows editor was silently ignored. Every text file the
    /// workbook reads (lessons, answers, sources) goes through this first.
    var normalizingLineEndings: String {
        guard contains("\r") else { return self }
        return replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}

extension Substring {
    var trimmed: String { String(self).trimmed }
}
