/// One case the grader runs against the learner's function: a name the learner sees when it
/// fails, what was expected, and what came back.
public struct GradingCase: Sendable {
    public let name: String
    public let expected: String
    let run: @Sendable () -> Outcome

    public enum Outcome: Sendable, Equatable {
        case passed
        /// The function answered, wrongly: what it gave.
        case failed(got: String)
        /// The function still throws `ExerciseError.notDone`.
        case notDone
    }

    public init(name: String, expected: String, run: @escaping @Sendable () -> Outcome) {
        self.name = name
        self.expected = expected
        self.run = run
    }

    public func callAsFunction() -> Outcome { run() }
}

/// An exercise the workbook grades: where the learner writes it, and the hints it gives on request.
public struct Exercise: Sendable, Equatable {
    public let id: String
    public let day: Int
    public let title: String
    /// The file the learner edits, relative to the package root.
    public let file: String
    public let hints: [String]
}
