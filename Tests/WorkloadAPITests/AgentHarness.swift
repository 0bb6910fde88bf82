import Foundation
import SpiffeWorkloadAPI
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Runs the real `spiffe-demo agent` binary on a temporary socket, for end-to-end tests.
///
/// Everything lives under a short, world-traversable directory in /tmp: Unix socket paths are
/// limited to 107 bytes, and the tests run clients as other uids (setpriv), which must reach the
/// binary and the socket. The binary is copied there once, because the checkout may be under a
/// home directory other users cannot enter.
final class AgentHarness: @unchecked Sendable {
    let root: URL
    let dataDirectory: URL
    let socketPath: String
    private var process: ChildProcess?
    private let logFile: URL
    private let outFile: URL

    /// The copied `spiffe-demo`, shared by every test in the run.
    static let binary: Result<URL, any Error> = Result {
        let built = try TestSupport.product("spiffe-demo")
        let directory = try makeShortDirectory(prefix: "swb-bin")
        let copy = directory.appendingPathComponent("spiffe-demo")
        try TestSupport.copyExecutable(built, to: copy)
        return copy
    }

    var binaryPath: String { get throws { try Self.binary.get().path } }

    var endpoint: String { "unix://" + socketPath }

    init() throws {
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
    func start(extraArguments: [String] = []) throws {
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        let out = open(outFile.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        let err = open(logFile.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        defer { close(out); close(err) }
        let process = try ChildProcess(
            path: try binaryPath,
            args: ["agent", "--socket", socketPath, "--data-dir", dataDirectory.path, "--log-level", "debug"] + extraArguments,
            environment: ProcessInfo.processInfo.environment, currentDirectory: root, stdout: out, stderr: err)
        self.process = process
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if (try? String(contentsOf: outFile, encoding: .utf8))?.contains("ready: ") == true { return }
            guard process.isRunning else { throw HarnessError("the agent exited: \(log)") }
            usleep(50_000)
        }
        throw HarnessError("the agent did not become ready: \(log)")
    }

    /// Kills the agent with SIGKILL, as a crash would: no cleanup, the socket file stays.
    func kill() {
        guard let process else { return }
        _ = process.stop(signal: SIGKILL, grace: 10)
        self.process = nil
    }

    /// Stops the agent with SIGTERM and waits for it.
    func stop() {
        guard let process else { return }
        process.stop()
        self.process = nil
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// `spiffe-demo entry create` against this agent's data directory.
    @discardableResult
    func createEntry(_ spiffeID: String, selectors: [String], ttl: Int? = nil, jwtTTL: Int? = nil) throws -> String {
        var args = ["entry", "create", "-spiffeID", spiffeID, "--data-dir", dataDirectory.path]
        for selector in selectors { args += ["-selector", selector] }
        if let ttl { args += ["-x509SVIDTTL", String(ttl)] }
        if let jwtTTL { args += ["-jwtSVIDTTL", String(jwtTTL)] }
        let result = try TestSupport.run(try binaryPath, args, deadline: 120)
        guard result.status == 0 else { throw HarnessError("entry create failed: \(result)") }
        guard let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix("Entry ID") }),
              let id = line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces)
        else { throw HarnessError("no entry ID in: \(result.stdout)") }
        return id
    }

    /// Runs `spiffe-demo <args>` as `uid` (group = uid, no supplementary groups) via setpriv.
    func runAs(uid: Int, _ args: [String], deadline: TimeInterval = 120) throws -> TestSupport.ProcessResult {
        try TestSupport.run(
            "setpriv",
            ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", try binaryPath] + args,
            currentDirectory: root,
            deadline: deadline
        )
    }

    /// Runs a Python program with the interop venv (py-spiffe, PyJWT) as `uid`; `sys.argv[1...]`
    /// are `args`.
    func runPython(asUid uid: Int, _ program: String, _ args: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(
            "setpriv",
            ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", try TestSupport.python().path, "-c", program] + args,
            currentDirectory: root,
            deadline: 180
        )
    }

    /// A directory with a short path under /tmp, mode 0755.
    static func makeShortDirectory(prefix: String) throws -> URL {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp failed: \(String(cString: strerror(errno)))") }
        let path = String(cString: made)
        chmod(path, 0o755)
        return URL(fileURLWithPath: path)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
