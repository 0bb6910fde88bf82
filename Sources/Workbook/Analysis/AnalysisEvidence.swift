import Foundation

/// One piece of the learner's own work that the assembled analysis quotes under a part, with
/// where it came from: a file of a day's workspace, the facts a step reported when it ran, or
/// what the learner wrote for a record check. Only what exists is quoted; nothing is invented.
public struct AnalysisEvidence: Sendable, Equatable {
    public var label: String
    /// Where it came from, in words: "`day07/ids.txt` in your workspace".
    public var origin: String
    public var body: Body

    public enum Body: Sendable, Equatable {
        /// A text file's first lines, and whether the rest was left out.
        case lines([String], cut: Bool)
        /// A step's facts, sorted by name.
        case facts([Fact])
        /// The learner's own words.
        case quote(String)
    }

    public struct Fact: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// Lines quoted from a file at most; a longer file is cut and says so.
    static let lineLimit = 40
    /// Bytes read from a file at most, and characters kept of one line: evidence is a glance at
    /// the learner's work, and a huge or binary file must not become the document.
    static let byteLimit = 64 * 1024
    static let lineLength = 200

    /// The evidence `sources` name that exists in `workspace`, in their order.
    public static func collect(_ sources: [AnalysisTemplate.EvidenceSource], workspace: URL,
                               progress: WorkbookProgress) -> [AnalysisEvidence] {
        sources.compactMap { source in
            switch source {
            case .file(let day, let path, let label):
                let relative = String(format: "day%02d/", day) + path
                guard let (lines, cut) = textLines(of: workspace.appendingPathComponent(relative), inside: workspace) else { return nil }
                return AnalysisEvidence(label: label, origin: "`\(relative)` in your workspace",
                                        body: .lines(Array(lines.prefix(lineLimit)), cut: cut || lines.count > lineLimit))
            case .step(let day, let id, let label):
                guard let record = progress.day(day).steps[id], record.outcome == .passed, !record.facts.isEmpty else { return nil }
                let facts = record.facts.sorted { $0.key < $1.key }.map { Fact(name: $0.key, value: printable($0.value)) }
                return AnalysisEvidence(label: label,
                                        origin: "step `\(id)` of Day \(day), run \(record.mode.rawValue) on \(dateText(record.at))",
                                        body: .facts(facts))
            case .record(let day, let check, let label):
                let directory = workspace.appendingPathComponent(String(format: "day%02d", day))
                guard let text = RecordedAnswers(directory: directory).answer(check) else { return nil }
                return AnalysisEvidence(label: label, origin: "your answer to `\(check)` on Day \(day)",
                                        body: .quote(printable(text, keepNewlines: true)))
            }
        }
    }

    /// The evidence as Markdown, one paragraph naming it and where it came from, then the content.
    public var markdown: String {
        var text = "**\(label)**, from \(origin):\n\n"
        switch body {
        case .lines(let lines, let cut):
            let fence = String(repeating: "`", count: max(3, Self.longestBacktickRun(in: lines) + 1))
            text += fence + "text\n" + lines.joined(separator: "\n") + "\n" + fence
            if cut { text += "\n\n(The first \(lines.count) lines; the rest of the file is not quoted.)" }
        case .facts(let facts):
            text += "| Fact | Value |\n|---|---|\n"
            text += facts.map { fact in
                let ticks = String(repeating: "`", count: Self.longestBacktickRun(in: [fact.value]) + 1)
                let value = fact.value.replacingOccurrences(of: "|", with: "\\|")
                let pad = value.hasPrefix("`") || value.hasSuffix("`") ? " " : ""
                return "| \(fact.name.replacingOccurrences(of: "|", with: "\\|")) | \(ticks)\(pad)\(value)\(pad)\(ticks) |"
            }.joined(separator: "\n")
        case .quote(let words):
            text += words.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? ">" : "> " + $0 }.joined(separator: "\n")
        }
        return text
    }

    /// A regular text file's lines, nil when it is missing, not text, or (by a link) outside
    /// the workspace.
    static func textLines(of file: URL, inside workspace: URL) -> (lines: [String], cut: Bool)? {
        let resolved = file.resolvingSymlinksInPath().standardizedFileURL.path
        let root = workspace.resolvingSymlinksInPath().standardizedFileURL.path
        guard resolved.hasPrefix(root + "/"), AnalysisDrafts.isRegularFile(resolved),
              let handle = FileHandle(forReadingAtPath: resolved) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: byteLimit), !data.contains(0) else { return nil }
        // Text only; a read cut in the middle of a character loses that character.
        var decoded = String(data: data, encoding: .utf8)
        if decoded == nil, data.count == byteLimit {
            decoded = (1...3).lazy.compactMap { String(data: data.dropLast($0), encoding: .utf8) }.first
        }
        guard let text = decoded, !text.isEmpty else { return nil }
        var lines = text.normalizingLineEndings.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let kept = printable(String(line))
            return kept.count > lineLength ? String(kept.prefix(lineLength - 1)) + "…" : kept
        }
        while lines.last?.trimmed.isEmpty == true { lines.removeLast() }
        return lines.isEmpty ? nil : (lines, data.count == byteLimit)
    }

    /// Text without control characters (an escape sequence in a file must not reach the
    /// document or the terminal).
    static func printable(_ text: String, keepNewlines: Bool = false) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            if keepNewlines && scalar == "\n" { return scalar }
            if scalar == "\t" { return " " }
            return scalar.properties.generalCategory == .control ? "\u{FFFD}" : scalar
        }))
    }

    static func longestBacktickRun(in lines: [String]) -> Int {
        var longest = 0
        for line in lines {
            var run = 0
            for character in line {
                run = character == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        return longest
    }

    static func dateText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }
}

extension AnalysisDrafts {
    static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}
