import Foundation
import FuzzSupport
import Workbook

// Answers files (`<check-id>: <answer>`, `concept <id>: <rating>`), for a lesson with checks of
// every kind; parsed or refused with the line that is wrong, then graded.
let lesson = try! Lesson.parse(String(decoding: FileManager.default.contents(atPath: ProcessInfo.processInfo.environment["FUZZ_LESSON"] ?? "days/day06.md") ?? Data(), as: UTF8.self), path: "lesson.md")

runFuzzer { bytes in
    guard let answers = try? AnswersFile.parse(text(bytes), path: "answers.txt", lesson: lesson) else { return }
    for check in lesson.checks {
        if let answer = answers.answers[check.id] { _ = check.grade(answer) }
    }
}
