import FuzzSupport
import Workbook

// Lesson files (days/README.md's format): front matter, step, exercise and check blocks, and the
// Markdown around them. Parsed or refused with a WorkbookError, and any Markdown renders for a
// terminal at any depth of nesting (a list ~900 deep once overflowed the stack: issue 19, item 5).
let renderer = TerminalRenderer.plain(width: 80)

runFuzzer { bytes in
    let input = text(bytes)
    _ = try? Lesson.parse(input, path: "fuzz.md")
    _ = renderer.render(Markdown.parse(input))
}
