import Foundation

/// Answers for `workbook check N --answers FILE`, for scripting:
///
///     # Day 3
///     uri-san: b
///     default-ttl: 60m
///     concept uri-san: solid
///     concept short-ttl: need review
///
/// One `<check-id>: <answer>` per line; `concept <id>: <solid|partial|need review>` rates a
/// concept. Blank lines and `#` comments are ignored. Evidence checks need no line: they look at
/// the workspace. An id the lesson does not have is an error, so a typo is not silently ignored.
public struct AnswersFile: Sendable, Equatable {
    public var answers: [String: String] = [:]
    public var ratings: [String: ConceptRating] = [:]

    public static func load(_ url: URL, lesson: Lesson) throws(WorkbookError) -> AnswersFile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .fileProblem(path: url.path, reason: "cannot read the answers file")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: url.path, lesson: lesson)
    }

    public static func parse(_ text: String, path: String, lesson: Lesson) throws(WorkbookError) -> AnswersFile {
        var file = AnswersFile()
        let checkIDs = Set(lesson.checks.map(\.id))
        let conceptIDs = Set(lesson.header.concepts.map(\.id))
        var firstLine: [String: Int] = [:]
        for (index, raw) in text.normalizingLineEndings.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw).trimmed
            let number = index + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw .answersFileInvalid(path: path, line: number, reason: "expected `<check-id>: <answer>` or `concept <id>: <rating>`")
            }
            let key = String(line[..<colon]).trimmed
            let value = String(line[line.index(after: colon)...]).trimmed
            if key.hasPrefix("concept ") {
                let id = String(key.dropFirst("concept ".count)).trimmed
                guard conceptIDs.contains(id) else {
                    throw .answersFileInvalid(path: path, line: number, reason: "Day \(lesson.day) has no concept `\(id)` (concepts: \(lesson.header.concepts.map(\.id).joined(separator: ", ")))")
                }
                if let earlier = firstLine["concept " + id] {
                    throw .answersFileInvalid(path: path, line: number, reason: "concept `\(id)` is already rated on line \(earlier); keep one of the two")
                }
                firstLine["concept " + id] = number
                guard let rating = ConceptRating(answer: value) else {
                    throw .answersFileInvalid(path: path, line: number, reason: "a rating is solid, partial or need review, not `\(value)`")
                }
                file.ratings[id] = rating
            } else {
                guard checkIDs.contains(key) else {
                    throw .answersFileInvalid(path: path, line: number, reason: "Day \(lesson.day) has no check `\(key)` (checks: \(lesson.checks.map(\.id).joined(separator: ", ")))")
                }
                // Two answers to one check: which one counts would be a guess, so say so.
                if let earlier = firstLine[key] {
                    throw .answersFileInvalid(path: path, line: number, reason: "check `\(key)` is already answered on line \(earlier); keep one of the two")
                }
                firstLine[key] = number
                file.answers[key] = value
            }
        }
        return file
    }
}
