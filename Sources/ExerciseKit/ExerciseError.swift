/// What an exercise's stub throws until the learner writes its body: the grader reports "not done
/// yet", never a crash.
public enum ExerciseError: Error, Equatable, Sendable {
    case notDone
}
