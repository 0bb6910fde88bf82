import Foundation

/// The Swift source a lesson quotes for a step: the lines between `// step: <id>` and the next
/// `// end-step` in the step's source file. Quoting the real file means the lesson text cannot
/// drift from the code that runs.
public struct StepSource: Sendable, Equatable {
    /// Path relative to the package root.
    public var file: String
    /// 1-based line number of the first quoted line.
    public var firstLine: Int
    /// The quoted lines, with their common indentation removed.
    public var code: String

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case fileMissing(String)
        case startAnchorMissing(id: String, file: String)
        case endAnchorMissing(id: String, file: String, line: Int)
        case duplicateAnchor(id: String, file: String, lines: [Int])
        case empty(id: String, file: String)

        public var description: String {
            switch self {
            case .fileMissing(let file):
                return "source file \(file) does not exist"
            case .startAnchorMissing(let id, let file):
                return "\(file) has no `// step: \(id)` anchor"
            case .endAnchorMissing(let id, let file, let line):
                return "\(file):\(line): `// step: \(id)` is not closed by `// end-step`"
            case .duplicateAnchor(let id, let file, let lines):
                return "\(file) has `// step: \(id)` more than once (lines \(lines.map(String.init).joined(separator: ", ")))"
            case .empty(let id, let file):
                return "\(file): the anchors of step \(id) enclose no code"
            }
        }
    }

    /// Extracts the source of step `id` from `file` (relative to `root`).
    public static func extract(id: String, file: String, root: URL) throws(Problem) -> StepSource {
        let url = root.appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .fileMissing(file) }
        return try extract(id: id, file: file, text: String(decoding: data, as: UTF8.self))
    }

    public static func extract(id: String, file: String, text: String) throws(Problem) -> StepSource {
        let lines = text.normalizingLineEndings.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let starts = lines.indices.filter { Self.anchorID(lines[$0]) == id }
        guard let start = starts.first else { throw .startAnchorMissing(id: id, file: file) }
        guard starts.count == 1 else { throw .duplicateAnchor(id: id, file: file, lines: starts.map { $0 + 1 }) }
        guard let end = lines[(start + 1)...].firstIndex(where: { $0.trimmed == "// end-step" }) else {
            throw .endAnchorMissing(id: id, file: file, line: start + 1)
        }
        let body = Array(lines[(start + 1)..<end])
        guard body.contains(where: { !$0.trimmed.isEmpty }) else { throw .empty(id: id, file: file) }
        let indent = body.filter { !$0.trimmed.isEmpty }
            .map { $0.prefix(while: { $0 == " " }).count }
            .min() ?? 0
        let code = body.map { $0.trimmed.isEmpty ? "" : String($0.dropFirst(indent)) }.joined(separator: "\n")
        return StepSource(file: file, firstLine: start + 2, code: code)
    }

    /// The id of a `// step: <id>` anchor line, if the line is one.
    static func anchorID(_ line: String) -> String? {
        let trimmed = line.trimmed
        guard trimmed.hasPrefix("// step:") else { return nil }
        let id = String(trimmed.dropFirst("// step:".count)).trimmed
        return id.isEmpty ? nil : id
    }
}
