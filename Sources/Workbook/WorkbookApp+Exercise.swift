import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

extension WorkbookApp {
    /// How `exercise` went, for the exit status.
    public struct ExerciseSummary: Sendable, Equatable {
        public var passed: [String] = []
        public var notPassed: [String] = []
        public var allPassed: Bool { notPassed.isEmpty }
    }

    var grader: ExerciseGrader? { paths.sourceRoot.map { ExerciseGrader(checkout: $0) } }

    func exercises(of lesson: Lesson) throws(WorkbookError) -> [ExerciseBlock] {
        guard !lesson.exercises.isEmpty else { throw .noExercises(day: lesson.day) }
        return lesson.exercises
    }

    /// Builds the exercise module (incrementally) and grades each of the day's exercises,
    /// reporting the first failing case by name, and records the verdicts.
    @discardableResult
    public func exercise(day: Int) async throws(WorkbookError) -> ExerciseSummary {
        let lesson = try paths.loadLesson(day: day)
        let blocks = try exercises(of: lesson)
        guard let grader else { throw .sourcesNotFound }
        var summary = ExerciseSummary()
        for block in blocks {
            // The digest of what is graded, taken before the build: a save during it is then
            // not mistaken for graded.
            let digest = digest(block)
            let verdict = await grade(block, with: grader)
            try record(verdict, of: block, day: day, digest: digest)
            if case .passed = verdict { summary.passed.append(block.id) } else { summary.notPassed.append(block.id) }
        }
        return summary
    }

    /// Builds and grades one exercise, printing the verdict.
    func grade(_ block: ExerciseBlock, with grader: ExerciseGrader) async -> ExerciseGrader.Verdict {
        console.line(paint("Exercise \(block.id)", .bold) + paint(" (\(block.file))", .dim))
        let started = ContinuousClock.now
        let verdict: ExerciseGrader.Verdict
        if let errors = await grader.build(showingErrorsIn: block.file) {
            verdict = .buildFailed(errors)
        } else {
            verdict = await grader.grade(block.id)
        }
        let took = ContinuousClock.now - started
        let seconds = String(format: "%.1f", Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18)
        switch verdict {
        case .passed(let cases):
            console.line(paint("\(glyphs.ok) \(block.id): all \(cases) cases pass", .good) + paint(" (\(seconds) s)", .dim))
        case .notDone:
            console.line(paint("\(glyphs.pending) \(block.id): not done yet", .warn) + " — write the function's body in \(block.file) (it still throws .notDone)")
        case .failed(let name, let expected, let got, let passedBefore):
            console.line(paint("\(glyphs.fail) \(block.id): case \"\(name)\" fails", .bad) + paint(" (\(passedBefore) passed before it; \(seconds) s)", .dim))
            console.line("    expected: \(expected)")
            console.line("    got:      \(got)")
        case .crashed(let name, let status):
            console.line(paint("\(glyphs.fail) \(block.id): your code crashed in case \"\(name)\" (\(status))", .bad))
        case .timedOut(let name):
            console.line(paint("\(glyphs.fail) \(block.id): case \"\(name)\" did not finish within \(grader.timeLimit.components.seconds) s (an endless loop?)", .bad))
        case .buildFailed(let errors):
            console.line(paint("\(glyphs.fail) \(block.id): does not build", .bad))
            for line in errors { console.line("    " + line) }
        }
        return verdict
    }

    func digest(_ block: ExerciseBlock) -> String? {
        paths.sourceRoot.flatMap { ExerciseGrader.digest(of: $0.appendingPathComponent(block.file)) }
    }

    func record(_ verdict: ExerciseGrader.Verdict, of block: ExerciseBlock, day: Int, digest: String?) throws(WorkbookError) {
        var progress = try store.load()
        let record: ExerciseRecord
        switch verdict {
        case .passed: record = ExerciseRecord(state: .passed, at: now(), digest: digest)
        case .notDone, .buildFailed: record = ExerciseRecord(state: .notDone, at: now(), digest: digest)
        case .failed(let name, _, _, _), .crashed(let name, _), .timedOut(let name):
            record = ExerciseRecord(state: .failing, failingCase: name, at: now(), digest: digest)
        }
        progress.update(day, now: now()) { $0.exercises[block.id] = record }
        try store.save(progress)
    }

    /// Grades the day's exercises, then again each time one of their files is saved, until `q`.
    /// Keys: `h` a hint for the exercise being watched, `n` the next exercise, `q` quit (on a
    /// terminal a key counts at once; elsewhere each line is a key).
    public func watch(day: Int, pollInterval: Duration = .milliseconds(300)) async throws(WorkbookError) {
        let lesson = try paths.loadLesson(day: day)
        let blocks = try exercises(of: lesson)
        guard let grader, let root = paths.sourceRoot else { throw .sourcesNotFound }
        var current = 0
        var hintsGiven = 0
        func modified(_ block: ExerciseBlock) -> Date {
            ((try? FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(block.file).path))?[.modificationDate] as? Date) ?? .distantPast
        }
        func show() async {
            console.line()
            let digest = digest(blocks[current])
            let verdict = await grade(blocks[current], with: grader)
            try? record(verdict, of: blocks[current], day: day, digest: digest)
            console.line(paint("watching \(blocks[current].file): save it to grade again; h hint, n next, q quit", .dim))
        }
        let keys = KeyReader(console: console)
        // Read before grading: a save during the first (slow) build is then seen.
        var seen = modified(blocks[current])
        await show()
        while true {
            if let key = keys.next() {
                switch key.trimmed.lowercased() {
                case "q", "quit":
                    keys.stop()
                    return
                case "n", "next":
                    current = (current + 1) % blocks.count
                    hintsGiven = 0
                    seen = modified(blocks[current])
                    await show()
                case "h", "hint":
                    let hints = await grader.hints(blocks[current].id)
                    if hintsGiven < hints.count {
                        console.line(paint("hint \(hintsGiven + 1) of \(hints.count): ", .bold) + hints[hintsGiven])
                        hintsGiven += 1
                    } else {
                        console.line("no more hints; `workbook solution \(day)` shows the reference once you pass (or after a confirmation)")
                    }
                default:
                    console.line("keys: h hint, n next, q quit")
                }
                continue
            }
            // Piped keys that have run out: nobody is left to press q.
            if keys.ended { keys.stop(); return }
            let now = modified(blocks[current])
            if now != seen {
                seen = now
                await show()
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}

extension WorkbookApp {
    /// The reference solution of the day's exercises: at once once an exercise has passed, before
    /// that only after the learner confirms.
    public func solution(day: Int, confirmed: Bool) throws(WorkbookError) {
        let lesson = try paths.loadLesson(day: day)
        let blocks = try exercises(of: lesson)
        guard let root = paths.sourceRoot else { throw .sourcesNotFound }
        let progress = try store.load().day(day)
        let file = root.appendingPathComponent("Sources/ExerciseSolutions/Solutions.swift")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw .fileProblem(path: file.path, reason: "cannot read the reference solutions")
        }
        for block in blocks {
            if progress.exercises[block.id]?.state != .passed && !confirmed {
                let answer = console.ask("You have not passed \(block.id) yet. Show its solution anyway? [y/N] ")
                guard let answer, ["y", "yes"].contains(answer.trimmed.lowercased()) else { throw .cancelled }
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// solution: \(block.id)" }),
                  let end = lines[start...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// end-solution" }) else {
                throw .fileProblem(path: file.path, reason: "no `// solution: \(block.id)` anchor")
            }
            console.line(paint("Solution of \(block.id)", .bold) + paint(" (Sources/ExerciseSolutions/Solutions.swift)", .dim))
            for line in style.renderer.frame(code: lines[(start + 1)..<end].joined(separator: "\n"), label: "swift", width: style.width) {
                console.line(line)
            }
        }
    }
}

/// Reads the learner's keys on a thread of its own, so that watching the file goes on while no
/// key is pressed. On a terminal each key counts at once, as in rustlings (the terminal is put in
/// non-canonical mode without echo, and restored on quit and on Ctrl-C); otherwise (a pipe, a
/// test's console) each line is a key.
final class KeyReader: Sendable {
    private let queue = Mutex<(keys: [String], ended: Bool)>(([], false))
    private let saved: termios?

    init(console: any Console) {
        if console is StandardConsole, isatty(STDIN_FILENO) == 1 {
            var original = termios()
            tcgetattr(STDIN_FILENO, &original)
            var raw = original
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &raw)
            saved = original
            KeyReader.restoreOnInterrupt(original)
        } else {
            saved = nil
        }
        let single = saved != nil
        let thread = Thread { [self] in
            if single {
                var byte: UInt8 = 0
                while read(STDIN_FILENO, &byte, 1) == 1 {
                    guard byte != 10, byte != 13 else { continue }
                    queue.withLock { $0.keys.append(String(UnicodeScalar(byte))) }
                }
            } else {
                while let line = console.ask("") {
                    queue.withLock { $0.keys.append(line) }
                }
            }
            queue.withLock { $0.ended = true }
        }
        thread.start()
    }

    func next() -> String? {
        queue.withLock { $0.keys.isEmpty ? nil : $0.keys.removeFirst() }
    }

    var ended: Bool { queue.withLock { $0.ended } }

    /// Gives the terminal back as it was.
    func stop() {
        guard var saved else { return }
        tcsetattr(STDIN_FILENO, TCSANOW, &saved)
    }

    /// Ctrl-C (SIGINT) would otherwise leave the shell without echo.
    private static func restoreOnInterrupt(_ original: termios) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            var terminal = original
            tcsetattr(STDIN_FILENO, TCSANOW, &terminal)
            exit(130)
        }
        source.resume()
        interruptSource = source
    }

    /// Kept alive for the process's life; set once, from the watch command's thread.
    nonisolated(unsafe) private static var interruptSource: (any DispatchSourceSignal)?
}
