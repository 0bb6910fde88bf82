import Foundation

/// What the learner wrote for a day's `record` checks, one Markdown file per check in the day's
/// workspace: `dayNN/records/<check-id>.md`. The files are the learner's work, so they are
/// written atomically, a changed answer first keeps the previous one in
/// `dayNN/records/history/<check-id>.<time>.md`, and `workbook reset` moves them aside with the
/// rest of the day. Day 21's analysis reads them back.
public struct RecordedAnswers: Sendable {
    /// The day's workspace directory (`workspace/day07`).
    public var directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public var folder: URL { directory.appendingPathComponent("records", isDirectory: true) }

    public func file(_ checkID: String) -> URL { folder.appendingPathComponent("\(checkID).md") }

    /// The saved answer, or nil when there is none yet.
    public func answer(_ checkID: String) -> String? {
        guard let data = FileManager.default.contents(atPath: file(checkID).path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Saves `text` as the answer, keeping a different earlier answer in `history/` first.
    /// Returns where the earlier answer went, if one was kept.
    @discardableResult
    public func save(_ text: String, for checkID: String, now: Date) throws(WorkbookError) -> URL? {
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .fileProblem(path: folder.path, reason: "cannot create: \(error.localizedDescription)")
        }
        var kept: URL?
        if let old = FileManager.default.contents(atPath: file(checkID).path), old != Data(body.utf8) {
            let history = folder.appendingPathComponent("history", isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: history, withIntermediateDirectories: true)
            } catch {
                throw .fileProblem(path: history.path, reason: "cannot create: \(error.localizedDescription)")
            }
            let stamp = ProgressStore.stamp(now)
            kept = try AtomicWrite.writeNew(old, in: history) { suffix in "\(checkID).\(stamp)\(suffix).md" }
        }
        try AtomicWrite.write(Data(body.utf8), to: file(checkID))
        return kept
    }
}
