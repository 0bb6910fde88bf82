import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The real `spiffe-demo agent` for end-to-end tests, with everything other uids must reach
/// (the binary, the socket, scripts) in a short, world-traversable directory under /tmp: a
/// checkout under a root-only home is not reachable by uid 1000, and Unix socket paths are
/// limited to 107 bytes.
final class LocalAgent: @unchecked Sendable {
    let root: URL
    let dataDirectory: URL
    let socketPath: String
    let binary: String
    private var agent: BackgroundProcess?

    var endpoint: String { "unix://" + socketPath }

    init() throws {
        root = try Self.makeShortDirectory(prefix: "swt")
        dataDirectory = root.appendingPathComponent("data")
        socketPath = root.appendingPathComponent("api.sock").path
        let copy = root.appendingPathComponent("spiffe-demo")
        try TestSupport.copyExecutable(try TestSupport.product("spiffe-demo"), to: copy)
        binary = copy.path
    }

    deinit {
        agent?.stop()
        try? FileManager.default.removeItem(at: root)
    }

    /// `entry create` (the agent picks entries up without a restart).
    func createEntry(_ spiffeID: String, uid: Int, ttl: Int? = nil) throws {
        var args = ["entry", "create", "-spiffeID", spiffeID, "-selector", "unix:uid:\(uid)", "--data-dir", dataDirectory.path]
        if let ttl { args += ["-x509SVIDTTL", String(ttl)] }
        let result = try TestSupport.run(binary, args, deadline: 120)
        guard result.status == 0 else { throw BackgroundProcess.WaitFailed(description: "entry create failed: \(result)") }
    }

    func start() throws {
        let agent = try BackgroundProcess("agent", binary,
            ["agent", "--socket", socketPath, "--data-dir", dataDirectory.path, "--log-level", "debug"], currentDirectory: root)
        self.agent = agent
        try agent.waitFor("ready: ")
    }

    var log: String { (agent?.stdout ?? "") + (agent?.stderr ?? "") }

    /// The setpriv prefix that runs a command as `uid` (group = uid, no supplementary groups).
    func asUser(_ uid: Int) -> [String] {
        ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"]
    }

    /// Starts `spiffe-demo <args>` as `uid` in the background.
    func spawn(_ name: String, uid: Int, _ args: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(name, "/usr/bin/setpriv", asUser(uid) + [binary] + args, currentDirectory: root)
    }

    /// Runs `spiffe-demo <args>` as `uid` to completion.
    func run(uid: Int, _ args: [String], deadline: TimeInterval = 120) throws -> TestSupport.ProcessResult {
        try TestSupport.run("/usr/bin/setpriv", asUser(uid) + [binary] + args, currentDirectory: root, deadline: deadline)
    }

    /// A directory below `root` that every uid may write to (like /tmp).
    func sharedDirectory(_ name: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        chmod(url.path, 0o1777)
        return url
    }

    static func makeShortDirectory(prefix: String) throws -> URL {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BackgroundProcess.WaitFailed(description: "mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        let path = String(cString: made)
        chmod(path, 0o755)
        return URL(fileURLWithPath: path)
    }
}
