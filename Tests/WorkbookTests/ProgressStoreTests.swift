import Foundation
import Testing
import TestSupport
@testable import Workbook

@Suite struct ProgressStoreTests {
    @Test func roundTripKeepsABackupOfThePreviousVersion() throws {
        let dir = try TestSupport.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ProgressStore(file: dir.appendingPathComponent("progress.json"))
        #expect(try store.load() == WorkbookProgress())

        var progress = WorkbookProgress()
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        progress.update(3, now: when) {
            $0.checks["uri-san"] = CheckRecord(correct: true, answer: "b", attempts: 1, at: when)
            $0.concepts["uri-san"] = .needReview
        }
        try store.save(progress)
        #expect(!FileManager.default.fileExists(atPath: store.backupFile.path), "nothing to back up the first time")
        let first = try String(contentsOf: store.file, encoding: .utf8)
        #expect(first.contains("\"need review\""))
        #expect(first.contains("\"last_day\" : 3"))
        #expect(first.contains("\n  "), "pretty-printed for people")

        progress.update(3, now: when) { $0.concepts["uri-san"] = .solid }
        try store.save(progress)
        #expect(try String(contentsOf: store.backupFile, encoding: .utf8) == first)
        #expect(try store.load() == progress)
        // No temporary files left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["progress.json", "progress.json.bak"])
    }

    @Test func aDamagedFileIsAnErrorAndIsLeftUntouched() throws {
        let dir = try TestSupport.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ProgressStore(file: dir.appendingPathComponent("progress.json"))
        let damaged = "{\n  \"format\": 1,\n  \"days\": { \"day03\": { \"viewed\": tru"
        try damaged.write(to: store.file, atomically: true, encoding: .utf8)
        #expect {
            try store.load()
        } throws: { error in
            guard case .progressDamaged(let path, let reason) = error as? WorkbookError else { return false }
            return path == store.file.path && reason.contains("not valid JSON")
        }
        #expect(try String(contentsOf: store.file, encoding: .utf8) == damaged)

        try "{\"format\": 1, \"days\": {\"day03\": {\"viewed\": \"yes\"}}}".write(to: store.file, atomically: true, encoding: .utf8)
        #expect {
            try store.load()
        } throws: { error in
            guard case .progressDamaged(_, let reason) = error as? WorkbookError else { return false }
            return reason.contains("days.day03.viewed")
        }
    }

    @Test func damageIsSaidInJSONWordsAndOnlyAnExistingBackupIsOffered() throws {
        let dir = try TestSupport.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ProgressStore(file: dir.appendingPathComponent("progress.json"))
        try "{\"format\": 1, \"days\": [1, 2]}".write(to: store.file, atomically: true, encoding: .utf8)
        let noBackup = catching { try store.load() }
        #expect(noBackup.contains("days should be an object"), "\(noBackup)")
        #expect(!noBackup.contains("Dictionary") && !noBackup.contains(".bak"), "\(noBackup)")
        try "{}".write(to: store.backupFile, atomically: true, encoding: .utf8)
        #expect(catching { try store.load() }.contains("or restore the backup \(store.backupFile.path)"))
    }

    @Test func twoBackupsInOneSecondAreBothKept() throws {
        let dir = try TestSupport.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ProgressStore(file: dir.appendingPathComponent("progress.json"))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try "{\"first\": 1}".write(to: store.file, atomically: true, encoding: .utf8)
        let first = try #require(try store.backupCopy(now: now))
        try "{\"second\": 2}".write(to: store.file, atomically: true, encoding: .utf8)
        let second = try #require(try store.backupCopy(now: now))
        #expect(first.lastPathComponent == "progress.20270115T080000Z.json")
        #expect(second.lastPathComponent == "progress.20270115T080000Z-2.json")
        #expect(try String(contentsOf: first, encoding: .utf8) == "{\"first\": 1}")
        #expect(try String(contentsOf: second, encoding: .utf8) == "{\"second\": 2}")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    func catching(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func aNewerFormatIsRefused() throws {
        let dir = try TestSupport.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = ProgressStore(file: dir.appendingPathComponent("progress.json"))
        try "{\"format\": 7, \"days\": {}}".write(to: store.file, atomically: true, encoding: .utf8)
        #expect(throws: WorkbookError.progressFromNewerWorkbook(path: store.file.path, format: 7)) { try store.load() }
    }
}
