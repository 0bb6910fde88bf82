import Foundation

/// A ```` ```exercise <id> ```` block of a lesson: a function the learner writes in their clone,
/// graded by the exercise grader against cases they do not see.
///
///     ```exercise leaf-key-usage
///     file: Sources/Exercises/LeafKeyUsage.swift
///     ```
public struct ExerciseBlock: Sendable, Equatable {
    public var id: String
    /// The file the learner edits, relative to the checkout.
    public var file: String
    public var line: Int

    /// The id from an info string `exercise <id>`; nil when the block is no exercise block, and
    /// `.some(nil)` when it is one without a single id.
    static func exerciseID(info: String) -> String?? {
        let words = info.split(separator: " ").map(String.init)
        guard words.first == "exercise" else { return nil }
        guard words.count == 2 else { return .some(nil) }
        return .some(words[1])
    }

    public static func parse(id: String, body: String, line blockLine: Int) throws(StepBlock.ParseError) -> ExerciseBlock {
        var file: String?
        for (index, raw) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("file:") else {
                throw StepBlock.ParseError(line: blockLine + 1 + index, reason: "an exercise block holds one `file: <path>` line, not `\(line)`")
            }
            let path = String(line.dropFirst("file:".count)).trimmed
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains(".."), path.hasSuffix(".swift") else {
                throw StepBlock.ParseError(line: blockLine + 1 + index, reason: "`file:` is a .swift file of the checkout, e.g. Sources/Exercises/LeafKeyUsage.swift")
            }
            file = path
        }
        guard let file else { throw StepBlock.ParseError(line: blockLine, reason: "an exercise block needs `file: <path>`") }
        return ExerciseBlock(id: id, file: file, line: blockLine)
    }
}
