import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on a file, held for the duration of a closure (flock(2)).
///
/// Several processes of one learner may start at the same moment (`svid-exchange a` and `b`,
/// tls-server and tls-client) and each may find that a trust domain needs a CA. A lock makes
/// "look, and create if missing" one step, so exactly one of them creates it and the rest load
/// it. Readers take the lock shared, so they never see the CA's certificate and key halfway
/// through a renewal. The lock is released by the kernel if the process dies.
public enum FileLock {
    /// Shared for readers (any number at once), exclusive for a writer (alone).
    public enum Kind: Sendable { case shared, exclusive }

    /// Runs `body` holding the lock on `url`, creating the lock file (mode 0600) if `kind` is
    /// exclusive. A shared lock on a lock file that does not exist runs `body` without one: no
    /// writer that locks has been there (files may still have been put there by hand).
    public static func with<T>(
        _ url: URL, _ kind: Kind, _ body: () throws -> T
    ) throws -> T {
        let flags = kind == .exclusive ? (O_RDWR | O_CREAT | O_CLOEXEC) : (O_RDONLY | O_CLOEXEC)
        let fd = open(url.path, flags, 0o600)
        guard fd >= 0 else {
            if errno == ENOENT, kind == .shared { return try body() }
            throw X509Error.fileProblem(path: url.path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        while flock(fd, kind == .exclusive ? LOCK_EX : LOCK_SH) != 0 {
            guard errno == EINTR else {
                throw X509Error.fileProblem(path: url.path, reason: "cannot lock: \(String(cString: strerror(errno)))")
            }
        }
        return try body()
    }
}
