import Foundation

/// Everything that can stop the workbook, each with a one-line message a learner can act on.
public enum WorkbookError: Error, Equatable, Sendable, CustomStringConvertible {
    case daysDirectoryNotFound(searched: [String])
    case noSuchDay(Int, available: [Int])
    case lessonUnreadable(path: String, reason: String)
    case lessonInvalid(path: String, line: Int, reason: String)
    case progressDamaged(path: String, reason: String)
    case progressFromNewerWorkbook(path: String, format: Int)
    case fileProblem(path: String, reason: String)
    case answersFileInvalid(path: String, line: Int, reason: String)
    case unknownStepInLesson(day: Int, step: String)
    case unknownCheck(day: Int, check: String, known: [String])
    case liveEndpointUnavailable(String)
    case kernelUnavailable(KernelError)
    case stepCatalogUnreadable(String)
    case noExercises(day: Int)
    case sourcesNotFound
    case unknownAnalysisPart(String, known: [String])
    case cancelled

    public var description: String {
        switch self {
        case .daysDirectoryNotFound(let searched):
            return "cannot find the lessons (a days/ directory with day03.md); looked in: "
                + searched.joined(separator: ", ") + ". Set WORKBOOK_DAYS to the days/ directory."
        case .noSuchDay(let day, let available):
            let list = available.map(String.init).joined(separator: ", ")
            return "there is no lesson for day \(day); lessons exist for days \(list)"
        case .lessonUnreadable(let path, let reason):
            return "cannot read lesson \(path): \(reason)"
        case .lessonInvalid(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .progressDamaged(let path, let reason):
            // Offer the backup only when there is one to restore.
            let backup = path + ".bak"
            let restore = FileManager.default.fileExists(atPath: backup) ? ", or restore the backup \(backup)" : ""
            return "the progress file \(path) is damaged (\(reason)); it was left untouched: fix it by hand\(restore)"
        case .progressFromNewerWorkbook(let path, let format):
            return "the progress file \(path) has format \(format), newer than this workbook understands; update the workbook"
        case .fileProblem(let path, let reason):
            return "\(path): \(reason)"
        case .answersFileInvalid(let path, let line, let reason):
            return "\(path):\(line): \(reason)"
        case .unknownStepInLesson(let day, let step):
            return "day \(day) has no step '\(step)'"
        case .unknownCheck(let day, let check, let known):
            return "day \(day) has no check '\(check)' (its checks: \(known.joined(separator: ", ")))"
        case .kernelUnavailable(let error):
            return error.description
        case .noExercises(let day):
            return "Day \(day) has no exercise to write (Days 3 and 14 have one)"
        case .sourcesNotFound:
            return "the checkout's sources were not found, so exercises cannot be built; run the workbook from the checkout or set WORKBOOK_SOURCES"
        case .stepCatalogUnreadable(let problem):
            return "the step registry the workbook reads cannot be used: \(problem) (scripts/generate-step-registry writes it)"
        case .liveEndpointUnavailable(let reason):
            return reason
        case .unknownAnalysisPart(let name, let known):
            return "the analysis has no part '\(name)' (its parts: \(known.joined(separator: ", ")))"
        case .cancelled:
            return "cancelled; nothing was changed"
        }
    }
}
