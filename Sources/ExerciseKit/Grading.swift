import Foundation

/// One line of the grader's report, as JSON: a case about to run, a case's result, or the end.
///
/// The "start" line goes out (flushed) before the learner's code runs, so that when that code
/// traps or never returns, the workbook, which runs the grader as a child process with a time
/// limit, still knows which case it was.
public struct GradingEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case start, result, end }
    public var kind: Kind
    public var exercise: String
    public var name: String?
    public var expected: String?
    /// "passed", "failed" or "notDone" for a result; for the end, "passed" when every case did.
    public var outcome: String?
    public var got: String?

    public init(kind: Kind, exercise: String, name: String? = nil, expected: String? = nil, outcome: String? = nil, got: String? = nil) {
        self.kind = kind
        self.exercise = exercise
        self.name = name
        self.expected = expected
        self.outcome = outcome
        self.got = got
    }
}

public enum Grading {
    /// Runs `cases` in order, reporting each, and stops at the first that does not pass: like
    /// rustlings, the learner sees one thing to fix at a time.
    public static func run(_ exercise: String, _ cases: [GradingCase], report: (GradingEvent) -> Void) -> GradingCase.Outcome {
        for gradingCase in cases {
            report(GradingEvent(kind: .start, exercise: exercise, name: gradingCase.name))
            let outcome = gradingCase()
            switch outcome {
            case .passed:
                report(GradingEvent(kind: .result, exercise: exercise, name: gradingCase.name, expected: gradingCase.expected, outcome: "passed"))
            case .notDone:
                report(GradingEvent(kind: .result, exercise: exercise, name: gradingCase.name, expected: gradingCase.expected, outcome: "notDone"))
                report(GradingEvent(kind: .end, exercise: exercise, outcome: "notDone"))
                return outcome
            case .failed(let got):
                report(GradingEvent(kind: .result, exercise: exercise, name: gradingCase.name, expected: gradingCase.expected, outcome: "failed", got: got))
                report(GradingEvent(kind: .end, exercise: exercise, outcome: "failed"))
                return outcome
            }
        }
        report(GradingEvent(kind: .end, exercise: exercise, outcome: "passed"))
        return .passed
    }
}
