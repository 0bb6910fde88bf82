import Foundation
import WorkbookProtocol

/// The learner's progress, kept in `<workspace>/progress.json` (pretty-printed JSON with sorted
/// keys, so it reads and diffs well and can be fixed by hand).
public struct WorkbookProgress: Codable, Sendable, Equatable {
    /// Bumped when the layout changes incompatibly; a newer file is refused, never rewritten.
    public static let currentFormat = 1

    public var format: Int = WorkbookProgress.currentFormat
    /// The day the learner worked on last: `workbook` alone resumes here.
    public var lastDay: Int?
    /// Keyed `day03`, `day14`, … (JSON object keys are strings).
    public var days: [String: DayProgress] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case format, lastDay = "last_day", days
    }

    public static func key(_ day: Int) -> String { String(format: "day%02d", day) }

    public func day(_ day: Int) -> DayProgress { days[Self.key(day)] ?? DayProgress() }

    public mutating func update(_ day: Int, now: Date, _ change: (inout DayProgress) -> Void) {
        var record = self.day(day)
        change(&record)
        record.lastActivity = now
        days[Self.key(day)] = record
        lastDay = day
    }
}

public struct DayProgress: Codable, Sendable, Equatable {
    public var lastActivity: Date?
    public var viewed: Bool = false
    public var steps: [String: StepRecord] = [:]
    public var checks: [String: CheckRecord] = [:]
    public var concepts: [String: ConceptRating] = [:]
    /// Checks whose hint the learner has seen.
    public var hintsShown: [String] = []
    /// The day's exercises, by id, as last graded.
    public var exercises: [String: ExerciseRecord] = [:]

    public init() {}

    public var isEmpty: Bool { self == DayProgress() }

    enum CodingKeys: String, CodingKey {
        case lastActivity = "last_activity", viewed, steps, checks, concepts, hintsShown = "hints_shown", exercises
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lastActivity = try container.decodeIfPresent(Date.self, forKey: .lastActivity)
        viewed = try container.decodeIfPresent(Bool.self, forKey: .viewed) ?? false
        steps = try container.decodeIfPresent([String: StepRecord].self, forKey: .steps) ?? [:]
        checks = try container.decodeIfPresent([String: CheckRecord].self, forKey: .checks) ?? [:]
        concepts = try container.decodeIfPresent([String: ConceptRating].self, forKey: .concepts) ?? [:]
        hintsShown = try container.decodeIfPresent([String].self, forKey: .hintsShown) ?? []
        exercises = try container.decodeIfPresent([String: ExerciseRecord].self, forKey: .exercises) ?? [:]
    }

    /// Empty collections are left out, so the file stays short and readable.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(lastActivity, forKey: .lastActivity)
        if viewed { try container.encode(viewed, forKey: .viewed) }
        if !steps.isEmpty { try container.encode(steps, forKey: .steps) }
        if !checks.isEmpty { try container.encode(checks, forKey: .checks) }
        if !concepts.isEmpty { try container.encode(concepts, forKey: .concepts) }
        if !hintsShown.isEmpty { try container.encode(hintsShown, forKey: .hintsShown) }
        if !exercises.isEmpty { try container.encode(exercises, forKey: .exercises) }
    }
}

public struct StepRecord: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        case passed
        /// It ran, but an expectation did not hold.
        case unexpected
        case failed
        case unavailable
    }
    public var outcome: Outcome
    public var mode: RunMode
    public var at: Date
    /// The facts the step reported (never keys: steps report paths and IDs, not secrets).
    public var facts: [String: String]
    public var message: String?

    public init(outcome: Outcome, mode: RunMode, at: Date, facts: [String: String] = [:], message: String? = nil) {
        self.outcome = outcome
        self.mode = mode
        self.at = at
        self.facts = facts
        self.message = message
    }
}

public struct CheckRecord: Codable, Sendable, Equatable {
    public var correct: Bool
    /// The learner's last answer (for evidence checks: a summary of what was found).
    public var answer: String
    public var attempts: Int
    public var at: Date

    public init(correct: Bool, answer: String, attempts: Int, at: Date) {
        self.correct = correct
        self.answer = answer
        self.attempts = attempts
        self.at = at
    }
}

/// The course's self-rating of a concept.
public enum ConceptRating: String, Codable, Sendable, CaseIterable {
    case solid
    case partial
    case needReview = "need review"

    /// Accepts `solid`, `s`, `partial`, `p`, `need review`, `need-review`, `n`.
    public init?(answer: String) {
        switch answer.trimmed.lowercased().replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "_", with: " ") {
        case "solid", "s": self = .solid
        case "partial", "p": self = .partial
        case "need review", "needs review", "n", "review": self = .needReview
        default: return nil
        }
    }
}

/// Where a day stands, derived from progress and the lesson.
public enum DayState: String, Sendable, Codable {
    case notStarted = "not started"
    case started
    /// Every check answered correctly and every exercise passed.
    case done
}

extension WorkbookProgress {
    public func state(of lesson: Lesson) -> DayState {
        let record = day(lesson.day)
        if !lesson.checks.isEmpty && lesson.checks.allSatisfy({ record.checks[$0.id]?.correct == true })
            && lesson.exercises.allSatisfy({ record.exercises[$0.id]?.state == .passed }) {
            return .done
        }
        return record.isEmpty ? .notStarted : .started
    }
}

/// An exercise as last graded: not done yet, failing on a named case, or passed.
public struct ExerciseRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// The stub is untouched (it still throws .notDone), or it does not build.
        case notDone = "not_done"
        case failing
        case passed
    }
    public var state: State
    /// The case it failed on (or crashed or hung in), when failing.
    public var failingCase: String?
    public var at: Date
    /// A digest of the file as graded (`ExerciseGrader.digest`), so `check` can trust a pass
    /// only while the file is unchanged. Absent in progress files from before it existed.
    public var digest: String?

    public init(state: State, failingCase: String? = nil, at: Date, digest: String? = nil) {
        self.state = state
        self.failingCase = failingCase
        self.at = at
        self.digest = digest
    }

    enum CodingKeys: String, CodingKey {
        case state, failingCase = "failing_case", at, digest
    }
}
