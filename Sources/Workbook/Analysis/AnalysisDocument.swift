import Foundation

/// `spiffe-analysis.md` assembled from the parts: the cover as its title block, then every part
/// under its heading in order, each followed by the evidence of the learner's own work it names.
/// The same drafts, workspace and date give the same bytes, so a rebuild changes nothing.
public struct AnalysisDocument: Sendable {
    public struct Part: Sendable {
        public var template: AnalysisTemplate
        public var text: DraftText
        public var evidence: [AnalysisEvidence]

        public init(template: AnalysisTemplate, text: DraftText, evidence: [AnalysisEvidence] = []) {
            self.template = template
            self.text = text
            self.evidence = evidence
        }
    }

    public var parts: [Part]
    /// `--date`, which replaces the cover's `Date:`; nil keeps the cover's own.
    public var date: String?

    public init(parts: [Part], date: String?) {
        self.parts = parts
        self.date = date
    }

    /// The date the document carries: `--date`, else the cover's `Date:` line when it is a date.
    public var effectiveDate: String? {
        if let date { return date }
        guard let cover = parts.first(where: { $0.template.isCover }),
              let (value, _) = cover.text.value(of: "Date"), AnalysisTemplate.isDate(value) else { return nil }
        return value
    }

    public var markdown: String {
        var blocks: [String] = []
        let cover = parts.first { $0.template.isCover }
        let service = cover.flatMap { $0.text.value(of: "Service")?.value }.flatMap { $0.isEmpty || $0.contains("{{") ? nil : $0 }
        blocks.append("# SPIFFE analysis" + (service.map { ": \($0)" } ?? ""))
        if let cover {
            blocks.append(dated(cover.text).assembled)
        }
        for part in parts where !part.template.isCover {
            blocks.append("## \(part.template.heading)")
            let body = part.text.assembled
            if !body.isEmpty { blocks.append(body) }
            if !part.evidence.isEmpty {
                blocks.append("### Evidence from the workbook")
                blocks.append(contentsOf: part.evidence.map(\.markdown))
            }
        }
        blocks.append("---")
        blocks.append("*Assembled by `workbook analysis build` from \(parts.count) parts.*")
        return blocks.filter { !$0.isEmpty }.joined(separator: "\n\n") + "\n"
    }

    /// The cover with its `Date:` value replaced by `--date`, when one was given; a cover
    /// without a `Date:` line gets one first.
    func dated(_ text: DraftText) -> DraftText {
        guard let date else { return text }
        guard let (_, number) = text.value(of: "Date") else { return DraftText("- **Date:** \(date)\n\n" + text.text) }
        var lines = text.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let line = lines[number - 1]
        // The label as written (`Date:`, `**Date:**`, `**Date**:`, `- Date:`): keep everything
        // up to the colon after it, and any `**` right after that colon.
        guard let label = line.range(of: "date", options: .caseInsensitive),
              let colon = line[label.upperBound...].firstIndex(of: ":") else { return text }
        var head = String(line[...colon])
        if line[line.index(after: colon)...].hasPrefix("**") { head += "**" }
        lines[number - 1] = head + " " + date
        return DraftText(lines.joined(separator: "\n"))
    }

    public enum WriteOutcome: Sendable, Equatable {
        case written
        /// The file already held exactly this.
        case unchanged
        /// The file had been edited since the last build; the edited file was kept here first.
        case keptEditedCopy(URL)
        /// The file was there but no build wrote it (or its record is gone); kept here first.
        case keptUnbuiltCopy(URL)
    }

    static func reason(_ error: WorkbookError) -> String {
        if case .fileProblem(_, let reason) = error { return reason }
        return error.description
    }

    /// The file next to the document that holds the digest of what `build` last wrote there.
    public static func builtRecord(for file: URL) -> URL {
        file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).built")
    }

    /// Writes `markdown` to `file` atomically. A file that differs from what the last build wrote
    /// (edited by hand, or there before any build) is kept first as `<name>.<time>.md`.
    public static func write(_ markdown: String, to requested: URL, now: Date) throws(WorkbookError) -> WriteOutcome {
        let data = Data(markdown.utf8)
        // A document that is a symbolic link is written where the link points, the link kept
        // (even when the link's target does not exist yet).
        var file = requested
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: requested.path) {
            file = URL(fileURLWithPath: target, relativeTo: requested.deletingLastPathComponent()).standardizedFileURL
        }
        let record = builtRecord(for: file)
        var outcome = WriteOutcome.written
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .fileProblem(path: requested.path, reason: "is a directory; --out names the document's file")
        }
        if let existing = FileManager.default.contents(atPath: file.path) {
            if existing == data {
                try AtomicWrite.write(Data((ContentDigest.of(data) + "\n").utf8), to: record)
                return .unchanged
            }
            let lastBuilt = FileManager.default.contents(atPath: record.path).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
            if lastBuilt != ContentDigest.of(existing) {
                // Edited by hand since the last build, or never written by one: keep it first.
                let base = file.deletingPathExtension().lastPathComponent
                let stamp = ProgressStore.stamp(now)
                let kept = try AtomicWrite.writeNew(existing, in: file.deletingLastPathComponent()) { suffix in
                    "\(base).\(stamp)\(suffix).md"
                }
                outcome = lastBuilt == nil ? .keptUnbuiltCopy(kept) : .keptEditedCopy(kept)
            }
        }
        do {
            try AtomicWrite.write(data, to: file)
            try AtomicWrite.write(Data((ContentDigest.of(data) + "\n").utf8), to: record)
        } catch {
            throw .fileProblem(path: file.path, reason: "cannot write the document there (\(Self.reason(error))); check that \(file.deletingLastPathComponent().path) is writable, or pass --out")
        }
        return outcome
    }
}
