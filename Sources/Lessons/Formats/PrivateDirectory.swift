import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A directory only its owner can read: where private keys and registration entries are kept.
public enum PrivateDirectory {
    /// Creates `directory` with mode 0700 if it is missing (its missing parents with the usual
    /// mode: a parent may also hold the agent's socket, which other uids must reach); refuses a
    /// file in its place, and a directory of another user (keys written there would be theirs to
    /// read), and a shared one such as /tmp. An existing directory of ours that others may read
    /// is closed to them (mode 0700).
    public static func create(_ directory: URL) throws(X509Error) {
        var info = stat()
        if lstat(directory.path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw .fileProblem(path: directory.path, reason: "exists and is not a directory")
            }
            // A shared directory (the sticky bit, as /tmp has) is everyone's: closing it would
            // lock every other user out of it.
            guard info.st_mode & S_ISVTX == 0 else {
                throw .fileProblem(path: directory.path, reason: "is a shared directory (sticky bit, like /tmp); give a directory of its own below it")
            }
            guard info.st_uid == geteuid() else {
                throw .fileProblem(path: directory.path, reason: "belongs to uid \(info.st_uid), not to this user (uid \(geteuid())); private keys go only in a directory of one's own")
            }
            if info.st_mode & 0o077 != 0, chmod(directory.path, 0o700) != 0 {
                throw .fileProblem(path: directory.path, reason: "others may read it, and it cannot be made private: \(String(cString: strerror(errno)))")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            // Another process may have made it between the lstat above and here: then it is
            // judged like any existing directory (ours, private).
            if lstat(directory.path, &info) == 0 { return try create(directory) }
            throw .fileProblem(path: directory.path, reason: "cannot create directory: \(error.localizedDescription)")
        }
    }
}
