import Crypto
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SPIRE's `unix` workload attestor, on Linux: turns a caller's kernel credentials into selectors.
///
///     unix:uid:1000                    from SO_PEERCRED (the kernel, at connect time)
///     unix:user:alice                  the uid's name in the user database
///     unix:gid:1000                    from SO_PEERCRED
///     unix:group:alice                 the gid's name in the group database
///     unix:supplementary_gid:27        each supplementary group of the process (/proc/<pid>/status)
///     unix:supplementary_group:sudo    … and its name
///     unix:path:/usr/bin/web           the executable (/proc/<pid>/exe)
///     unix:sha256:<hex>                the SHA-256 of the executable's contents
///
/// Path and hash need read access to /proc/<pid>/exe, which only root (or the same user) has; an
/// agent running unprivileged simply produces no path selectors for other users' processes.
public final class UnixWorkloadAttestor: Sendable {
    /// Hashing an executable is the expensive part (a debug Swift binary is ~100 MB), so hashes
    /// are cached by the file's identity: device, inode, size and modification time. The cache
    /// is the process's, not one attestor's: an agent restarted in the same process (as the
    /// workbook's steps do, several times a lesson) does not hash the same file again.
    private static let hashes = Mutex<[String: String]>([:])

    public init() {}

    // step: attest
    /// The selectors of the process behind `peer`.
    public func attest(_ peer: PeerCredentials) throws(AgentError) -> Set<Selector> {
        let pid = peer.pid
        // uid and gid come from SO_PEERCRED, which the kernel recorded at connect(): they cannot
        // be changed by the caller afterwards, unlike /proc/<pid>/status after a setuid().
        var selectors: Set<Selector> = [.unix("uid", String(peer.uid)), .unix("gid", String(peer.gid))]
        if let user = Self.userName(peer.uid) { selectors.insert(.unix("user", user)) }
        if let group = Self.groupName(peer.gid) { selectors.insert(.unix("group", group)) }

        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
            throw .attestation("process \(pid) exited before it could be attested")
        }
        for gid in Self.supplementaryGroups(status: status) {
            selectors.insert(.unix("supplementary_gid", String(gid)))
            if let name = Self.groupName(gid) { selectors.insert(.unix("supplementary_group", name)) }
        }

        if let path = Self.executablePath(pid: pid) {
            selectors.insert(.unix("path", path))
            if let hash = executableHash(pid: pid) { selectors.insert(.unix("sha256", hash)) }
        }

        // The PID-reuse guard. Everything above was read from /proc/<pid>, and a PID is only a
        // number: had the caller exited and its PID gone to a new process in the meantime, we
        // would have described the wrong process. The start time (clock ticks since boot) was
        // recorded when the connection was accepted; a process that took over the PID started
        // later, so its start time differs. If it still matches now, *after* reading, /proc
        // described the process that connected. (SPIRE's peertracker makes the same check.)
        //
        // What this does not cover: a PID reused between connect() and our accept, a window of
        // microseconds that would need the kernel to cycle through every free PID; and a caller
        // that exec()s another program on the same connection (same PID and start time, new
        // executable), which is why path and hash describe "what runs now", as in SPIRE.
        guard PeerCredentials.startTime(ofProcess: pid) == peer.startTime else {
            throw .attestation("process \(pid) exited during attestation (its PID now belongs to another process)")
        }
        return selectors
    }
    // end-step

    /// Group IDs from the `Groups:` line of /proc/<pid>/status.
    static func supplementaryGroups(status: String) -> [UInt32] {
        for line in status.split(separator: "\n") where line.hasPrefix("Groups:") {
            return line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
        }
        return []
    }

    /// The executable's path, from the /proc/<pid>/exe symlink.
    static func executablePath(pid: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/\(pid)/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// SHA-256 of the executable, read through /proc/<pid>/exe: that is the file the process
    /// runs even if the path has since been replaced or deleted.
    func executableHash(pid: Int32) -> String? {
        let fd = open("/proc/\(pid)/exe", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let key = "\(info.st_dev)-\(info.st_ino)-\(info.st_size)-\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        if let cached = Self.hashes.withLock({ $0[key] }) { return cached }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 { if errno == EINTR { continue }; return nil }
            if count == 0 { break }
            hasher.update(data: buffer[..<count])
        }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        Self.hashes.withLock { $0[key] = hex }
        return hex
    }

    static func userName(_ uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return String(cString: entry.pw_name)
    }

    static func groupName(_ gid: UInt32) -> String? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return String(cString: entry.gr_name)
    }
}
