import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader sees either the old content or the new, never half of either,
/// and so that a private key is never readable by others, not even for a moment.
///
/// `Data.write(options: .atomic)` creates the file with the process umask (often 0644) and
/// would need a chmod afterwards, leaving a window in which the key is world-readable. Here the
/// temporary file is created with the final mode, written, flushed to disk and renamed into place.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL, mode: mode_t = 0o644) throws(X509Error) {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .fileProblem(path: path, reason: "is a directory, not a file")
        }
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .fileProblem(path: path, reason: "cannot create: \(String(cString: strerror(errno)))") }
        var failure: String?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        // The mode passed to open() is filtered by the umask; set it exactly.
        if failure == nil, fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw .fileProblem(path: path, reason: "cannot write: \(failure)")
        }
    }

    /// Like `write`, but first keeps the current file (if any) as `<name>.bak`, so nothing the
    /// learner wrote is lost when a file is replaced.
    public static func writeKeepingBackup(_ data: Data, to url: URL, mode: mode_t = 0o644) throws(X509Error) {
        let path = url.path
        if FileManager.default.fileExists(atPath: path) {
            let backup = URL(fileURLWithPath: path + ".bak")
            let existing: Data
            do { existing = try Data(contentsOf: url) } catch {
                throw .fileProblem(path: path, reason: "cannot read it to keep a backup: \(error.localizedDescription)")
            }
            try write(existing, to: backup, mode: mode)
        }
        try write(data, to: url, mode: mode)
    }
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
