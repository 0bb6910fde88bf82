import Foundation
import WorkbookProtocol

extension WorkbookApp {
    /// How a `run` went, for the exit status.
    public struct RunSummary: Sendable, Equatable {
        public var passed: [String] = []
        /// Ran but an expectation did not hold, or the step threw.
        public var failed: [String] = []
        public var unavailable: [String] = []
        public var mode: RunMode = .simulated

        public var allPassed: Bool { failed.isEmpty && unavailable.isEmpty }
    }

    /// Decides the mode for `--live`: live when something answers at the endpoint; otherwise says
    /// so in one line and offers the simulated mode (asks on a terminal; elsewhere it is an error
    /// that names the way out).
    func chooseMode(live: Bool) throws(WorkbookError) -> RunMode {
        guard live else { return .simulated }
        switch EndpointProbe.probe(runner.endpoint) {
        case .reachable:
            return .live
        case .unavailable(let reason):
            if console.isInteractive {
                console.err(reason + "\n")
                let answer = console.ask("Run in simulated mode instead (a CA in your workspace, no agent)? [Y/n] ")
                if let answer, ["", "y", "yes"].contains(answer.trimmed.lowercased()) { return .simulated }
                throw .cancelled
            }
            throw .liveEndpointUnavailable(reason + "; run without --live for the simulated mode, or start an agent (spiffe-demo agent)")
        }
    }

    /// Runs the day's steps in order (or one of them), showing each step's source and output,
    /// checking the lesson's expectations, and recording the results.
    @discardableResult
    public func run(day: Int, step only: String?, live: Bool) async throws(WorkbookError) -> RunSummary {
        let lesson = try paths.loadLesson(day: day)
        var blocks = lesson.steps
        if let only {
            blocks = blocks.filter { $0.id == only }
            guard !blocks.isEmpty else {
                throw .unknownStepInLesson(day: day, step: only + " (its steps: " + lesson.steps.map(\.id).joined(separator: ", ") + ")")
            }
        }
        var progress = try store.load()
        let mode = try chooseMode(live: live)
        // Steps run in the kernel: say at once, in one line, when it is missing (or wait for its
        // first build), rather than once per step.
        if let problem = runner.catalog.problem {
            throw .stepCatalogUnreadable(problem)
        }
        if blocks.contains(where: { runner.lookup($0.id) != nil }) {
            do { try await runner.kernel.ready() } catch { throw .kernelUnavailable(error) }
        }
        var summary = RunSummary(mode: mode)
        let view = LessonView(lesson: lesson, sourceRoot: paths.sourceRoot, lookup: runner.lookup)
        let directory = paths.dayDirectory(day)
        // With --live, only steps that have a live form use the endpoint; each result says which
        // mode it really ran in, and so do the header and the summary.
        let modeNote = mode == .live ? "live where a step has a live form, simulated otherwise" : mode.rawValue
        console.line(paint("Day \(day): \(lesson.title)", .heading) + " — running \(blocks.count) step\(blocks.count == 1 ? "" : "s") (\(modeNote)); files go to \(directory.path)")
        var ranIn: [RunMode: Int] = [:]

        for (index, block) in blocks.enumerated() {
            console.line()
            let registered = runner.lookup(block.id)
            let title = registered.map { " — " + $0.title } ?? ""
            console.line(paint("Step \(index + 1) of \(blocks.count): \(block.id)\(title)", .bold))
            if let registered {
                switch view.quote(registered) {
                case .success(let source):
                    console.line(paint("\(source.file), line \(source.firstLine):", .dim))
                    for line in style.renderer.frame(code: source.code, label: "swift", width: style.width) { console.line(line) }
                case .failure(let message):
                    console.line(paint("(source not shown: \(message))", .dim))
                }
            }
            let run = await runner.run(block.id, mode: mode, directory: directory, pendingReason: block.pending)
            let label = "[\(run.mode.rawValue)]"
            if case .unavailable = run.outcome {} else { ranIn[run.mode, default: 0] += 1 }
            var record: StepRecord
            switch run.outcome {
            case .unavailable(let why):
                console.line(paint("\(glyphs.pending) \(block.id): not available yet", .warn) + " — \(why)")
                summary.unavailable.append(block.id)
                record = StepRecord(outcome: .unavailable, mode: run.mode, at: now(), message: why)
            case .failed(let why):
                console.line(paint("\(glyphs.fail) \(block.id) failed \(label): \(why)", .bad))
                summary.failed.append(block.id)
                record = StepRecord(outcome: .failed, mode: run.mode, at: now(), message: why)
            case .succeeded(let output):
                console.line(paint("output \(label):", .dim))
                for line in output.lines { console.line(paint(glyphs.frameSide, .dim) + " " + line) }
                let evaluator = ConditionEvaluator(directory: directory, now: now, output: output, decideEvidence: runner.evidenceDecider)
                let results = await evaluator.evaluate(block.expectations)
                for result in results {
                    let mark = result.passed ? paint(glyphs.ok, .good) : paint(glyphs.fail, .bad)
                    console.line("\(mark) \(result.condition)" + (result.passed ? "" : " — " + result.detail))
                }
                if results.allSatisfy(\.passed) {
                    console.line(paint("\(glyphs.ok) \(block.id) ran as expected \(label)", .good))
                    summary.passed.append(block.id)
                    record = StepRecord(outcome: .passed, mode: run.mode, at: now(), facts: output.facts)
                } else {
                    let failures = results.filter { !$0.passed }.count
                    console.line(paint("\(glyphs.fail) \(block.id) ran \(label), but \(failures) expectation\(failures == 1 ? "" : "s") did not hold", .bad))
                    summary.failed.append(block.id)
                    record = StepRecord(outcome: .unexpected, mode: run.mode, at: now(), facts: output.facts,
                                        message: results.first { !$0.passed }?.detail)
                }
            }
            progress.update(day, now: now()) { $0.steps[block.id] = record }
            try store.save(progress)
        }

        console.line()
        let modes = RunMode.allCases.compactMap { ran in ranIn[ran].map { "\($0) \(ran.rawValue)" } }
        let modeSummary = mode == .simulated || modes.isEmpty ? mode.rawValue : modes.joined(separator: ", ")
        var parts = ["\(summary.passed.count) of \(blocks.count) step\(blocks.count == 1 ? "" : "s") ran as expected (\(modeSummary))"]
        if !summary.failed.isEmpty { parts.append("failed: " + summary.failed.joined(separator: ", ")) }
        if !summary.unavailable.isEmpty { parts.append("not available yet: " + summary.unavailable.joined(separator: ", ")) }
        console.line(parts.joined(separator: "; "))
        return summary
    }
}
