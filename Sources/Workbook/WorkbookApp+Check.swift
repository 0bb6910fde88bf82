import Foundation
import WorkbookProtocol

extension WorkbookApp {
    public struct CheckSummary: Sendable, Equatable {
        public var right: Int = 0
        public var wrong: Int = 0
        public var skipped: Int = 0
        /// Right now, counting checks answered correctly in earlier sessions.
        public var allRight: Bool = false
    }

    /// Asks the day's questions (or takes them from an answers file), grades and explains each,
    /// then asks for the concept self-ratings. Checks already answered correctly are skipped
    /// unless `all` is set.
    @discardableResult
    public func check(day: Int, answersFile: URL?, live: Bool, all: Bool) async throws(WorkbookError) -> CheckSummary {
        let lesson = try paths.loadLesson(day: day)
        let scripted = try answersFile.map { url throws(WorkbookError) in try AnswersFile.load(url, lesson: lesson) }
        var progress = try store.load()
        let mode = lesson.checks.contains(where: \.isEvidence) ? try chooseMode(live: live) : .simulated
        let record = progress.day(day)
        let asked = lesson.checks.filter { all || record.checks[$0.id]?.correct != true }
        var summary = CheckSummary()
        var inputEnded = false
        // Evidence is decided by the kernel: when it cannot answer, evidence checks are skipped
        // with one line that says why, rather than counted as wrong.
        var kernelProblem: KernelError?
        if asked.contains(where: \.isEvidence) {
            do { try await runner.kernel.ready() } catch { kernelProblem = error }
        }

        if asked.isEmpty {
            console.line("All \(lesson.checks.count) checks of Day \(day) are answered correctly already (use --all to answer them again).")
        } else {
            console.line(paint("Day \(day): \(lesson.title)", .heading) + " — \(asked.count) of \(lesson.checks.count) checks")
        }

        for check in asked {
            let number = (lesson.checks.firstIndex { $0.id == check.id } ?? 0) + 1
            console.line()
            console.line(paint("Check \(number) of \(lesson.checks.count)", .bold) + paint(" (\(check.kind.name), \(check.id))", .dim))
            console.line(wrap(check.question))
            var answer: String?
            var correct = false
            var found = ""

            switch check.kind {
            case .choice(let choices, _):
                for choice in choices { console.line(wrap("\(choice.letter)) \(choice.text)", indent: 2)) }
            case .evidence(let conditions):
                console.line("This check looks at real state:")
                for condition in conditions { console.line("  - \(condition)") }
            case .shortAnswer:
                break
            case .record(let minimum):
                if let saved = RecordedAnswers(directory: paths.dayDirectory(day)).answer(check.id) {
                    console.line(paint("Your saved answer:", .dim))
                    console.line(wrap(saved, indent: 2))
                    console.line(paint("(write a new one to replace it; the old one is kept in records/history/)", .dim))
                } else {
                    console.line(paint("In your own words, at least \(minimum) characters; saved in your workspace for Day 21's analysis.", .dim))
                }
            }

            if case .evidence(let conditions) = check.kind {
                if let kernelProblem {
                    summary.skipped += 1
                    console.line(paint("skipped: \(kernelProblem)", .warn))
                    continue
                }
                if scripted == nil && !inputEnded {
                    let reply = console.ask("Press Enter to verify (s to skip): ")
                    if reply == nil { inputEnded = true }
                    if reply == nil || reply?.trimmed.lowercased() == "s" {
                        summary.skipped += 1
                        console.line(paint("skipped", .dim))
                        continue
                    }
                }
                let evaluator = ConditionEvaluator(directory: paths.dayDirectory(day), now: now, decideEvidence: runner.evidenceDecider, runStep: { [runner, paths] id in
                    let pending = lesson.steps.first { $0.id == id }?.pending
                    return await runner.run(id, mode: mode, directory: paths.dayDirectory(day), pendingReason: pending)
                }, judgeAnalysis: { [self] claim in analysisClaim(claim) })
                let results = await evaluator.evaluate(conditions)
                for result in results {
                    let mark = result.passed ? paint(glyphs.ok, .good) : paint(glyphs.fail, .bad)
                    console.line("  \(mark) \(result.detail)")
                }
                correct = results.allSatisfy(\.passed)
                found = results.map(\.detail).joined(separator: "; ")
                answer = "evidence (\(mode.rawValue))"
            } else {
                if let scripted {
                    guard let given = scripted.answers[check.id] else {
                        summary.skipped += 1
                        console.line(paint("no answer in the answers file; skipped", .dim))
                        continue
                    }
                    console.line("Answer: \(given)")
                    answer = given
                } else if inputEnded {
                    summary.skipped += 1
                    continue
                } else if check.isRecord {
                    answer = askWritten(check, day: day, progress: &progress)
                    if answer == nil { inputEnded = true }
                } else {
                    answer = askAnswer(check, day: day, progress: &progress)
                    if answer == nil { inputEnded = true }
                }
                guard let given = answer, !given.trimmed.isEmpty else {
                    summary.skipped += 1
                    console.line(paint("skipped", .dim))
                    continue
                }
                correct = check.grade(given)
                if check.isRecord {
                    // The learner's words are kept whether or not they are long enough yet.
                    let records = RecordedAnswers(directory: paths.dayDirectory(day))
                    try records.save(given, for: check.id, now: now())
                    console.line(paint("saved: \(records.file(check.id).path)", .dim))
                }
            }

            if correct {
                summary.right += 1
                console.line(wrap(check.explain, lead: ("\(glyphs.ok) Right.", .good)))
            } else {
                summary.wrong += 1
                if check.isEvidence {
                    console.line(wrap(check.explain, lead: ("\(glyphs.fail) Not yet.", .bad)))
                } else if case .record(let minimum) = check.kind {
                    let problem = Check.recordProblem(answer ?? "", minimumLength: minimum) ?? ""
                    console.line(wrap("— \(problem). " + check.explain, lead: ("\(glyphs.fail) Not yet", .bad)))
                } else {
                    console.line(wrap("— you answered \"\(answer ?? "")\"; the answer is \(check.rightAnswer ?? "").", lead: ("\(glyphs.fail) Not quite", .bad)))
                    console.line(wrap(check.explain))
                }
            }
            let previous = progress.day(day).checks[check.id]
            progress.update(day, now: now()) {
                $0.checks[check.id] = CheckRecord(
                    correct: correct,
                    answer: check.isEvidence ? found : (answer ?? ""),
                    attempts: (previous?.attempts ?? 0) + 1,
                    at: now()
                )
            }
            try store.save(progress)
        }

        // The day's exercises: a pass counts while the file is the one that passed; anything else
        // is graded now (an incremental build of the exercise module, then the cases).
        var exercisesPassed = true
        if !lesson.exercises.isEmpty {
            console.line()
            for block in lesson.exercises {
                let digest = digest(block)
                if !all, let earlier = progress.day(day).exercises[block.id], earlier.state == .passed,
                   let digest, earlier.digest == digest {
                    console.line(paint("\(glyphs.ok) Exercise \(block.id): passed", .good)
                        + paint(" (graded \(ProgressStore.stamp(earlier.at)); \(block.file) has not changed since)", .dim))
                    continue
                }
                guard let grader else {
                    exercisesPassed = false
                    console.line(paint("Exercise \(block.id): skipped: the checkout's sources were not found (set WORKBOOK_SOURCES)", .warn))
                    continue
                }
                let verdict = await grade(block, with: grader)
                try self.record(verdict, of: block, day: day, digest: digest)
                if case .passed = verdict {} else {
                    exercisesPassed = false
                    console.line(paint("  work on it with `workbook watch \(day)`", .dim))
                }
            }
            progress = try store.load()
        }

        // Concept self-ratings: the course's solid / partial / need review.
        if !lesson.header.concepts.isEmpty {
            if let scripted {
                if !scripted.ratings.isEmpty {
                    progress.update(day, now: now()) { $0.concepts.merge(scripted.ratings) { $1 } }
                    try store.save(progress)
                    console.line()
                    console.line("Ratings saved: " + scripted.ratings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.rawValue)" }.joined(separator: ", "))
                }
            } else if !inputEnded {
                console.line()
                console.line(paint("Rate yourself", .bold) + " on each concept: [s]olid, [p]artial, [n]eed review (Enter to skip).")
                for concept in lesson.header.concepts {
                    console.line(wrap("\(concept.id): \(concept.statement)"))
                    var rating: ConceptRating?
                    while true {
                        guard let reply = console.ask("  rating: ") else { inputEnded = true; break }
                        if reply.trimmed.isEmpty { break }
                        if let parsed = ConceptRating(answer: reply) { rating = parsed; break }
                        console.line("  (type s, p or n)")
                    }
                    if let rating {
                        progress.update(day, now: now()) { $0.concepts[concept.id] = rating }
                        try store.save(progress)
                    }
                    if inputEnded { break }
                }
            }
        }

        let final = progress.day(day)
        let rightNow = lesson.checks.filter { final.checks[$0.id]?.correct == true }.count
        summary.allRight = rightNow == lesson.checks.count && exercisesPassed
        console.line()
        var line = "This round: \(summary.right) right, \(summary.wrong) not yet, \(summary.skipped) skipped. Day \(day): \(rightNow) of \(lesson.checks.count) checks right"
        if !lesson.exercises.isEmpty {
            let passed = lesson.exercises.filter { final.exercises[$0.id]?.state == .passed }.count
            line += ", \(passed) of \(lesson.exercises.count) exercise\(lesson.exercises.count == 1 ? "" : "s") passed"
        }
        line += "."
        if inputEnded && scripted == nil { line += " (input ended)" }
        console.line(summary.allRight ? paint(line, .good) : line)
        return summary
    }

    /// Asks until the learner answers, skips (Enter) or input ends (nil). `?` shows the hint.
    private func askAnswer(_ check: Check, day: Int, progress: inout WorkbookProgress) -> String? {
        let prompt: String
        if case .choice(let choices, _) = check.kind {
            let letters = choices.map { String($0.letter) }
            prompt = "Your answer (\(letters.first!)-\(letters.last!), ? for a hint, Enter to skip): "
        } else {
            prompt = "Your answer (? for a hint, Enter to skip): "
        }
        while true {
            guard let reply = console.ask(prompt) else { return nil }
            if reply.trimmed == "?" {
                console.line(paint("Hint: ", .warn) + (check.hint ?? "no hint for this one; the Reading section covers it."))
                progress.update(day, now: now()) {
                    if !$0.hintsShown.contains(check.id) { $0.hintsShown.append(check.id) }
                }
                continue
            }
            return reply
        }
    }

    /// Reads a written answer of one or more lines, ended by an empty line (or the end of input).
    /// An empty first line skips; `?` alone shows the hint.
    private func askWritten(_ check: Check, day: Int, progress: inout WorkbookProgress) -> String? {
        console.line(paint("Write your answer; an empty line ends it (Enter alone skips, ? for a hint).", .dim))
        var lines: [String] = []
        while true {
            guard let reply = console.ask(lines.isEmpty ? "> " : "  ") else {
                return lines.isEmpty ? nil : lines.joined(separator: "\n")
            }
            if lines.isEmpty && reply.trimmed == "?" {
                console.line(paint("Hint: ", .warn) + (check.hint ?? "no hint for this one; the Reading section covers it."))
                progress.update(day, now: now()) {
                    if !$0.hintsShown.contains(check.id) { $0.hintsShown.append(check.id) }
                }
                continue
            }
            if reply.trimmed.isEmpty { return lines.joined(separator: "\n") }
            lines.append(reply)
        }
    }

    /// `text` (inline Markdown) filled to the terminal's width at word boundaries, after an
    /// optional painted lead such as "✓ Right.".
    func wrap(_ text: String, lead: (String, TextStyle)? = nil, indent: Int = 0) -> String {
        var spans = style.renderer.spans(LessonView.inlineMarkdown(text))
        if let lead { spans.insert(Span(lead.0 + " ", lead.1), at: 0) }
        let pad = String(repeating: " ", count: indent)
        return TextWrapper(width: style.width, color: style.color)
            .wrap(spans, prefix: (pad, pad + (indent > 0 ? "   " : ""), indent + (indent > 0 ? 3 : 0)))
            .joined(separator: "\n")
    }

    // MARK: hint

    /// Shows hints for the checks not yet answered correctly (or for one check).
    public func hint(day: Int, check only: String?) throws(WorkbookError) {
        let lesson = try paths.loadLesson(day: day)
        var progress = try store.load()
        let record = progress.day(day)
        var checks = lesson.checks
        if let only {
            checks = checks.filter { $0.id == only }
            guard !checks.isEmpty else {
                throw .unknownCheck(day: day, check: only, known: lesson.checks.map(\.id))
            }
        } else {
            checks = checks.filter { record.checks[$0.id]?.correct != true }
        }
        guard !checks.isEmpty else {
            console.line("Every check of Day \(day) is answered correctly; no hints needed.")
            return
        }
        for check in checks {
            let number = (lesson.checks.firstIndex { $0.id == check.id } ?? 0) + 1
            console.line(paint("Check \(number) (\(check.id)):", .bold) + " " + check.question)
            console.line("  " + paint("Hint:", .warn) + " " + (check.hint ?? "no hint for this one; the Reading section covers it."))
        }
        progress.update(day, now: now()) { day in
            for check in checks where !day.hintsShown.contains(check.id) { day.hintsShown.append(check.id) }
        }
        try store.save(progress)
    }
}
