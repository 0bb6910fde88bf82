import Foundation
import WorkbookProtocol

/// The workbook's commands, independent of the command-line parser: `workbook` (resume), list,
/// show, run, check, hint, status, reset and next. Each writes through a `Console`, so the same
/// code serves the terminal and the tests.
public struct WorkbookApp: Sendable {
    public var paths: WorkbookPaths
    public var console: any Console
    public var style: OutputStyle
    public var runner: StepRunner
    public var now: @Sendable () -> Date

    /// `runner` nil: the committed step catalog and the `workbook-kernel` program.
    public init(paths: WorkbookPaths, console: any Console, style: OutputStyle,
                runner: StepRunner? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.paths = paths
        self.console = console
        self.style = style
        self.runner = runner ?? StepRunner.standard(paths: paths, console: console, glyphs: style.glyphs)
        self.now = now
    }

    var store: ProgressStore { ProgressStore(file: paths.progressFile) }
    var glyphs: Glyphs { style.glyphs }

    func paint(_ text: String, _ textStyle: TextStyle) -> String { style.paint(text, textStyle) }

    /// Long output goes through the pager on a terminal.
    func emit(_ text: String) {
        if style.pager && console is StandardConsole {
            Terminal.page(text)
        } else {
            console.out(text)
        }
    }

    /// Every lesson that loads, and the errors of those that do not.
    func allLessons() -> (lessons: [Lesson], broken: [(day: Int, error: WorkbookError)]) {
        var lessons: [Lesson] = []
        var broken: [(Int, WorkbookError)] = []
        for day in paths.availableDays() {
            do {
                lessons.append(try paths.loadLesson(day: day))
            } catch {
                broken.append((day, error))
            }
        }
        return (lessons, broken)
    }

    // MARK: show

    /// The rendered lesson as text.
    public func renderLesson(_ lesson: Lesson, progress: WorkbookProgress) -> String {
        let view = LessonView(lesson: lesson, sourceRoot: paths.sourceRoot, progress: progress.day(lesson.day), lookup: runner.lookup)
        return style.renderer.render(view.blocks())
    }

    public func show(day: Int) throws(WorkbookError) {
        let lesson = try paths.loadLesson(day: day)
        var progress = try store.load()
        emit(renderLesson(lesson, progress: progress))
        progress.update(day, now: now()) { $0.viewed = true }
        try store.save(progress)
    }

    // MARK: workbook (no arguments)

    /// Resumes: the day the learner worked on last unless it is done, else the first day not done.
    public func resume() throws(WorkbookError) {
        let progress = try store.load()
        let (lessons, _) = allLessons()
        guard !lessons.isEmpty else { throw .daysDirectoryNotFound(searched: [paths.days.path]) }
        let lesson = currentLesson(lessons, progress)
        var text = ""
        if progress.days.isEmpty {
            text += paint("SPIFFE & SPIRE workbook", .heading) + " — \(lessons.count) lessons: "
                + lessons.map { "Day \($0.day)" }.joined(separator: ", ") + "\n"
            text += "Starting with Day \(lesson.day). Your work is kept in \(paths.workspace.path).\n"
        } else {
            text += paint("Resuming Day \(lesson.day)", .heading) + ": " + summary(lesson, progress.day(lesson.day)) + "\n"
        }
        text += "Next: " + nextAction(lesson, progress).command + "   (all days: workbook list)\n\n"
        text += renderLesson(lesson, progress: progress)
        emit(text)
        var updated = progress
        updated.update(lesson.day, now: now()) { $0.viewed = true }
        try store.save(updated)
    }

    func currentLesson(_ lessons: [Lesson], _ progress: WorkbookProgress) -> Lesson {
        if let last = progress.lastDay, let lesson = lessons.first(where: { $0.day == last }),
           progress.state(of: lesson) != .done {
            return lesson
        }
        let after = progress.lastDay ?? 0
        return lessons.first { $0.day > after && progress.state(of: $0) != .done }
            ?? lessons.first { progress.state(of: $0) != .done }
            ?? lessons[0]
    }

    func summary(_ lesson: Lesson, _ record: DayProgress) -> String {
        let stepsRun = lesson.steps.filter { record.steps[$0.id]?.outcome == .passed }.count
        let checksRight = lesson.checks.filter { record.checks[$0.id]?.correct == true }.count
        return "\(lesson.title) — steps \(stepsRun)/\(lesson.steps.count) run, checks \(checksRight)/\(lesson.checks.count) right"
    }

    // MARK: next

    public struct NextAction: Sendable, Equatable {
        public var command: String
        public var reason: String
    }

    func nextAction(_ lesson: Lesson, _ progress: WorkbookProgress) -> NextAction {
        let record = progress.day(lesson.day)
        if !record.viewed && record.isEmpty {
            return NextAction(command: "workbook show \(lesson.day)", reason: "read Day \(lesson.day): \(lesson.title)")
        }
        if let step = lesson.steps.first(where: { record.steps[$0.id]?.outcome != .passed && runner.lookup($0.id) != nil }) {
            return NextAction(command: "workbook run \(lesson.day) --step \(step.id)", reason: "run step \(step.id)")
        }
        if lesson.checks.contains(where: { record.checks[$0.id]?.correct != true }) {
            return NextAction(command: "workbook check \(lesson.day)", reason: "answer the checks of Day \(lesson.day)")
        }
        if lesson.header.concepts.contains(where: { record.concepts[$0.id] == nil }) {
            return NextAction(command: "workbook check \(lesson.day)", reason: "rate yourself on Day \(lesson.day)'s concepts")
        }
        let later = allLessons().lessons.first { $0.day > lesson.day && progress.state(of: $0) != .done }
        if let later {
            return NextAction(command: "workbook show \(later.day)", reason: "Day \(lesson.day) is done; on to Day \(later.day): \(later.title)")
        }
        return NextAction(command: "workbook status", reason: "every written lesson is done")
    }

    public func next() throws(WorkbookError) {
        let progress = try store.load()
        let (lessons, _) = allLessons()
        guard !lessons.isEmpty else { throw .daysDirectoryNotFound(searched: [paths.days.path]) }
        let lesson = currentLesson(lessons, progress)
        let action = nextAction(lesson, progress)
        console.line("Next: \(action.reason)")
        console.line("  " + paint(action.command, .code))
    }

    // MARK: list

    public func list(json: Bool) throws(WorkbookError) {
        let progress = try store.load()
        let (lessons, broken) = allLessons()
        if json {
            var entries: [[String: Any]] = lessons.map { lesson in
                [
                    "day": lesson.day, "week": lesson.week, "title": lesson.title,
                    "state": progress.state(of: lesson).rawValue,
                    "steps": lesson.steps.count, "checks": lesson.checks.count,
                    "minutes": lesson.agendaMinutes,
                ]
            }
            entries += broken.map { ["day": $0.day, "state": "error", "error": $0.error.description] }
            console.out(Self.json(entries.sorted { ($0["day"] as? Int ?? 0) < ($1["day"] as? Int ?? 0) }))
            return
        }
        var week = 0
        let current = lessons.isEmpty ? nil : currentLesson(lessons, progress).day
        for lesson in lessons {
            if lesson.week != week {
                week = lesson.week
                console.line(paint("Week \(week)", .heading))
            }
            let state = progress.state(of: lesson)
            let mark: String
            switch state {
            case .done: mark = paint(glyphs.done, .good)
            case .started: mark = paint(glyphs.started, .warn)
            case .notStarted: mark = glyphs.notStarted
            }
            let day = "Day \(lesson.day)".padding(toLength: 7, withPad: " ", startingAt: 0)
            let pointer = lesson.day == current ? "  " + paint("<- you are here", .dim) : ""
            console.line("  \(mark) \(day) \(lesson.title)  " + paint("(\(lesson.steps.count) step\(lesson.steps.count == 1 ? "" : "s"), \(lesson.checks.count) checks)", .dim) + pointer)
        }
        for (day, error) in broken {
            console.line("  \(glyphs.fail) Day \(day)  " + paint("cannot load: \(error)", .bad))
        }
        console.line()
        console.line(paint("\(glyphs.done) done  \(glyphs.started) started  \(glyphs.notStarted) not started", .dim))
    }

    static func json(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return "null\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    // MARK: status

    public func status(json: Bool) throws(WorkbookError) {
        let progress = try store.load()
        let (lessons, _) = allLessons()
        if json {
            let days: [[String: Any]] = lessons.map { lesson in
                let record = progress.day(lesson.day)
                return [
                    "day": lesson.day,
                    "title": lesson.title,
                    "state": progress.state(of: lesson).rawValue,
                    "steps": lesson.steps.map { step -> [String: Any] in
                        var entry: [String: Any] = ["id": step.id, "registered": runner.lookup(step.id) != nil]
                        if let run = record.steps[step.id] {
                            entry["outcome"] = run.outcome.rawValue
                            entry["mode"] = run.mode.rawValue
                        }
                        return entry
                    },
                    "checks": lesson.checks.map { check -> [String: Any] in
                        var entry: [String: Any] = ["id": check.id, "kind": check.kind.name]
                        if let answer = record.checks[check.id] {
                            entry["correct"] = answer.correct
                            entry["attempts"] = answer.attempts
                        }
                        return entry
                    },
                    "concepts": Dictionary(uniqueKeysWithValues: lesson.header.concepts.map {
                        ($0.id, record.concepts[$0.id]?.rawValue ?? "unrated")
                    }),
                ]
            }
            let object: [String: Any] = [
                "workspace": paths.workspace.path,
                "last_day": progress.lastDay as Any? ?? NSNull(),
                "days": days,
            ]
            console.out(Self.json(object))
            return
        }
        console.line("Workspace: \(paths.workspace.path)")
        for lesson in lessons {
            let record = progress.day(lesson.day)
            console.line()
            console.line(paint("Day \(lesson.day): \(lesson.title)", .heading) + " — " + progress.state(of: lesson).rawValue)
            for step in lesson.steps {
                let line: String
                if let run = record.steps[step.id] {
                    let mark = run.outcome == .passed ? paint(glyphs.ok, .good) : paint(glyphs.fail, .bad)
                    line = "\(mark) step \(step.id): \(run.outcome.rawValue) (\(run.mode.rawValue))"
                } else if runner.lookup(step.id) == nil {
                    line = "\(glyphs.pending) step \(step.id): not available yet"
                } else {
                    line = "\(glyphs.notStarted) step \(step.id): not run"
                }
                console.line("  " + line)
            }
            let right = lesson.checks.filter { record.checks[$0.id]?.correct == true }.count
            console.line("  checks: \(right) of \(lesson.checks.count) right")
            let ratings = lesson.header.concepts.map { "\($0.id) \(record.concepts[$0.id]?.rawValue ?? "unrated")" }
            if !ratings.isEmpty { console.line("  concepts: " + ratings.joined(separator: ", ")) }
        }
    }

    // MARK: reset

    /// Clears a day's progress after confirmation. The progress file is copied to a dated backup
    /// and the day's workspace directory is moved aside, never deleted.
    public func reset(day: Int, confirmed: Bool) throws(WorkbookError) {
        let lesson = try paths.loadLesson(day: day)
        var progress = try store.load()
        let directory = paths.dayDirectory(day)
        let hasFiles = FileManager.default.fileExists(atPath: directory.path)
        guard !progress.day(day).isEmpty || hasFiles || exercisesChanged(lesson) else {
            console.line("Day \(day) has no progress to reset.")
            return
        }
        if !confirmed {
            let exercises = lesson.exercises.isEmpty ? "" : " Its exercise files get their shipped stubs back."
            let answer = console.ask("Reset Day \(day) (\(lesson.title))? Its answers, step results and ratings are cleared; a backup is kept.\(exercises) [y/N] ")
            guard let answer, ["y", "yes"].contains(answer.trimmed.lowercased()) else {
                throw .cancelled
            }
        }
        // Every stub a reset needs must be there before anything is moved or cleared.
        for block in lesson.exercises where paths.sourceRoot != nil {
            guard FileManager.default.fileExists(atPath: shippedStub(block).path) else {
                throw .fileProblem(path: shippedStub(block).path, reason: "the shipped stub of \(block.file) is missing, so nothing was reset")
            }
        }
        let stamp = ProgressStore.stamp(now())
        let backup = try store.backupCopy(now: now())
        var movedTo: URL?
        if hasFiles {
            // backups/day03-<stamp>, or -<stamp>-2 … when a reset of the same second moved one.
            // The claimed directory is new and empty; rename(2) replaces only it, so nothing is
            // ever merged or lost.
            let aside = try claimBackupDirectory("\(directory.lastPathComponent)-\(stamp)")
            guard rename(directory.path, aside.path) == 0 else {
                let reason = String(cString: strerror(errno))
                rmdir(aside.path)
                throw .fileProblem(path: directory.path, reason: "cannot move aside: \(reason)")
            }
            movedTo = aside
        }
        let restored = try restoreExerciseStubs(lesson, stamp: stamp)
        progress.days.removeValue(forKey: WorkbookProgress.key(day))
        try store.save(progress)
        console.line("Day \(day) reset.")
        if let backup { console.line("  progress backup: \(backup.path)") }
        if let movedTo { console.line("  files moved to: \(movedTo.path)") }
        for (file, kept) in restored { console.line("  \(file): the shipped stub is back; your version is kept in \(kept.path)") }
    }
}

extension WorkbookApp {
    /// The shipped stub of an exercise file: the workbook's own copy in `days/exercises/`, so
    /// that a reset needs no git and cannot pick up the learner's commits.
    func shippedStub(_ block: ExerciseBlock) -> URL {
        paths.days.appendingPathComponent("exercises").appendingPathComponent((block.file as NSString).lastPathComponent)
    }

    func exercisesChanged(_ lesson: Lesson) -> Bool {
        guard let root = paths.sourceRoot else { return false }
        return lesson.exercises.contains { block in
            FileManager.default.contents(atPath: root.appendingPathComponent(block.file).path)
                != FileManager.default.contents(atPath: shippedStub(block).path)
        }
    }

    /// Puts each changed exercise file's shipped stub back, keeping the learner's version in
    /// `workspace/backups/exercises-<stamp>/` first. Returns what was restored and where the
    /// learner's version went.
    func restoreExerciseStubs(_ lesson: Lesson, stamp: String) throws(WorkbookError) -> [(String, URL)] {
        guard let root = paths.sourceRoot else { return [] }
        var restored: [(String, URL)] = []
        for block in lesson.exercises {
            let file = root.appendingPathComponent(block.file)
            guard let stub = FileManager.default.contents(atPath: shippedStub(block).path) else {
                throw .fileProblem(path: shippedStub(block).path, reason: "the shipped stub is missing, so \(block.file) was left as it is")
            }
            let current = FileManager.default.contents(atPath: file.path)
            guard current != stub else { continue }
            let kept: URL
            do {
                let backups = try claimBackupDirectory("exercises-\(stamp)")
                kept = backups.appendingPathComponent(file.lastPathComponent)
                if let current { try AtomicWrite.write(current, to: kept) }
                try AtomicWrite.write(stub, to: file)
            } catch {
                throw .fileProblem(path: file.path, reason: "cannot put the stub back: \(error)")
            }
            restored.append((block.file, kept))
        }
        return restored
    }

    /// A new, empty directory `workspace/backups/<name>` (or `<name>-2` …), claimed with mkdir(2),
    /// which fails if anything is there: two resets in one second keep both backups.
    func claimBackupDirectory(_ name: String) throws(WorkbookError) -> URL {
        let backups = paths.workspace.appendingPathComponent("backups")
        do {
            try FileManager.default.createDirectory(at: backups, withIntermediateDirectories: true)
        } catch {
            throw .fileProblem(path: backups.path, reason: "cannot create: \(error.localizedDescription)")
        }
        for suffix in AtomicWrite.uniqueSuffixes() {
            let directory = backups.appendingPathComponent(name + suffix)
            if mkdir(directory.path, 0o755) == 0 { return directory }
            guard errno == EEXIST else {
                throw .fileProblem(path: directory.path, reason: "cannot create: \(String(cString: strerror(errno)))")
            }
        }
        throw .fileProblem(path: backups.path, reason: "a thousand backups of the same second exist; remove some and reset again")
    }
}
