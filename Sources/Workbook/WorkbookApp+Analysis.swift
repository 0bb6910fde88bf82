import Foundation
import Subprocess
import SystemPackage

/// `workbook analysis status|edit|build|check`: the learner's `spiffe-analysis.md`, written as
/// drafts of its parts and assembled from them (days/analysis/README.md).
extension WorkbookApp {
    /// Every part's state and what is still missing. Returns whether every part is complete.
    public func analysisStatus(drafts: URL? = nil, json: Bool) throws(WorkbookError) -> Bool {
        let analysis = AnalysisDrafts(paths: paths, drafts: drafts)
        let reviews = try analysis.reviews()
        if json {
            console.out(Self.json(Self.analysisJSON(reviews, analysis)))
            return reviews.allSatisfy { $0.state == .complete }
        }
        let complete = reviews.filter { $0.state == .complete }.count
        console.line(paint("Your analysis", .heading) + ": \(complete) of \(reviews.count) parts complete (drafts in \(analysis.directory.path))")
        console.line()
        let width = reviews.map(\.template.label.count).max() ?? 0
        for review in reviews {
            let mark: String
            switch review.state {
            case .complete: mark = paint(glyphs.done, .good)
            case .draft: mark = paint(glyphs.started, .warn)
            case .blank: mark = glyphs.notStarted
            }
            let name = review.template.label.padding(toLength: width, withPad: " ", startingAt: 0)
            var line = "  \(mark) \(name)  \(review.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))"
            if review.state != .blank { line += " \(review.words) words" }
            if !review.hasDraft && review.state != .blank { line += ", filled from your records" }
            console.line(line.trimmingTrailingSpaces)
            if review.state == .draft {
                let shown = review.problems.prefix(3)
                for problem in shown {
                    console.line("      " + (problem.line.map { "line \($0): " } ?? "") + problem.message)
                }
                if review.problems.count > shown.count {
                    console.line("      … and \(review.problems.count - shown.count) more (workbook analysis check)")
                }
            }
        }
        console.line()
        if let next = reviews.first(where: { $0.state != .complete }) {
            console.line("Next: workbook analysis edit \(next.template.editName)")
        } else {
            console.line("Every part is complete. Next: workbook analysis build")
        }
        return complete == reviews.count
    }

    /// Every problem of every part, one line each with its file and line. Returns whether there
    /// are none (the command then exits 0).
    public func analysisCheck(drafts: URL? = nil, json: Bool) throws(WorkbookError) -> Bool {
        let analysis = AnalysisDrafts(paths: paths, drafts: drafts)
        let reviews = try analysis.reviews()
        let problems = reviews.reduce(0) { $0 + ($1.state == .complete ? 0 : max(1, $1.problems.count)) }
        if json {
            console.out(Self.json(Self.analysisJSON(reviews, analysis)))
            return problems == 0
        }
        for review in reviews where review.state != .complete {
            let file = displayPath(analysis.draftFile(review.template))
            if review.state == .blank {
                console.line("\(file): \(review.template.label) is blank: \(review.problems.first?.message ?? "not started")")
                continue
            }
            for problem in review.problems {
                console.line("\(file)\(problem.line.map { ":\($0)" } ?? ""): \(problem.message)")
            }
        }
        let complete = reviews.filter { $0.state == .complete }.count
        if problems == 0 {
            console.line(paint(glyphs.ok, .good) + " every part of the analysis is complete (\(reviews.count) parts, \(reviews.reduce(0) { $0 + $1.words }) words)")
        } else {
            console.errorLine("\(complete) of \(reviews.count) parts complete; \(problems) thing\(problems == 1 ? "" : "s") to do")
        }
        return problems == 0
    }

    /// Assembles the document; returns whether every part was complete.
    public func analysisBuild(drafts: URL? = nil, output: URL? = nil, date: String? = nil,
                              evidence: Bool = true, json: Bool = false) throws(WorkbookError) -> Bool {
        if let date, !AnalysisTemplate.isDate(date) {
            throw .fileProblem(path: "--date", reason: "`\(date)` is not a date written YYYY-MM-DD")
        }
        let (document, reviews) = try assembleAnalysis(drafts: drafts, date: date, evidence: evidence)
        let parts = document.parts
        let file = output ?? paths.workspace.appendingPathComponent("spiffe-analysis.md")
        // The document never goes where the learner's drafts or the templates live.
        let analysis = AnalysisDrafts(paths: paths, drafts: drafts)
        for folder in [analysis.directory, analysis.templateDirectory] {
            let resolvedFolder = folder.resolvingSymlinksInPath().standardizedFileURL.path
            if file.deletingLastPathComponent().resolvingSymlinksInPath().standardizedFileURL.path == resolvedFolder {
                throw .fileProblem(path: file.path, reason: "is in \(folder.path), where drafts or templates live; write the document elsewhere (--out)")
            }
        }
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .fileProblem(path: file.deletingLastPathComponent().path, reason: "cannot create: \(error.localizedDescription)")
        }
        let outcome = try AnalysisDocument.write(document.markdown, to: file, now: now())
        let incomplete = reviews.filter { $0.state != .complete }
        let evidenceCount = parts.reduce(0) { $0 + $1.evidence.count }
        if json {
            var object: [String: Any] = [
                "file": file.path, "complete": incomplete.isEmpty,
                "incomplete": incomplete.map(\.template.id), "evidence": evidenceCount,
                "date": document.effectiveDate as Any? ?? NSNull(),
                "outcome": { switch outcome {
                    case .written: return "written"
                    case .unchanged: return "unchanged"
                    case .keptEditedCopy: return "kept-edited-copy"
                    case .keptUnbuiltCopy: return "kept-unbuilt-copy"
                } }(),
            ]
            if case .keptEditedCopy(let kept) = outcome { object["kept"] = kept.path }
            if case .keptUnbuiltCopy(let kept) = outcome { object["kept"] = kept.path }
            console.out(Self.json(object))
            return incomplete.isEmpty
        }
        if case .keptEditedCopy(let kept) = outcome {
            console.errorLine("\(displayPath(file)) had been edited since the last build: your version is kept as \(displayPath(kept))")
        }
        if case .keptUnbuiltCopy(let kept) = outcome {
            console.errorLine("\(displayPath(file)) was not written by a build: it is kept as \(displayPath(kept))")
        }
        let verb = outcome == .unchanged ? "unchanged" : "written"
        console.line("\(paint(glyphs.ok, .good)) \(displayPath(file)) \(verb): \(parts.count) parts, \(evidenceCount) piece\(evidenceCount == 1 ? "" : "s") of evidence from your workspace")
        if document.effectiveDate == nil {
            console.errorLine("no date yet: fill the cover's Date: line (workbook analysis edit cover) or pass --date YYYY-MM-DD")
        }
        if !incomplete.isEmpty {
            console.errorLine("\(incomplete.count) part\(incomplete.count == 1 ? "" : "s") still incomplete: "
                        + incomplete.map(\.template.label).joined(separator: ", ") + " (workbook analysis check lists what is missing)")
        }
        return incomplete.isEmpty
    }

    /// The document `build` writes, and the review of each part.
    func assembleAnalysis(drafts: URL?, date: String?, evidence: Bool) throws(WorkbookError) -> (AnalysisDocument, [PartReview]) {
        let analysis = AnalysisDrafts(paths: paths, drafts: drafts)
        let progress = evidence ? try store.load() : WorkbookProgress()
        var parts: [AnalysisDocument.Part] = []
        var reviews: [PartReview] = []
        for template in try analysis.templates() {
            let (text, hasDraft) = try analysis.current(template)
            reviews.append(PartReview.review(template, text: text, hasDraft: hasDraft))
            let quoted = evidence ? AnalysisEvidence.collect(template.evidence, workspace: paths.workspace, progress: progress) : []
            parts.append(AnalysisDocument.Part(template: template, text: text, evidence: quoted))
        }
        return (AnalysisDocument(parts: parts, date: date), reviews)
    }

    /// Decides an evidence check's `analysis complete` or `analysis built`, with what was found.
    public func analysisClaim(_ claim: Condition.AnalysisClaim) -> (Bool, String) {
        do {
            let (document, reviews) = try assembleAnalysis(drafts: nil, date: nil, evidence: true)
            let incomplete = reviews.filter { $0.state != .complete }.map(\.template.label)
            switch claim {
            case .complete:
                return incomplete.isEmpty
                    ? (true, "all \(reviews.count) parts of the analysis are complete")
                    : (false, "not complete yet: " + incomplete.joined(separator: ", ") + " (workbook analysis check)")
            case .built:
                let file = paths.workspace.appendingPathComponent("spiffe-analysis.md")
                guard let existing = FileManager.default.contents(atPath: file.path) else {
                    return (false, "there is no spiffe-analysis.md in the workspace yet (workbook analysis build)")
                }
                // The date may come from --date: compare with the file's own date kept.
                let dated = AnalysisDocument(parts: document.parts, date: Self.documentDate(in: existing) ?? document.effectiveDate)
                return Data(dated.markdown.utf8) == existing
                    ? (true, "spiffe-analysis.md matches your current drafts (\(existing.count) bytes)")
                    : (false, "spiffe-analysis.md differs from what your current drafts build: run workbook analysis build")
            }
        } catch {
            return (false, error.description)
        }
    }

    /// The date an assembled document carries on its cover's `Date:` line.
    static func documentDate(in data: Data) -> String? {
        DraftText(String(decoding: data, as: UTF8.self)).value(of: "Date").map(\.value).flatMap { AnalysisTemplate.isDate($0) ? $0 : nil }
    }

    /// Creates the part's draft if needed, then opens it in `$VISUAL`/`$EDITOR` unless
    /// `openEditor` is false; afterwards shows the part's state.
    @discardableResult
    public func analysisEdit(part name: String, drafts: URL? = nil, openEditor: Bool,
                             environment: [String: String] = ProcessInfo.processInfo.environment) async throws(WorkbookError) -> Bool {
        let analysis = AnalysisDrafts(paths: paths, drafts: drafts)
        let template = try analysis.template(named: name, in: analysis.templates())
        let (file, created) = try analysis.createDraft(template)
        if created { console.errorLine("created \(displayPath(file)) from the template") }
        if openEditor {
            let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0?.trimmed }.first { !$0.isEmpty }
            guard let editor else {
                console.line(file.path)
                console.errorLine("no editor: set EDITOR (e.g. export EDITOR=nano), or edit \(displayPath(file)) in any editor and run workbook analysis status")
                return false
            }
            if let status = await Self.runEditor(editor, file: file) {
                console.errorLine("the editor (\(editor)) \(status); your draft \(displayPath(file)) is as the editor left it")
                return false
            }
        } else {
            console.line(file.path)
        }
        let review = try analysis.review(template)
        var summary = "\(template.label): \(review.state.rawValue)"
        if review.state != .blank { summary += ", \(review.words) words" }
        if review.state == .draft {
            summary += "; \(review.problems.count) thing\(review.problems.count == 1 ? "" : "s") to do (workbook analysis check)"
        }
        if !review.hasDraft { summary += "; the draft \(displayPath(file)) is gone" }
        console.errorLine(summary)
        return true
    }

    /// Runs `editor` (a shell command line, as $EDITOR may be `code --wait`) on `file` with the
    /// terminal handed over; nil when it exited 0, else what happened.
    static func runEditor(_ editor: String, file: URL) async -> String? {
        do {
            let result = try await Subprocess.run(
                .path(FilePath("/bin/sh")), arguments: ["-c", editor + " \"$1\"", "sh", file.path],
                input: .currentStandardInput, output: .currentStandardOutput, error: .currentStandardError)
            switch result.terminationStatus {
            case .exited(0): return nil
            case .exited(let code): return code == 127 ? "was not found (exit status 127)" : "ended with exit status \(code)"
            case .signaled(let signal): return "was stopped by signal \(signal)"
            }
        } catch {
            return "could not start: \(error)"
        }
    }

    static func analysisJSON(_ reviews: [PartReview], _ analysis: AnalysisDrafts) -> [String: Any] {
        [
            "drafts": analysis.directory.path,
            "complete": reviews.allSatisfy { $0.state == .complete },
            "parts": reviews.map { review -> [String: Any] in
                [
                    "id": review.template.id, "order": review.template.order, "heading": review.template.heading,
                    "file": analysis.draftFile(review.template).path, "has_draft": review.hasDraft,
                    "state": review.state.rawValue, "words": review.words,
                    "problems": review.problems.map { problem -> [String: Any] in
                        ["line": problem.line as Any? ?? NSNull(), "message": problem.message]
                    },
                ]
            },
        ]
    }

    /// A path as the learner would type it from the current directory, when it is below it.
    func displayPath(_ url: URL) -> String {
        let here = FileManager.default.currentDirectoryPath
        let path = url.standardizedFileURL.path
        return path.hasPrefix(here + "/") ? String(path.dropFirst(here.count + 1)) : path
    }
}
