import Foundation

/// Reads and writes the progress file.
///
/// - A missing file is a fresh start. A file that does not parse is an error naming the file and
///   the problem; it is never discarded or overwritten, because it is the learner's record.
/// - Writes are atomic (a temporary file in the same directory, flushed, then renamed over the
///   old one), and the previous version is kept as `progress.json.bak` first.
public struct ProgressStore: Sendable {
    public var file: URL

    public init(file: URL) {
        self.file = file
    }

    public var backupFile: URL { file.appendingPathExtension("bak") }

    public func load() throws(WorkbookError) -> WorkbookProgress {
        guard FileManager.default.fileExists(atPath: file.path) else { return WorkbookProgress() }
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw .fileProblem(path: file.path, reason: "cannot read: \(error.localizedDescription)")
        }
        // Format first, so a newer layout is reported as such and not as damage.
        if let probe = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let format = probe["format"] as? Int, format > WorkbookProgress.currentFormat {
            throw .progressFromNewerWorkbook(path: file.path, format: format)
        }
        do {
            return try Self.decoder.decode(WorkbookProgress.self, from: data)
        } catch {
            throw .progressDamaged(path: file.path, reason: Self.describe(error))
        }
    }

    public func save(_ progress: WorkbookProgress) throws(WorkbookError) {
        let data: Data
        do {
            data = try Self.encoder.encode(progress) + Data("\n".utf8)
        } catch {
            throw .fileProblem(path: file.path, reason: "cannot encode progress: \(error)")
        }
        let directory = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .fileProblem(path: directory.path, reason: "cannot create the workspace: \(error.localizedDescription)")
        }
        if let old = try? Data(contentsOf: file), old != data {
            try AtomicWrite.write(old, to: backupFile)
        }
        try AtomicWrite.write(data, to: file)
    }

    /// Keeps a dated copy (for `reset`), returning its path: `progress.<stamp>.json`, or
    /// `progress.<stamp>-2.json` and so on when a backup of the same second exists. The name is
    /// claimed with link(2), which never replaces a file, so two resets in one second (or two
    /// processes at once) each keep their own backup.
    public func backupCopy(now: Date) throws(WorkbookError) -> URL? {
        guard let data = try? Data(contentsOf: file) else { return nil }
        let stamp = Self.stamp(now)
        return try AtomicWrite.writeNew(data, in: file.deletingLastPathComponent()) { suffix in
            "progress.\(stamp)\(suffix).json"
        }
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// A Swift type as the JSON it stands for: "an object", not "Dictionary<String, Any>".
    static func kind(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("Dictionary") { return "an object" }
        if name.hasPrefix("Array") { return "a list" }
        switch name {
        case "String": return "a string"
        case "Int", "Int64", "Int32", "UInt", "Double", "Float": return "a number"
        case "Bool": return "true or false"
        case "Date": return "a date such as 2026-01-31T12:00:00Z"
        default: return "a \(name.prefix { $0 != "<" }.lowercased()) value"
        }
    }

    /// One line about what is wrong with the file.
    static func describe(_ error: any Error) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "the top level" : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case DecodingError.dataCorrupted(let context):
            if let underlying = context.underlyingError {
                let text = (underlying as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(underlying)"
                return "not valid JSON: \(text)"
            }
            return "\(context.debugDescription) at \(path(context.codingPath))"
        case DecodingError.keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case DecodingError.typeMismatch(let type, let context):
            return "\(path(context.codingPath)) should be \(kind(type))"
        case DecodingError.valueNotFound(let type, let context):
            return "\(path(context.codingPath)) should be \(kind(type)), not null"
        default:
            return "\(error)"
        }
    }
}

/// Writes a file so that readers see either the old or the new content, never a torn one.
enum AtomicWrite {
    /// The suffixes tried for a name that must not replace anything: "", "-2", "-3", …
    static func uniqueSuffixes(limit: Int = 1_000) -> [String] {
        [""] + (2...limit).map { "-\($0)" }
    }

    /// Writes `data` to a NEW file in `directory`, named by `name(suffix)` with the first suffix
    /// whose name is free. The complete file is linked into place, so the name never holds a
    /// torn file, and an existing file is never replaced.
    static func writeNew(
        _ data: Data, in directory: URL, mode: mode_t = 0o644, name: (String) -> String
    ) throws(WorkbookError) -> URL {
        for suffix in uniqueSuffixes() {
            let url = directory.appendingPathComponent(name(suffix))
            if try create(data, at: url, mode: mode) { return url }
        }
        throw .fileProblem(path: directory.appendingPathComponent(name("")).path, reason: "a thousand backups of the same second exist; remove some")
    }

    /// Writes `data` to `url` only if no file is there; false when one is (it is left alone).
    /// The complete file is linked into place, so the name never holds a torn file.
    static func create(_ data: Data, at url: URL, mode: mode_t = 0o644) throws(WorkbookError) -> Bool {
        let staging = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0 ... .max)).new")
        do {
            try write(data, to: staging, mode: mode)
        } catch {
            // Name the file asked for, not the temporary one beside it.
            throw .fileProblem(path: url.path, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
        defer { unlink(staging.path) }
        if link(staging.path, url.path) == 0 { return true }
        switch errno {
        case EEXIST:
            return false
        case EPERM, ENOTSUP, EOPNOTSUPP, EXDEV:
            // A file system without hard links (some shared folders): claim the name with
            // O_EXCL and write into it, which is still never a replacement.
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, mode)
            if fd < 0 {
                if errno == EEXIST { return false }
                throw .fileProblem(path: url.path, reason: "cannot write: \(String(cString: strerror(errno)))")
            }
            close(fd)
            try write(data, to: url, mode: mode)
            return true
        default:
            throw .fileProblem(path: url.path, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
    }

    static func write(_ data: Data, to url: URL, mode: mode_t = 0o644) throws(WorkbookError) {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else {
            throw .fileProblem(path: url.path, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
        var ok = true
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    return
                }
                offset += written
            }
        }
        // Flush to disk before the rename, so a crash cannot leave a renamed but empty file.
        if ok && fsync(fd) != 0 { ok = false }
        let reason = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(temporary.path)
            throw .fileProblem(path: url.path, reason: "cannot write: \(reason)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw .fileProblem(path: url.path, reason: "cannot replace: \(reason)")
        }
    }
}
