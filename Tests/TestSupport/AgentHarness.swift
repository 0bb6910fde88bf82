import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the real `spiffe-demo agent` binary on a temporary socket, for end-to-end tests.
///
/// Everything lives under a short, world-traversable directory in /tmp: Unix socket paths are
/// limited to 107 bytes, and the tests run clients as other uids (setpriv), which must reach the
/// binary and the socket. The binary is copied there once, because the checkout may be under a
/// home directory other users cannot enter. The one harness of the suite: the Workload API, TLS
/// and exchange tests all start their agent with it.
public final class AgentHarness: @unchecked Sendable {
    public let root: URL
    public let dataDirectory: URL
    public let socketPath: String
    private var process: ChildProcess?
    private let logFile: URL
    private let outFile: URL

    /// The copied `spiffe-demo`, shared by every test in the run.
    static let sharedBinary: Result<URL, any Error> = Result {
        let built = try TestSupport.product("spiffe-demo")
        let directory = try makeShortDirectory(prefix: "swb-bin")
        let copy = directory.appendingPathComponent("spiffe-demo")
        try TestSupport.copyExecutable(built, to: copy)
        return copy
    }

    public var binaryPath: String { get throws { try Self.sharedBinary.get().path } }

    /// The copied binary's path (for tests that build their own command lines).
    public var binary: String { (try? binaryPath) ?? "spiffe-demo" }

    public var endpoint: String { "unix://" + socketPath }

    public init() throws {
        root = try Self.makeShortDirectory(prefix: "swa")
        dataDirectory = root.appendingPathComponent("data")
        socketPath = root.appendingPathComponent("api.sock").path
        logFile = root.appendingPathComponent("agent.log")
        outFile = root.appendingPathComponent("agent.out")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: root)
    }

    /// Starts the agent and waits until it says it is ready (the deadline only turns a hang into
    /// a failure).
    public func start(extraArguments: [String] = []) async throws {
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        let out = open(outFile.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        let err = open(logFile.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        defer { close(out); close(err) }
        let process = try ChildProcess(
            path: try binaryPath,
            // A minute, not the default 10 s, before a connection that sent no request is closed:
            // under the whole suite on 2 cores, a client can take longer than 10 s to send its
            // first request, and would then see Unavailable. The limit tests set their own.
            args: ["agent", "--socket", socketPath, "--data-dir", dataDirectory.path, "--log-level", "debug"]
                + (extraArguments.contains("--idle-timeout") ? [] : ["--idle-timeout", "60s"]) + extraArguments,
            environment: ProcessInfo.processInfo.environment, currentDirectory: root, stdout: out, stderr: err)
        self.process = process
        let ready = try await TestSupport.poll(for: 120) { () throws -> Bool? in
            if stdout.contains("ready: ") { return true }
            guard process.isRunning else { throw HarnessError("the agent exited: \(log)") }
            return nil
        }
        guard ready != nil else { throw HarnessError("the agent did not become ready: \(log)") }
    }

    /// What the agent printed on stdout (`ready: …`, `bundle endpoint: …`).
    public var stdout: String { (try? String(contentsOf: outFile, encoding: .utf8)) ?? "" }

    /// Kills the agent with SIGKILL, as a crash would: no cleanup, the socket file stays.
    public func kill() async {
        guard let process else { return }
        await process.stopped(signal: SIGKILL)
        self.process = nil
    }

    /// Stops the agent with SIGTERM, for a `defer`: returns at once and leaves the waiting to a
    /// thread of its own (see `ChildProcess.stopSoon`).
    public func stop() {
        guard let process else { return }
        process.stopSoon()
        self.process = nil
    }

    /// Stops the agent with SIGTERM and waits until it has exited (before starting another on the
    /// same data directory or socket).
    public func stopped() async {
        guard let process else { return }
        await process.stopped()
        self.process = nil
    }

    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// `spiffe-demo entry create` against this agent's data directory.
    @discardableResult
    public func createEntry(_ spiffeID: String, selectors: [String], ttl: Int? = nil, jwtTTL: Int? = nil) async throws -> String {
        var args = ["entry", "create", "-spiffeID", spiffeID, "--data-dir", dataDirectory.path]
        for selector in selectors { args += ["-selector", selector] }
        if let ttl { args += ["-x509SVIDTTL", String(ttl)] }
        if let jwtTTL { args += ["-jwtSVIDTTL", String(jwtTTL)] }
        let result = try await TestSupport.run(try binaryPath, args, deadline: 120)
        guard result.status == 0 else { throw HarnessError("entry create failed: \(result)") }
        guard let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix("Entry ID") }),
              let id = line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces)
        else { throw HarnessError("no entry ID in: \(result.stdout)") }
        return id
    }

    /// Runs `spiffe-demo <args>` as `uid` (group = uid, no supplementary groups) via setpriv.
    public func runAs(uid: Int, _ args: [String], deadline: TimeInterval = 120) async throws -> TestSupport.ProcessResult {
        try await TestSupport.run(
            "setpriv",
            asUser(uid) + [try binaryPath] + args,
            currentDirectory: root,
            deadline: deadline
        )
    }

    /// `entry create` for one uid (the agent picks entries up without a restart).
    @discardableResult
    public func createEntry(_ spiffeID: String, uid: Int, ttl: Int? = nil) async throws -> String {
        try await createEntry(spiffeID, selectors: ["unix:uid:\(uid)"], ttl: ttl)
    }

    /// The setpriv prefix that runs a command as `uid` (group = uid, no supplementary groups).
    public func asUser(_ uid: Int) -> [String] {
        ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"]
    }

    /// Starts `spiffe-demo <args>` as `uid` in the background.
    public func spawn(_ name: String, uid: Int, _ args: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(name, "/usr/bin/setpriv", asUser(uid) + [try binaryPath] + args, currentDirectory: root)
    }

    /// Starts another executable of the package as `uid`, with `SPIFFE_ENDPOINT_SOCKET` pointing
    /// at this agent, the way a real workload finds its agent. The executable is copied beside
    /// spiffe-demo, where every uid can reach it.
    public func spawnWorkload(_ product: String, uid: Int, _ args: [String]) throws -> BackgroundProcess {
        let copy = try Self.sharedBinary.get().deletingLastPathComponent().appendingPathComponent(product)
        if !FileManager.default.isExecutableFile(atPath: copy.path) {
            try TestSupport.copyExecutable(try TestSupport.product(product), to: copy)
        }
        return try BackgroundProcess(product, "/usr/bin/setpriv",
            asUser(uid) + ["/usr/bin/env", "SPIFFE_ENDPOINT_SOCKET=\(endpoint)", copy.path] + args, currentDirectory: root)
    }

    /// A directory below `root` that every uid may write to (like /tmp).
    public func sharedDirectory(_ name: String) throws -> URL {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        chmod(url.path, 0o1777)
        return url
    }

    /// Runs a Python program with the interop venv (py-spiffe, PyJWT) as `uid`; `sys.argv[1...]`
    /// are `args`.
    public func runPython(asUid uid: Int, _ program: String, _ args: [String]) async throws -> TestSupport.ProcessResult {
        try await TestSupport.run(
            "setpriv",
            ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", try TestSupport.python().path, "-c", program] + args,
            currentDirectory: root,
            deadline: 180
        )
    }

    /// A directory with a short path under /tmp, mode 0755.
    public static func makeShortDirectory(prefix: String) throws -> URL {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp failed: \(String(cString: strerror(errno)))") }
        let path = String(cString: made)
        chmod(path, 0o755)
        return URL(fileURLWithPath: path)
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
