import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel's first build, started by scripts/workbook in the background while the learner
/// reads: its files in `<workspace>/.kernel-build/`.
///
///     log      SwiftPM's output (the `[n/N] Compiling …` lines are the progress)
///     pid      the build's process id, while it runs
///     status   its exit status, once it has ended
public struct KernelBuild: Sendable {
    public var directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public var log: URL { directory.appendingPathComponent("log") }
    var pidFile: URL { directory.appendingPathComponent("pid") }
    var statusFile: URL { directory.appendingPathComponent("status") }
    var lockFile: URL { directory.appendingPathComponent("lock") }

    /// When the last build ended (its status was written); the distant past if none did.
    public var endedAt: Date {
        ((try? FileManager.default.attributesOfItem(atPath: statusFile.path))?[.modificationDate] as? Date) ?? .distantPast
    }

    /// Whether scripts/build-kernel holds its lock: it does for as long as it builds.
    func lockIsHeld() -> Bool {
        let fd = open(lockFile.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// How long a running build's log may stay unchanged before the build is taken for dead.
    static let silenceLimit: TimeInterval = 600

    public enum State: Equatable, Sendable {
        /// No build was started here, or it succeeded.
        case idle
        /// Still running; the last `[done/total]` SwiftPM printed, if any yet.
        case running(done: Int, total: Int)
        case failed(status: String)
    }

    public func state() -> State {
        // The lock says "running" from the first moment; the pid (written by scripts/workbook as
        // it starts the build) covers the instant before the build takes the lock.
        let running = lockIsHeld() || (read(statusFile) == nil && read(pidFile).flatMap { pid_t($0) }.map { kill($0, 0) == 0 || errno == EPERM } == true)
        if !running, let status = read(statusFile) {
            return status == "0" ? .idle : .failed(status: status)
        }
        guard running else {
            return .idle   // never started, or died without a word (the kernel, if any, is used)
        }
        // A pid file left by a build that was killed (the pid may since belong to another
        // process): SwiftPM prints at least every few minutes, so a silent log means it is over.
        if let modified = (try? FileManager.default.attributesOfItem(atPath: log.path))?[.modificationDate] as? Date,
           Date().timeIntervalSince(modified) > Self.silenceLimit {
            return .idle
        }
        let progress = (try? String(contentsOf: log, encoding: .utf8)).flatMap(Self.progress) ?? (0, 0)
        return .running(done: progress.done, total: progress.total)
    }

    /// The last `[n/N]` of SwiftPM's output.
    static func progress(_ text: String) -> (done: Int, total: Int)? {
        for line in text.split(separator: "\n").reversed() {
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { continue }
            let parts = line[line.index(after: line.startIndex)..<close].split(separator: "/")
            if parts.count == 2, let done = Int(parts[0]), let total = Int(parts[1]), total > 0 {
                return (done, total)
            }
        }
        return nil
    }

    /// `[#########...........]  45%  (812/1804)`, `width` characters of bar.
    public static func bar(done: Int, total: Int, width: Int = 30) -> String {
        guard total > 0 else { return "[" + String(repeating: ".", count: width) + "]  starting" }
        let filled = min(width, done * width / total)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            + " \(done * 100 / total)%  (\(done)/\(total))"
    }

    private func read(_ url: URL) -> String? {
        (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
