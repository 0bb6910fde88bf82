import Foundation

/// The learner's analysis on disk: the templates of `days/analysis/`, the drafts in
/// `workspace/analysis/` (or another folder), and the record answers `{{from …}}` fields are
/// filled from. Drafts are the learner's work: created atomically, never replaced, and a draft
/// that cannot be read is an error naming it, never skipped or discarded.
public struct AnalysisDrafts: Sendable {
    /// `days/analysis/`.
    public var templateDirectory: URL
    /// `workspace/analysis/`, or the folder `--drafts` names.
    public var directory: URL
    /// The workspace whose `dayNN/records/` answer the `{{from …}}` fields.
    public var workspace: URL

    public init(templateDirectory: URL, directory: URL, workspace: URL) {
        self.templateDirectory = templateDirectory
        self.directory = directory
        self.workspace = workspace
    }

    public init(paths: WorkbookPaths, drafts: URL? = nil) {
        self.init(templateDirectory: paths.days.appendingPathComponent("analysis", isDirectory: true),
                  directory: drafts ?? paths.workspace.appendingPathComponent("analysis", isDirectory: true),
                  workspace: paths.workspace)
    }

    /// The templates, in document order: every `NN-<id>.md` of the template folder.
    public func templates() throws(WorkbookError) -> [AnalysisTemplate] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: templateDirectory.path)
        } catch {
            throw .fileProblem(path: templateDirectory.path, reason: "no analysis templates here (the checkout's days/analysis/); set WORKBOOK_DAYS to the checkout's days/")
        }
        let files = names.filter { $0.hasSuffix(".md") && $0.first?.isNumber == true }.sorted()
        guard !files.isEmpty else {
            throw .fileProblem(path: templateDirectory.path, reason: "no analysis templates (NN-<part>.md) in this folder")
        }
        var templates: [AnalysisTemplate] = []
        for file in files {
            let template = try AnalysisTemplate.load(from: templateDirectory.appendingPathComponent(file))
            if let twin = templates.first(where: { $0.id == template.id || $0.order == template.order }) {
                throw .fileProblem(path: templateDirectory.appendingPathComponent(file).path,
                                   reason: "has the same id or order as \(twin.fileName)")
            }
            templates.append(template)
        }
        return templates.sorted { $0.order < $1.order }
    }

    /// The part a learner named: `1` … `6`, `§1`, the id, or the file name.
    public func template(named name: String, in templates: [AnalysisTemplate]) throws(WorkbookError) -> AnalysisTemplate {
        let key = name.trimmed.lowercased()
        let bare = (key.hasPrefix("§") ? String(key.dropFirst()) : key).trimmed
        if let found = templates.first(where: { part in
            part.id == bare || part.id + ".md" == bare || part.fileName == bare || part.fileName == bare + ".md"
                // 1-6 for the sections; the file's own two digits (00, 07) for every part.
                || ((1...6).contains(part.order) && String(part.order) == bare)
                || (bare.count == 2 && part.fileName.hasPrefix(bare + "-"))
        }) {
            return found
        }
        throw .unknownAnalysisPart(name, known: templates.map(\.editName))
    }

    public func draftFile(_ template: AnalysisTemplate) -> URL {
        directory.appendingPathComponent(template.fileName)
    }

    /// The learner's draft, nil when there is none; an error when it exists but cannot be read.
    public func readDraft(_ template: AnalysisTemplate) throws(WorkbookError) -> DraftText? {
        let url = draftFile(template)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            // A link to nowhere is a draft the learner meant to have, not a part not started.
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
                throw .fileProblem(path: url.path, reason: "is a symbolic link to \(target), which does not exist; fix the link or remove it (nothing was changed)")
            }
            return nil
        }
        guard !isDirectory.boolValue else {
            throw .fileProblem(path: url.path, reason: "is a directory, not a draft; move it aside (nothing was changed)")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .fileProblem(path: url.path, reason: "cannot read this draft (check its permissions; nothing was changed)")
        }
        guard let text = String(data: data, encoding: .utf8), !text.contains("\u{0}") else {
            throw .fileProblem(path: url.path, reason: "this draft is not UTF-8 text; repair it or move it aside (nothing was changed)")
        }
        return DraftText(text)
    }

    /// What the learner wrote for a record check of `day`.
    public func recordAnswer(day: Int, check: String) -> String? {
        RecordedAnswers(directory: workspace.appendingPathComponent(String(format: "day%02d", day))).answer(check)
    }

    /// The part as it stands: the draft, or the template when there is none, with its
    /// `{{from …}}` fields filled from the record answers that exist.
    public func current(_ template: AnalysisTemplate) throws(WorkbookError) -> (text: DraftText, hasDraft: Bool) {
        let draft = try readDraft(template)
        let text = (draft ?? DraftText(template.body)).filling(from: recordAnswer)
        return (text, draft != nil)
    }

    public func review(_ template: AnalysisTemplate) throws(WorkbookError) -> PartReview {
        let (text, hasDraft) = try current(template)
        return PartReview.review(template, text: text, hasDraft: hasDraft)
    }

    /// Every part's review; a draft that cannot be read is that part's problem, not the end of
    /// the report (status and check still show the other parts; build refuses it).
    public func reviews() throws(WorkbookError) -> [PartReview] {
        try templates().map { (template: AnalysisTemplate) -> PartReview in
            do throws(WorkbookError) {
                return try review(template)
            } catch {
                return PartReview(template: template, state: .draft, problems: [PartReview.Problem(line: nil, message: error.description)],
                                  words: 0, hasDraft: true)
            }
        }
    }

    /// Creates the part's draft from its template, record fields filled, unless a draft exists
    /// (which is never replaced). Returns the draft's file and whether it was created now.
    @discardableResult
    public func createDraft(_ template: AnalysisTemplate) throws(WorkbookError) -> (file: URL, created: Bool) {
        let url = draftFile(template)
        if try readDraft(template) != nil { return (url, false) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .fileProblem(path: directory.path, reason: "cannot create: \(error.localizedDescription)")
        }
        let text = DraftText(template.body).filling(from: recordAnswer).text
        // A draft that appeared meanwhile (another editor, another workbook) is kept as it is.
        let created = try AtomicWrite.create(Data(text.utf8), at: url)
        return (url, created)
    }
}
