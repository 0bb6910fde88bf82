import Foundation

/// One day of the course, loaded from `days/dayNN.md`.
public struct Lesson: Sendable {
    public var header: FrontMatter
    /// The body as Markdown blocks (step and check blocks included, as code blocks).
    public var blocks: [MarkdownBlock]
    public var steps: [StepBlock]
    public var checks: [Check]
    /// The functions the learner writes this day, graded by `workbook exercise N`.
    public var exercises: [ExerciseBlock] = []
    public var path: String

    public var day: Int { header.day }
    public var week: Int { header.week }
    public var title: String { header.title }

    /// The sections every lesson has, as level-2 headings, in this order.
    public static let requiredSections = ["Warm-up", "Reading", "Steps", "Challenge", "Checks", "Resources"]

    public static func load(from url: URL) throws(WorkbookError) -> Lesson {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .lessonUnreadable(path: url.path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .lessonUnreadable(path: url.path, reason: "not UTF-8 text")
        }
        return try parse(text, path: url.path)
    }

    public static func parse(_ text: String, path: String) throws(WorkbookError) -> Lesson {
        let (header, body, offset) = try FrontMatter.split(text.normalizingLineEndings, path: path)
        let blocks = Markdown.parse(body)
        var steps: [StepBlock] = []
        var checks: [Check] = []
        var exercises: [ExerciseBlock] = []
        for block in Self.allBlocks(blocks) {
            guard case .codeBlock(let info, let code, let bodyLine) = block else { continue }
            let line = bodyLine + offset
            if let id = StepBlock.stepID(info: info) {
                guard let id else {
                    throw .lessonInvalid(path: path, line: line, reason: "a step block's info string is `step <id>`, not `\(info)`")
                }
                do {
                    steps.append(try StepBlock.parse(id: id, body: code, line: line))
                } catch {
                    throw .lessonInvalid(path: path, line: error.line, reason: error.reason)
                }
            } else if let id = ExerciseBlock.exerciseID(info: info) {
                guard let id else {
                    throw .lessonInvalid(path: path, line: line, reason: "an exercise block's info string is `exercise <id>`, not `\(info)`")
                }
                do {
                    exercises.append(try ExerciseBlock.parse(id: id, body: code, line: line))
                } catch {
                    throw .lessonInvalid(path: path, line: error.line, reason: error.reason)
                }
            } else if info.trimmed == "check" {
                do {
                    let check = try Check.parse(code, line: line)
                    if checks.contains(where: { $0.id == check.id }) {
                        throw WorkbookError.lessonInvalid(path: path, line: line, reason: "check id `\(check.id)` appears twice")
                    }
                    checks.append(check)
                } catch let error as Check.ParseError {
                    throw .lessonInvalid(path: path, line: line + error.line, reason: error.reason)
                } catch let error as WorkbookError {
                    throw error
                } catch {
                    throw .lessonInvalid(path: path, line: line, reason: "\(error)")
                }
            }
        }
        var lesson = Lesson(header: header, blocks: blocks, steps: steps, checks: checks, path: path)
        lesson.exercises = exercises
        return lesson
    }

    /// Every block, depth first (step and check blocks may sit inside lists or quotes).
    static func allBlocks(_ blocks: [MarkdownBlock]) -> [MarkdownBlock] {
        var out: [MarkdownBlock] = []
        for block in blocks {
            out.append(block)
            switch block {
            case .blockQuote(let inner): out += allBlocks(inner)
            case .list(_, _, let items): for item in items { out += allBlocks(item.blocks) }
            default: break
            }
        }
        return out
    }

    /// Level-2 headings, in order.
    public var sections: [String] {
        blocks.compactMap { block in
            if case .heading(2, let inlines) = block { return inlines.plainText.trimmed }
            return nil
        }
    }

    /// What the course asks of every lesson, beyond parsing: the required sections in order, an
    /// agenda of two to three hours, concepts, at least six checks with at least one evidence
    /// check, and one graded exercise.
    public var formatProblems: [String] {
        var problems: [String] = []
        let present = sections.map { $0.lowercased() }
        var positions: [Int] = []
        for section in Self.requiredSections {
            if let position = present.firstIndex(where: { $0.hasPrefix(section.lowercased()) }) {
                positions.append(position)
            } else {
                problems.append("no `## \(section)` section")
            }
        }
        if positions != positions.sorted() {
            problems.append("the sections are out of order; they go \(Self.requiredSections.joined(separator: ", "))")
        }
        if header.agenda.isEmpty { problems.append("the front matter has no agenda") }
        else if !(120...180).contains(agendaMinutes) { problems.append("the agenda adds up to \(agendaMinutes) minutes; a day is 120 to 180") }
        if header.concepts.isEmpty { problems.append("the front matter lists no concepts") }
        if checks.count < 6 { problems.append("\(checks.count) checks; a lesson has at least six") }
        if !checks.contains(where: \.isEvidence) { problems.append("no evidence check") }
        if exercises.isEmpty { problems.append("no exercise block (a graded exercise the learner writes)") }
        if steps.isEmpty { problems.append("no step block") }
        let stepIDs = Set(steps.map(\.id))
        for check in checks {
            if case .evidence(let conditions) = check.kind {
                for condition in conditions {
                    if let step = condition.stepID, !stepIDs.contains(step) {
                        problems.append("check \(check.id) runs step \(step), which the lesson has no step block for")
                    }
                }
            }
        }
        return problems
    }

    /// Total minutes of the agenda.
    public var agendaMinutes: Int { header.agenda.reduce(0) { $0 + $1.minutes } }
}
