import Foundation
import Lessons
import Testing
import TestSupport
import WorkbookProtocol
@testable import Workbook

/// The runner and checks against a registry of test steps, in a scratch checkout.
@Suite struct RunnerTests {
    struct Boom: Error, CustomStringConvertible { var description: String { "the CA is on fire" } }

    static let steps: [Step] = [
        Step(id: "fake-write", title: "Write a file", sourceFile: "Sources/Lessons/Fake/Fake.swift", modes: [.simulated]) { context in
            let url = context.workspace.appendingPathComponent("out.txt")
            try Data("hello\n".utf8).write(to: url)
            chmod(url.path, 0o600)
            return StepOutput(lines: ["wrote out.txt", "mode: \(context.mode.rawValue)"], facts: ["answer": "42", "path": url.path])
        },
        Step(id: "fake-fail", title: "Fail", sourceFile: "Sources/Lessons/Fake/Fake.swift") { _ in throw Boom() },
        Step(id: "fake-unavailable", title: "Not yet", sourceFile: "Sources/Lessons/Fake/Fake.swift") { _ in
            throw StepUnavailable(stepID: "fake-unavailable", reason: "needs the agent")
        },
    ]

    static let lesson = """
        ---
        day: 5
        week: 1
        title: Fake day
        agenda:
          - 10 min: Everything
        concepts:
          - alpha: The first letter
          - beta: The second letter
        ---

        ## Reading

        Words.

        ## Steps

        ```step fake-write
        expect: file out.txt
        expect: mode out.txt 0600
        expect: fact answer = 42
        expect: output contains wrote out.txt
        ```

        ```step fake-pending
        pending: lands with issue 42
        ```

        ## Challenge

        Do it.

        ## Checks

        ```check
        id: pick
        question: Pick b.
        choices:
          a) not this
          b) this
        answer: b
        hint: It is b.
        explain: Because b.
        ```

        ```check
        id: ttl
        question: How long?
        accept: 1h
        match: duration
        explain: One hour.
        ```

        ```check
        id: word
        question: Say critical.
        accept: critical
        explain: Critical.
        ```

        ```check
        id: number
        question: How many bytes at most?
        accept: 2048
        match: number
        explain: 2048.
        ```

        ```check
        id: disk
        question: The step wrote its file.
        evidence: file out.txt
        evidence: mode out.txt 0600
        explain: It did.
        ```

        ## Resources

        - <https://spiffe.io/>
        """

    /// A scratch checkout with days/day05.md and the quoted source file, and an app on it.
    struct Fixture {
        var root: URL
        var app: WorkbookApp
        var console: RecordingConsole

        init(answers: [String] = [], interactive: Bool = false, steps: [Step] = RunnerTests.steps, lesson: String = RunnerTests.lesson) throws {
            root = try TestSupport.makeTempDirectory()
            try FileManager.default.createDirectory(at: root.appendingPathComponent("days"), withIntermediateDirectories: true)
            try lesson.write(to: root.appendingPathComponent("days/day05.md"), atomically: true, encoding: .utf8)
            let sources = root.appendingPathComponent("Sources/Lessons/Fake")
            try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
            try "enum Fake {\n    // step: fake-write\n    static func write() {}\n    // end-step\n}\n"
                .write(to: sources.appendingPathComponent("Fake.swift"), atomically: true, encoding: .utf8)
            console = RecordingConsole(answers: answers, interactive: interactive)
            let paths = WorkbookPaths(days: root.appendingPathComponent("days"), sourceRoot: root,
                                      workspace: root.appendingPathComponent("workspace"))
            app = WorkbookApp(paths: paths, console: console, style: .plain80, runner: .inProcess(steps))
        }

        func progress() throws -> WorkbookProgress { try ProgressStore(file: app.paths.progressFile).load() }
    }

    @Test func runQuotesSourceRunsStepsAndExplainsPendingOnes() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let summary = try await fixture.app.run(day: 5, step: nil, live: false)
        #expect(summary.passed == ["fake-write"])
        #expect(summary.unavailable == ["fake-pending"])
        #expect(!summary.allPassed)
        let out = fixture.console.stdout
        #expect(out.contains("Sources/Lessons/Fake/Fake.swift, line 3:"))
        #expect(out.contains("| static func write() {}"))
        #expect(out.contains("output [simulated]:"))
        #expect(out.contains("| wrote out.txt"))
        #expect(out.contains("[ok] out.txt has mode 0600"))
        #expect(out.contains("[ok] fake-write ran as expected [simulated]"))
        #expect(out.contains("fake-pending: not available yet — step fake-pending is not available yet: lands with issue 42"))
        #expect(out.contains("1 of 2 steps ran as expected (simulated); not available yet: fake-pending"))

        let record = try fixture.progress().day(5)
        #expect(record.steps["fake-write"]?.outcome == .passed)
        #expect(record.steps["fake-write"]?.mode == .simulated)
        #expect(record.steps["fake-write"]?.facts["answer"] == "42")
        #expect(record.steps["fake-pending"]?.outcome == .unavailable)
    }

    @Test func unmetExpectationsAndFailuresAreReported() async throws {
        let lesson = Self.lesson
            .replacingOccurrences(of: "expect: fact answer = 42", with: "expect: fact answer = 41")
            .replacingOccurrences(of: "```step fake-pending\n    pending: lands with issue 42", with: "```step fake-fail")
            .replacingOccurrences(of: "```step fake-pending\npending: lands with issue 42", with: "```step fake-fail")
        let fixture = try Fixture(lesson: lesson)
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let summary = try await fixture.app.run(day: 5, step: nil, live: false)
        #expect(summary.failed == ["fake-write", "fake-fail"])
        let out = fixture.console.stdout
        #expect(out.contains("[FAIL] answer is 41 — answer is 42, expected 41"))
        #expect(out.contains("[FAIL] fake-fail failed [simulated]: the CA is on fire"))
        #expect(try fixture.progress().day(5).steps["fake-write"]?.outcome == .unexpected)
    }

    @Test func aSingleStepAndAnUnknownStep() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let summary = try await fixture.app.run(day: 5, step: "fake-write", live: false)
        #expect(summary.passed == ["fake-write"] && summary.allPassed)
        await #expect(throws: WorkbookError.self) { try await fixture.app.run(day: 5, step: "nope", live: false) }
        await #expect(throws: WorkbookError.noSuchDay(6, available: [5])) { try await fixture.app.run(day: 6, step: nil, live: false) }
    }

    @Test func liveWithoutAnEndpointSaysSoInOneLine() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        await #expect {
            try await fixture.app.run(day: 5, step: nil, live: true)
        } throws: { error in
            guard case .liveEndpointUnavailable(let message) = error as? WorkbookError else { return false }
            return message.contains("SPIFFE_ENDPOINT_SOCKET is not set") && message.contains("without --live") && !message.contains("\n")
        }
        // On a terminal the learner is offered the simulated mode instead.
        let interactive = try Fixture(answers: ["y"], interactive: true)
        defer { try? FileManager.default.removeItem(at: interactive.root) }
        let summary = try await interactive.app.run(day: 5, step: "fake-write", live: true)
        #expect(summary.mode == .simulated && summary.allPassed)
        #expect(interactive.console.stderr.contains("SPIFFE_ENDPOINT_SOCKET is not set"))
        #expect(interactive.console.stdout.contains("Run in simulated mode instead"))
    }

    @Test func checkGradesExplainsAndRecordsRatings() async throws {
        // pick: wrong, ttl: 60m (right), word: hint then right, number: skipped, disk: verify.
        let fixture = try Fixture(answers: ["a", "60m", "?", "CRITICAL", "", "", "s", "x", "need review"], interactive: true)
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        _ = try await fixture.app.run(day: 5, step: "fake-write", live: false)
        let summary = try await fixture.app.check(day: 5, answersFile: nil, live: false, all: false)
        #expect(summary.right == 3)
        #expect(summary.wrong == 1)
        #expect(summary.skipped == 1)
        #expect(!summary.allRight)
        let out = fixture.console.stdout
        #expect(out.contains("[FAIL] Not quite — you answered \"a\"; the answer is b) this."))
        #expect(out.contains("Hint: no hint for this one; the Reading section covers it."))
        #expect(out.contains("[ok] Right. Critical."))
        #expect(out.contains("[ok] out.txt has mode 0600"))
        #expect(out.contains("(type s, p or n)"))
        let record = try fixture.progress().day(5)
        #expect(record.checks["pick"]?.correct == false)
        #expect(record.checks["ttl"]?.correct == true)
        #expect(record.checks["number"] == nil)
        #expect(record.checks["disk"]?.correct == true)
        #expect(record.concepts == ["alpha": .solid, "beta": .needReview])
        #expect(record.hintsShown == ["word"])

        // A second round asks only what is not yet right.
        let again = try Fixture(answers: [], interactive: true)
        defer { try? FileManager.default.removeItem(at: again.root) }
        let second = WorkbookApp(paths: fixture.app.paths, console: RecordingConsole(answers: ["b", "2,048"]), style: .plain80, runner: fixture.app.runner)
        let result = try await second.check(day: 5, answersFile: nil, live: false, all: false)
        #expect(result.right == 2 && result.allRight)
        #expect(!(second.console as! RecordingConsole).stdout.contains("How long?"))
    }

    static let recordLesson = lesson.replacingOccurrences(of: """
        ```check
        id: disk
        """, with: """
        ```check
        id: summary
        question: In one sentence, why?
        record: at least 40 characters
        explain: A good sentence says who vouches for the workload.
        ```

        ```check
        id: disk
        """)

    @Test func aRecordCheckKeepsTheLearnersWordsAndTheirEarlierVersion() async throws {
        let fixture = try Fixture(answers: ["b", "1h", "critical", "2048",
                                            "SPIFFE replaces shared secrets", "with identities the agent attests.", "",
                                            "s", "", ""], interactive: true, lesson: Self.recordLesson)
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let summary = try await fixture.app.check(day: 5, answersFile: nil, live: false, all: false)
        #expect(summary.right == 5, "\(fixture.console.stdout)")
        let records = RecordedAnswers(directory: fixture.app.paths.dayDirectory(5))
        #expect(records.answer("summary") == "SPIFFE replaces shared secrets\nwith identities the agent attests.")
        #expect(try fixture.progress().day(5).checks["summary"]?.correct == true)

        // Asked again: the saved answer is shown first; a too-short one is saved but not right,
        // and the earlier answer is kept in records/history/.
        let again = WorkbookApp(paths: fixture.app.paths, console: RecordingConsole(answers: ["b", "1h", "critical", "2048", "Because.", "", "s"], interactive: true),
                                style: .plain80, runner: fixture.app.runner)
        let second = try await again.check(day: 5, answersFile: nil, live: false, all: true)
        let out = (again.console as! RecordingConsole).stdout
        #expect(out.contains("Your saved answer:"), "\(out)")
        #expect(out.contains("with identities the agent attests."))
        #expect(out.contains("Not yet — 8 characters; write at least 40."), "\(out)")
        #expect(second.wrong >= 1)
        #expect(records.answer("summary") == "Because.")
        let history = try FileManager.default.contentsOfDirectory(atPath: records.folder.appendingPathComponent("history").path)
        #expect(history.count == 1 && history[0].hasPrefix("summary."), "\(history)")
        let kept = try String(contentsOf: records.folder.appendingPathComponent("history").appendingPathComponent(history[0]), encoding: .utf8)
        #expect(kept.contains("with identities the agent attests."))
    }

    @Test func evidenceFailsBeforeTheStepRan() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let answers = fixture.root.appendingPathComponent("answers.txt")
        try "pick: b\nttl: 3600s\nword: critical\nnumber: 2048\nconcept alpha: partial\n".write(to: answers, atomically: true, encoding: .utf8)
        let summary = try await fixture.app.check(day: 5, answersFile: answers, live: false, all: false)
        #expect(summary.right == 4 && summary.wrong == 1 && !summary.allRight)
        #expect(fixture.console.stdout.contains("[FAIL] out.txt does not exist"))
        #expect(try fixture.progress().day(5).concepts == ["alpha": .partial])

        _ = try await fixture.app.run(day: 5, step: nil, live: false)
        let after = try await fixture.app.check(day: 5, answersFile: answers, live: false, all: false)
        #expect(after.right == 1 && after.allRight)
        let progress = try fixture.progress()
        #expect(progress.state(of: try fixture.app.paths.loadLesson(day: 5)) == .done)
    }

    @Test func resetPutsTheShippedExerciseStubBackAndKeepsTheLearnersVersion() throws {
        let withExercise = RunnerTests.lesson.replacingOccurrences(of: "## Resources", with: """
            ```exercise fake-exercise
            file: Sources/Exercises/Fake.swift
            ```

            ## Resources
            """)
        let fixture = try Fixture(lesson: withExercise)
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let stub = "func fake() throws(ExerciseError) -> Bool { throw .notDone }\n"
        let mine = "func fake() throws(ExerciseError) -> Bool { true }   // my attempt\n"
        let exercises = fixture.root.appendingPathComponent("Sources/Exercises")
        try FileManager.default.createDirectory(at: exercises, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: fixture.root.appendingPathComponent("days/exercises"), withIntermediateDirectories: true)
        try stub.write(to: fixture.root.appendingPathComponent("days/exercises/Fake.swift"), atomically: true, encoding: .utf8)
        try mine.write(to: exercises.appendingPathComponent("Fake.swift"), atomically: true, encoding: .utf8)

        // Nothing but the edited exercise is there: reset still has something to do.
        try fixture.app.reset(day: 5, confirmed: true)
        #expect(try String(contentsOf: exercises.appendingPathComponent("Fake.swift"), encoding: .utf8) == stub)
        let backups = fixture.root.appendingPathComponent("workspace/backups")
        let kept = try #require(try FileManager.default.contentsOfDirectory(atPath: backups.path).first { $0.hasPrefix("exercises-") })
        #expect(try String(contentsOf: backups.appendingPathComponent(kept).appendingPathComponent("Fake.swift"), encoding: .utf8) == mine)
        #expect(fixture.console.stdout.contains("Sources/Exercises/Fake.swift: the shipped stub is back"))
        // A second reset finds nothing to do and keeps no empty backup.
        try fixture.app.reset(day: 5, confirmed: true)
        #expect(fixture.console.stdout.contains("Day 5 has no progress to reset."))
    }

    @Test func resetKeepsBackupsAndAsksFirst() async throws {
        let fixture = try Fixture(answers: ["n"])
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        _ = try await fixture.app.run(day: 5, step: nil, live: false)
        #expect(throws: WorkbookError.cancelled) { try fixture.app.reset(day: 5, confirmed: false) }
        #expect(try !fixture.progress().day(5).isEmpty)

        try fixture.app.reset(day: 5, confirmed: true)
        #expect(try fixture.progress().day(5).isEmpty)
        let workspace = fixture.app.paths.workspace
        let names = try FileManager.default.contentsOfDirectory(atPath: workspace.path)
        #expect(names.contains { $0.hasPrefix("progress.") && $0.hasSuffix("Z.json") }, "dated backup in \(names)")
        let moved = try FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("backups").path)
        #expect(moved.count == 1 && moved[0].hasPrefix("day05-"))
        #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent("backups/\(moved[0])/out.txt").path))
        #expect(!FileManager.default.fileExists(atPath: fixture.app.paths.dayDirectory(5).path))
    }

    @Test func twoResetsInOneSecondKeepBothBackups() async throws {
        var fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let frozen = Date(timeIntervalSince1970: 1_800_000_000)
        fixture.app.now = { frozen }
        for _ in 0..<2 {
            _ = try await fixture.app.run(day: 5, step: nil, live: false)
            try fixture.app.reset(day: 5, confirmed: true)
        }
        let workspace = fixture.app.paths.workspace
        let names = try FileManager.default.contentsOfDirectory(atPath: workspace.path).sorted()
        #expect(names.filter { $0.hasPrefix("progress.2") } == ["progress.20270115T080000Z-2.json", "progress.20270115T080000Z.json"], "\(names)")
        let moved = try FileManager.default.contentsOfDirectory(atPath: workspace.appendingPathComponent("backups").path).sorted()
        #expect(moved == ["day05-20270115T080000Z", "day05-20270115T080000Z-2"])
        for name in moved {
            #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent("backups/\(name)/out.txt").path))
        }
    }

    @Test func nextAndResumeFollowProgress() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        try fixture.app.next()
        #expect(fixture.console.stdout.contains("workbook show 5"))
        try fixture.app.resume()
        #expect(fixture.console.stdout.contains("Starting with Day 5"))
        #expect(fixture.console.stdout.contains("Day 5: Fake day\n=="))
        try fixture.app.next()
        #expect(fixture.console.stdout.contains("workbook run 5 --step fake-write"))
        _ = try await fixture.app.run(day: 5, step: nil, live: false)
        try fixture.app.next()
        #expect(fixture.console.stdout.contains("workbook check 5"))
        try fixture.app.resume()
        #expect(fixture.console.stdout.contains("Resuming Day 5: Fake day — steps 1/2 run, checks 0/5 right"))
    }
}
