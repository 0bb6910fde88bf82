import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who is on the other end of a Unix socket, as the kernel tells it: the process ID, user ID and
/// group ID of the process that called connect(), plus that process's start time.
///
/// This is the root of workload attestation. The caller presents nothing, so there is nothing
/// to forge: the kernel recorded these values when the connection was made (SO_PEERCRED).
///
/// The start time is what makes the PID usable later. A PID is only a number, and numbers are
/// reused: if the caller exits, another process may get the same PID, and reading
/// /proc/<pid> then describes the wrong process. The start time (clock ticks since boot, field 22
/// of /proc/<pid>/stat) differs between the two, so recording it now and comparing it after
/// reading /proc tells us whether /proc still describes the process that connected.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// The process's start time in clock ticks since boot, read when the connection was accepted.
    public var startTime: UInt64

    public init(pid: Int32, uid: UInt32, gid: UInt32, startTime: UInt64) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.startTime = startTime
    }

    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid) start=\(startTime)" }

    /// Parses the `description` form (how the agent carries credentials from the connection to
    /// the RPC, in a metadata entry that only the agent itself can set).
    public init?(encoded: String) {
        var fields: [String: String] = [:]
        for part in encoded.split(separator: " ") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            fields[String(pair[0])] = String(pair[1])
        }
        guard fields.count == 4,
              let pid = fields["pid"].flatMap({ Int32($0) }),
              let uid = fields["uid"].flatMap({ UInt32($0) }),
              let gid = fields["gid"].flatMap({ UInt32($0) }),
              let start = fields["start"].flatMap({ UInt64($0) })
        else { return nil }
        self.init(pid: pid, uid: uid, gid: gid, startTime: start)
    }

    /// The start time of process `pid`: field 22 of /proc/<pid>/stat, or nil if the process is
    /// gone. The second field (the command name, in parentheses) may itself contain spaces and
    /// parentheses, so fields are counted from the *last* ')'.
    public static func startTime(ofProcess pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // After ')' come fields 3 (state), 4 (ppid), … so field 22 is the 20th of these.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count >= 20 else { return nil }
        return UInt64(fields[19])
    }
}

/// The kernel's `struct ucred`, laid out as Linux defines it. Glibc declares it only under
/// `_GNU_SOURCE`, which Swift's Glibc module does not set, so we define a layout-compatible copy.
struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
