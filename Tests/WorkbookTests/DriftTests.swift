import Foundation
import Lessons
import Testing
import TestSupport
import WorkbookProtocol
@testable import Workbook

/// The drift test: every lesson in days/ still agrees with the code it quotes and runs.
///
/// - front matter, step blocks and checks parse, and the lesson has the course's shape;
/// - every step block names a registered step whose anchors exist, or is declared `pending:`;
/// - every lesson renders at widths 40, 80 and 120 with no prose line wider than the width;
/// - every registered step runs simulated and meets the lesson's `expect:` lines; when all of a
///   lesson's steps are registered, its evidence checks pass after the run.
@Suite struct DriftTests {
    static let root = TestSupport.packageRoot
    static let daysDirectory = root.appendingPathComponent("days")
    static let days: [Int] = WorkbookPaths(days: daysDirectory, sourceRoot: root, workspace: root).availableDays()

    static func lesson(_ day: Int) throws -> Lesson {
        try WorkbookPaths(days: daysDirectory, sourceRoot: root, workspace: root).loadLesson(day: day)
    }

    /// What `workbook show` knows of the steps without a kernel.
    static let catalog = StepCatalog.load(sourceRoot: root)

    @Test func theCommittedCatalogIsTheKernelsRegistry() async throws {
        #expect(Self.catalog.problem == nil, "\(Self.catalog.problem ?? "")")
        #expect(Self.catalog.steps == StepKernel().listing.steps,
                "\(StepCatalog.file) is not the registry: regenerate it with scripts/generate-step-registry")
        // Byte for byte what the kernel program answers, protocol number included.
        let answer = try await TestSupport.run(try TestSupport.product("workbook-kernel").path, ["steps", "--pretty"], deadline: 60)
        #expect(answer.status == 0, "\(answer)")
        let committed = try String(contentsOf: Self.root.appendingPathComponent(StepCatalog.file), encoding: .utf8)
        #expect(answer.stdout == committed, "\(StepCatalog.file) differs from `workbook-kernel steps --pretty`: run scripts/generate-step-registry")
    }

    /// Each exercise has the stub a reset puts back (days/exercises/, a stub that is not done),
    /// and the grader knows its id. (That the tracked file ships as that stub is checked by the
    /// watch test, which is the one test that edits it.)
    @Test(arguments: days) func exercisesHaveAKeptStubAndAGrader(day: Int) async throws {
        let known = try await TestSupport.run(try TestSupport.product("exercise-grader").path, ["list"], deadline: 60)
        #expect(known.status == 0, "\(known)")
        for block in try Self.lesson(day).exercises {
            let kept = try String(contentsOf: Self.daysDirectory.appendingPathComponent("exercises/\((block.file as NSString).lastPathComponent)"), encoding: .utf8)
            #expect(kept.contains("throw .notDone"), "day \(day): the kept stub of \(block.file) is done")
            #expect(known.stdout.contains(block.id + "\t"), "day \(day): the grader knows no exercise \(block.id)")
        }
    }

    @Test func theTwoFormatLessonsExist() {
        #expect(Self.days.contains(3))
        #expect(Self.days.contains(14))
    }

    @Test(arguments: days) func lessonParsesAndHasTheCourseShape(day: Int) throws {
        let lesson = try Self.lesson(day)
        #expect(lesson.day == day, "day\(day).md says day: \(lesson.day)")
        #expect(lesson.formatProblems == [], "day \(day)")
        #expect(lesson.agendaMinutes >= 90 && lesson.agendaMinutes <= 240, "a day is 2–3 hours, agenda has \(lesson.agendaMinutes) min")
    }

    @Test(arguments: days) func stepBlocksNameRegisteredStepsWithAnchorsOrArePending(day: Int) throws {
        let lesson = try Self.lesson(day)
        #expect(LessonAudit(sourceRoot: Self.root, lookup: Self.catalog.step).stepProblems(lesson) == [])
    }

    @Test(arguments: days) func rendersAtEveryWidth(day: Int) throws {
        let lesson = try Self.lesson(day)
        let audit = LessonAudit(sourceRoot: Self.root, lookup: Self.catalog.step)
        for width in [40, 80, 120] {
            #expect(audit.overflowingLines(lesson, width: width) == [], "day \(day) at width \(width)")
            let view = LessonView(lesson: lesson, sourceRoot: Self.root, lookup: Self.catalog.step)
            let plain = TerminalRenderer.plain(width: width).render(view.blocks())
            let flowing = plain.replacingOccurrences(of: "\n", with: " ")
            #expect(flowing.contains("Day \(day): \(lesson.title)"))
            for (index, _) in lesson.checks.enumerated() {
                #expect(plain.contains("Check \(index + 1) of \(lesson.checks.count)"))
            }
            let coloured = TerminalRenderer(width: width, color: true, glyphs: .unicode).render(view.blocks())
            #expect(coloured.strippingANSI.contains("Day \(day)"))
        }
    }

    /// One day at a time: every day's steps start servers, agents and key generation, and ten
    /// days of them at once on two cores starve the timing-sensitive TLS and agent suites.
    @Test(.serialized, arguments: days) func registeredStepsRunSimulatedAndMeetTheLessonsExpectations(day: Int) async throws {
        let lesson = try Self.lesson(day)
        let workspace = try TestSupport.makeTempDirectory(prefix: "drift-day\(day)")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let directory = workspace.appendingPathComponent(String(format: "day%02d", day))
        let runner = StepRunner.inProcess()
        var allRegistered = true
        for block in lesson.steps {
            guard let step = runner.lookup(block.id) else {
                allRegistered = false
                #expect(block.pending != nil, "step \(block.id) is not registered and not pending")
                continue
            }
            guard step.modes.contains(.simulated) else { continue }
            let run = await runner.run(block.id, mode: .simulated, directory: directory)
            #expect(run.mode == .simulated)
            guard case .succeeded(let output) = run.outcome else {
                Issue.record("day \(day): step \(block.id) did not succeed simulated: \(run.outcome)")
                continue
            }
            let results = await ConditionEvaluator(directory: directory, now: { Date() }, output: output, decideEvidence: runner.evidenceDecider)
                .evaluate(block.expectations)
            for result in results where !result.passed {
                Issue.record("day \(day): step \(block.id): expected \(result.condition): \(result.detail)")
            }
        }
        guard allRegistered else { return }
        for check in lesson.checks {
            guard case .evidence(let conditions) = check.kind else { continue }
            let evaluator = ConditionEvaluator(directory: directory, now: { Date() }, decideEvidence: runner.evidenceDecider) { id in
                await runner.run(id, mode: .simulated, directory: directory)
            }
            let results = await evaluator.evaluate(conditions)
            if check.fromChallenge {
                // The learner's own work: the steps alone must not satisfy it.
                let allPassed = results.allSatisfy { $0.passed }
                #expect(!allPassed, "day \(day): evidence check \(check.id) is `from: challenge` but passes on the steps alone")
            } else {
                for result in results where !result.passed {
                    Issue.record("day \(day): evidence check \(check.id) fails after running the steps: \(result.detail)")
                }
            }
        }
    }

    /// The audit tells a declared pending step from a typo, and catches missing anchors.
    @Test func auditDistinguishesPendingFromTypos() throws {
        let text = """
            ---
            day: 8
            week: 2
            title: t
            ---

            ```step registered
            ```

            ```step not-yet
            pending: lands later
            ```

            ```step regsitered
            ```

            ```step no-anchors
            ```
            """
        let lesson = try Lesson.parse(text, path: "day08.md")
        let root = try TestSupport.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Src"), withIntermediateDirectories: true)
        try "// step: registered\nlet x = 1\n// end-step\n".write(to: root.appendingPathComponent("Src/A.swift"), atomically: true, encoding: .utf8)
        let steps = [
            Step(id: "registered", title: "r", sourceFile: "Src/A.swift") { _ in StepOutput() },
            Step(id: "no-anchors", title: "n", sourceFile: "Src/A.swift") { _ in StepOutput() },
        ]
        let listing = StepKernel(registry: steps).listing.steps
        let problems = LessonAudit(sourceRoot: root, lookup: { id in listing.first { $0.id == id } }).stepProblems(lesson)
        #expect(problems == [
            "day 8, line 14: step regsitered is not registered and not declared `pending:` (a typo?)",
            "day 8, line 17: step no-anchors: Src/A.swift has no `// step: no-anchors` anchor",
        ])
    }

    @Test func proseOverflowIsDetected() throws {
        let long = "---\nday: 8\nweek: 2\ntitle: t\n---\n\n" + "| a | b |\n|---|---|\n| " + String(repeating: "word ", count: 30) + "| x |\n"
        let lesson = try Lesson.parse(long, path: "day08.md")
        #expect(LessonAudit(sourceRoot: Self.root, lookup: { _ in nil }).overflowingLines(lesson, width: 40) == [])
        let url = "---\nday: 8\nweek: 2\ntitle: t\n---\n\nSee <https://example.org/" + String(repeating: "x", count: 60) + "> now.\n"
        #expect(LessonAudit(sourceRoot: Self.root, lookup: { _ in nil }).overflowingLines(try Lesson.parse(url, path: "d"), width: 40) == [])
    }
}
