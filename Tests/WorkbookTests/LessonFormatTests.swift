import Foundation
import Testing
@testable import Workbook

@Suite struct LessonFormatTests {
    static let minimal = """
        ---
        day: 9
        week: 2
        title: A test lesson
        agenda:
          - 20 min: Reading
          - 40 minutes: Steps
        concepts:
          - one-thing: The first idea
        ---

        ## Reading

        Text.

        ```step some-step
        expect: file out.txt
        expect: fact answer = 42
        ```

        ```step later-step
        pending: lands with issue 99
        ```

        ```check
        id: q1
        question: Why?
        accept: because
        explain: Because.
        ```
        """

    @Test func parsesFrontMatterStepsAndChecks() throws {
        let lesson = try Lesson.parse(Self.minimal, path: "day09.md")
        #expect(lesson.day == 9)
        #expect(lesson.week == 2)
        #expect(lesson.title == "A test lesson")
        #expect(lesson.header.agenda == [AgendaItem(parsing: "20 min: Reading")!, AgendaItem(parsing: "40 minutes: Steps")!])
        #expect(lesson.agendaMinutes == 60)
        #expect(lesson.header.concepts.map(\.id) == ["one-thing"])
        #expect(lesson.steps.map(\.id) == ["some-step", "later-step"])
        #expect(lesson.steps[0].expectations == [.file("out.txt"), .fact(name: "answer", value: "42")])
        #expect(lesson.steps[0].pending == nil)
        #expect(lesson.steps[1].pending == "lands with issue 99")
        #expect(lesson.checks.map(\.id) == ["q1"])
        // Line numbers refer to the file, front matter included.
        #expect(lesson.steps[0].line == 16)
        #expect(lesson.checks[0].line == 25)
    }

    @Test func formatProblemsListWhatALessonLacks() throws {
        let lesson = try Lesson.parse(Self.minimal, path: "day09.md")
        let problems = lesson.formatProblems
        #expect(problems.contains("no `## Challenge` section"))
        #expect(problems.contains("1 checks; a lesson has at least six"))
        #expect(problems.contains("no evidence check"))
        #expect(problems.contains("no `## Warm-up` section"))
        #expect(problems.contains("no exercise block (a graded exercise the learner writes)"))
        #expect(problems.contains("the agenda adds up to 60 minutes; a day is 120 to 180"))
        #expect(!problems.contains("no `## Reading` section"))
    }

    @Test func sectionsOutOfOrderAreAProblem() throws {
        let text = Self.minimal.replacingOccurrences(of: "## Reading", with: "## Reading-later")
            + "\n## Warm-up\n\nThink first.\n\n## Reading\n\nText.\n"
        let lesson = try Lesson.parse(text, path: "day09.md")
        #expect(lesson.formatProblems.contains { $0.hasPrefix("the sections are out of order") })
    }

    @Test(arguments: [
        ("day: 3\n", 1, "starts with front matter"),
        ("---\nday: 3\nweek: 1\ntitle: x\n", 1, "not closed"),
        ("---\nday: three\nweek: 1\ntitle: x\n---\n", 2, "positive whole number"),
        ("---\nday: 3\nweek: 1\n---\n", 2, "needs `title:`"),
        ("---\nday: 3\nweek: 1\ntitle: x\nauthor: me\n---\n", 5, "unknown front matter key `author`"),
        ("---\nday: 3\nweek: 1\ntitle: x\nagenda:\n  - twenty min: a\n---\n", 6, "agenda item"),
        ("---\nday: 3\nweek: 1\ntitle: x\nconcepts:\n  - Bad Id: a\n---\n", 6, "a concept reads"),
        ("---\nday: 3\nweek: 1\ntitle: x\n---\n\n```step\n```\n", 7, "info string is `step <id>`"),
        ("---\nday: 3\nweek: 1\ntitle: x\n---\n\n```step a\nexpect: nonsense here\n```\n", 8, "unknown condition"),
        ("---\nday: 3\nweek: 1\ntitle: x\n---\n\n```step a\nrun: now\n```\n", 8, "a step block holds"),
        ("---\nday: 3\nweek: 1\ntitle: x\n---\n\n```check\nid: a\nquestion: q\nacept: x\nexplain: e\n```\n", 10, "unknown key `acept`"),
    ])
    func invalidLessonsNameTheLine(text: String, line: Int, message: String) {
        #expect {
            try Lesson.parse(text, path: "dayXX.md")
        } throws: { error in
            guard case .lessonInvalid(_, let actualLine, let reason) = error as? WorkbookError else { return false }
            return actualLine == line && reason.contains(message)
        }
    }

    @Test func stepSourceIsQuotedBetweenAnchors() throws {
        let text = """
            import Foundation

            struct Thing {
                // step: make-thing
                /// Makes a thing.
                func make() -> Int {
                    return 42
                }
                // end-step

                // step: other
                func other() {}
                // end-step
            }
            """
        let source = try StepSource.extract(id: "make-thing", file: "Thing.swift", text: text)
        #expect(source.firstLine == 5)
        #expect(source.code == "/// Makes a thing.\nfunc make() -> Int {\n    return 42\n}")
        #expect(throws: StepSource.Problem.startAnchorMissing(id: "missing", file: "Thing.swift")) {
            try StepSource.extract(id: "missing", file: "Thing.swift", text: text)
        }
        #expect(throws: StepSource.Problem.endAnchorMissing(id: "x", file: "T.swift", line: 1)) {
            try StepSource.extract(id: "x", file: "T.swift", text: "// step: x\nlet a = 1\n")
        }
        #expect(throws: StepSource.Problem.duplicateAnchor(id: "x", file: "T.swift", lines: [1, 4])) {
            try StepSource.extract(id: "x", file: "T.swift", text: "// step: x\nlet a = 1\n// end-step\n// step: x\n// end-step\n")
        }
        #expect(throws: StepSource.Problem.empty(id: "x", file: "T.swift")) {
            try StepSource.extract(id: "x", file: "T.swift", text: "// step: x\n\n// end-step\n")
        }
    }

    @Test func answersFile() throws {
        let lesson = try Lesson.parse(Self.minimal, path: "day09.md")
        let file = try AnswersFile.parse("# c\nq1: because\nconcept one-thing: need review\n", path: "a.txt", lesson: lesson)
        #expect(file.answers == ["q1": "because"])
        #expect(file.ratings == ["one-thing": .needReview])
        #expect(throws: WorkbookError.self) { try AnswersFile.parse("q2: x\n", path: "a.txt", lesson: lesson) }
        #expect(throws: WorkbookError.self) { try AnswersFile.parse("concept one-thing: great\n", path: "a.txt", lesson: lesson) }
        #expect(throws: WorkbookError.self) { try AnswersFile.parse("just text\n", path: "a.txt", lesson: lesson) }
    }
}
