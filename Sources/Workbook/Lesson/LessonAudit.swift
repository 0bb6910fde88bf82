import Foundation
import WorkbookProtocol

/// The drift checks: does a lesson still agree with the code it quotes and runs?
///
/// Used by the drift test over every file in `days/`; kept in the library so the rules are
/// written once and can be tested on made-up lessons.
public struct LessonAudit: Sendable {
    public var sourceRoot: URL
    public var lookup: @Sendable (String) -> StepInfo?

    public init(sourceRoot: URL, lookup: @escaping @Sendable (String) -> StepInfo?) {
        self.sourceRoot = sourceRoot
        self.lookup = lookup
    }

    /// Problems with the step blocks: a registered step whose anchors are missing, or a step id
    /// that is neither registered nor declared `pending:` (a probable typo).
    public func stepProblems(_ lesson: Lesson) -> [String] {
        var problems: [String] = []
        for block in lesson.steps {
            if let step = lookup(block.id) {
                do {
                    _ = try StepSource.extract(id: step.anchor, file: step.sourceFile, root: sourceRoot)
                } catch {
                    problems.append("day \(lesson.day), line \(block.line): step \(block.id): \(error)")
                }
            } else if block.pending == nil {
                problems.append("day \(lesson.day), line \(block.line): step \(block.id) is not registered and not declared `pending:` (a typo?)")
            }
        }
        return problems
    }

    /// Renders the lesson at `width` and returns the prose lines that do not fit. Code blocks are
    /// left out of the measurement (code is never wrapped), and so is a line holding one word
    /// that is itself longer than the width (a long URL), which may overflow by design.
    public func overflowingLines(_ lesson: Lesson, width: Int) -> [String] {
        let view = LessonView(lesson: lesson, sourceRoot: sourceRoot, lookup: lookup)
        let prose = Self.removingCode(view.blocks())
        let text = TerminalRenderer.plain(width: width).render(prose)
        return text.split(separator: "\n").map(String.init).filter { line in
            guard line.count > width else { return false }
            // The wrapper only lets a line overflow when it holds a single unbreakable token
            // (a word, a code span, a URL) after its indentation and list or quote markers.
            let token = line.drop { " >*|.0123456789".contains($0) }
            // Code spans may hold spaces and are still one token: blank them out first.
            var withoutCode = ""
            var inCode = false
            for character in token {
                if character == "`" { inCode.toggle(); withoutCode.append("x") } else if !inCode { withoutCode.append(character) }
            }
            let single = !withoutCode.contains(" ")
            return !single
        }
    }

    static func removingCode(_ blocks: [MarkdownBlock]) -> [MarkdownBlock] {
        blocks.compactMap { block in
            switch block {
            case .codeBlock: return nil
            case .blockQuote(let inner): return .blockQuote(removingCode(inner))
            case .list(let start, let tight, let items):
                return .list(start: start, tight: tight, items: items.map {
                    MarkdownListItem(task: $0.task, blocks: removingCode($0.blocks))
                })
            default: return block
            }
        }
    }
}
