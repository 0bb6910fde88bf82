import Foundation
import WorkbookProtocol

/// Turns a lesson into the Markdown a learner reads: a title block with the agenda and concepts,
/// then the body with each step block replaced by the step's real source (quoted by anchors) and
/// each check block replaced by its question (never its answer).
public struct LessonView: Sendable {
    public var lesson: Lesson
    public var sourceRoot: URL?
    public var progress: DayProgress
    public var lookup: @Sendable (String) -> StepInfo?

    public init(lesson: Lesson, sourceRoot: URL?, progress: DayProgress = DayProgress(),
                lookup: @escaping @Sendable (String) -> StepInfo?) {
        self.lesson = lesson
        self.sourceRoot = sourceRoot
        self.progress = progress
        self.lookup = lookup
    }

    public func blocks() -> [MarkdownBlock] {
        var out = header()
        var counters = Counters()
        for block in lesson.blocks {
            out += transform(block, &counters)
        }
        return out
    }

    /// Step and check blocks appear in the body in the same order as in `lesson.steps` and
    /// `lesson.checks`, so they are matched by position.
    struct Counters { var step = 0, check = 0 }

    func header() -> [MarkdownBlock] {
        var out: [MarkdownBlock] = [
            .heading(level: 1, [.text("Day \(lesson.day): \(lesson.title)")]),
            .paragraph([.emphasis([.text("Week \(lesson.week) · about \(lesson.agendaMinutes) minutes · \(lesson.steps.count) steps · \(lesson.checks.count) checks")])]),
        ]
        if !lesson.header.agenda.isEmpty {
            out.append(.heading(level: 2, [.text("Agenda")]))
            out.append(.table(MarkdownTable(
                alignments: [.right, .left],
                header: [[.text("Min")], [.text("Activity")]],
                rows: lesson.header.agenda.map { [[.text("\($0.minutes)")], [.text($0.activity)]] }
            )))
        }
        if !lesson.header.concepts.isEmpty {
            out.append(.heading(level: 2, [.text("Concepts")]))
            out.append(.list(start: nil, tight: true, items: lesson.header.concepts.map { concept in
                var inlines: [MarkdownInline] = [.strong([.text(concept.id)]), .text(": " + concept.statement)]
                if let rating = progress.concepts[concept.id] {
                    inlines.append(.text(" "))
                    inlines.append(.emphasis([.text("(you rated: \(rating.rawValue))")]))
                }
                return MarkdownListItem(task: nil, blocks: [.paragraph(inlines)])
            }))
            out.append(.paragraph([.text("Rate yourself on each (solid / partial / need review) at the end of "), .code("workbook check \(lesson.day)"), .text(".")]))
        }
        return out
    }

    func transform(_ block: MarkdownBlock, _ counters: inout Counters) -> [MarkdownBlock] {
        switch block {
        case .codeBlock(let info, _, _):
            if StepBlock.stepID(info: info) != nil {
                counters.step += 1
                guard counters.step <= lesson.steps.count else { return [] }
                return stepBlocks(lesson.steps[counters.step - 1])
            }
            if let id = ExerciseBlock.exerciseID(info: info), let id, let exercise = lesson.exercises.first(where: { $0.id == id }) {
                return exerciseBlocks(exercise)
            }
            if info.trimmed == "check" {
                counters.check += 1
                guard counters.check <= lesson.checks.count else { return [] }
                return checkBlocks(lesson.checks[counters.check - 1], number: counters.check)
            }
            return [block]
        case .blockQuote(let inner):
            return [.blockQuote(inner.flatMap { transform($0, &counters) })]
        case .list(let start, let tight, let items):
            var transformed: [MarkdownListItem] = []
            for item in items {
                var blocks: [MarkdownBlock] = []
                for inner in item.blocks { blocks += transform(inner, &counters) }
                transformed.append(MarkdownListItem(task: item.task, blocks: blocks))
            }
            return [.list(start: start, tight: tight, items: transformed)]
        default:
            return [block]
        }
    }

    /// A step: its title, its source quoted from the package, how to run it, what to expect.
    public func stepBlocks(_ block: StepBlock) -> [MarkdownBlock] {
        guard let step = lookup(block.id) else {
            let why = block.pending ?? "it is not in the step registry"
            return [
                .heading(level: 3, [.text("Step "), .code(block.id)]),
                .blockQuote([.paragraph([.strong([.text("Not available yet:")]), .text(" step "), .code(block.id),
                                         .text(" has not landed in the toolkit (\(why)). "), .code("workbook run \(lesson.day)"),
                                         .text(" will run it once it exists.")])]),
            ] + expectationBlocks(block)
        }
        var out: [MarkdownBlock] = [.heading(level: 3, [.text("Step "), .code(block.id), .text(": " + step.title)])]
        switch quote(step) {
        case .success(let source):
            out.append(.paragraph([.emphasis([.text("From \(source.file), line \(source.firstLine):")])]))
            out.append(.codeBlock(info: "swift", code: source.code, line: 0))
        case .failure(let message):
            out.append(.blockQuote([.paragraph([.text("Source not shown: \(message)")])]))
        }
        let modes = step.modes.contains(.live) ? "simulated, or live with --live" : "simulated"
        out.append(.paragraph([.text("Run it: "), .code("workbook run \(lesson.day) --step \(block.id)"), .text(" (\(modes)).")]))
        if let record = progress.steps[block.id] {
            out.append(.paragraph([.emphasis([.text("Last run: \(record.outcome.rawValue) (\(record.mode.rawValue)).")])]))
        }
        return out + expectationBlocks(block)
    }

    /// An exercise: the file to write in and the commands that grade it.
    func exerciseBlocks(_ block: ExerciseBlock) -> [MarkdownBlock] {
        var out: [MarkdownBlock] = [
            .heading(level: 3, [.text("Exercise "), .code(block.id)]),
            .paragraph([.text("Write the function in "), .code(block.file), .text(" (its doc comment states the task). "),
                        .code("workbook exercise \(lesson.day)"), .text(" builds and grades it; "),
                        .code("workbook watch \(lesson.day)"), .text(" grades it again every time you save.")]),
        ]
        if let record = progress.exercises[block.id] {
            let state: String
            switch record.state {
            case .passed: state = "passed"
            case .notDone: state = "not done yet"
            case .failing: state = "failing on case \"\(record.failingCase ?? "?")\""
            }
            out.append(.paragraph([.emphasis([.text("Last graded: \(state).")])]))
        }
        return out
    }

    func expectationBlocks(_ block: StepBlock) -> [MarkdownBlock] {
        guard !block.expectations.isEmpty else { return [] }
        return [
            .paragraph([.text("What you should see:")]),
            .list(start: nil, tight: true, items: block.expectations.map {
                MarkdownListItem(task: nil, blocks: [.paragraph([.text($0.description)])])
            }),
        ]
    }

    public enum Quote { case success(StepSource), failure(String) }

    public func quote(_ step: StepInfo) -> Quote {
        guard let root = sourceRoot else { return .failure("the package sources (Sources/Lessons) were not found; set WORKBOOK_SOURCES") }
        do {
            return .success(try StepSource.extract(id: step.anchor, file: step.sourceFile, root: root))
        } catch {
            return .failure(error.description)
        }
    }

    /// A check as the lesson shows it: the question and choices, never the answer.
    func checkBlocks(_ check: Check, number: Int) -> [MarkdownBlock] {
        var title: [MarkdownInline] = [.strong([.text("Check \(number) of \(lesson.checks.count)")]), .text(" (\(check.kind.name))")]
        if let record = progress.checks[check.id] {
            title.append(.text(record.correct ? " — answered correctly" : " — not yet right"))
        }
        var out: [MarkdownBlock] = [.paragraph(title), .paragraph(Self.inlineMarkdown(check.question))]
        switch check.kind {
        case .choice(let choices, _):
            var lines: [MarkdownInline] = []
            for (index, choice) in choices.enumerated() {
                if index > 0 { lines.append(.lineBreak) }
                lines += [.text("\(choice.letter)) ")] + Self.inlineMarkdown(choice.text)
            }
            out.append(.paragraph(lines))
        case .shortAnswer:
            break
        case .record(let minimum):
            if let record = progress.checks[check.id], !record.answer.isEmpty {
                out.append(.paragraph([.emphasis([.text("Your answer:")]), .text(" " + record.answer)]))
            } else {
                out.append(.paragraph([.emphasis([.text("Write at least \(minimum) characters in your own words; workbook check saves them for the analysis.")])]))
            }
        case .evidence(let conditions):
            out.append(.paragraph([.text("The workbook will verify:")]))
            out.append(.list(start: nil, tight: true, items: conditions.map {
                MarkdownListItem(task: nil, blocks: [.paragraph([.text($0.description)])])
            }))
        }
        return [.blockQuote(out)]
    }

    /// Inline Markdown of a one-line text (questions may use `code` and *emphasis*).
    static func inlineMarkdown(_ text: String) -> [MarkdownInline] {
        if case .paragraph(let inlines)? = Markdown.parse(text).first { return inlines }
        return [.text(text)]
    }
}
