import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the SPIRE model (`spiffe-demo server` and `spiffe-demo agent --server`) for end-to-end
/// tests: real processes, real TCP and TLS, the copied binary so other uids can run clients.
///
/// The server's ports are chosen once (free ports), so a test can stop the server and start it
/// again where the agent expects it, or elsewhere to make it unreachable.
public final class SpireHarness: @unchecked Sendable {
    public let root: URL
    public let dataDirectory: URL
    public let adminSocket: String
    public let agentSocket: String
    public let bundleFile: URL
    public private(set) var port: Int
    public private(set) var attestationPort: Int
    public private(set) var server: BackgroundProcess?
    public private(set) var agents: [BackgroundProcess] = []

    public var binary: String { get throws { try AgentHarness.sharedBinary.get().path } }
    public var endpoint: String { "unix://" + agentSocket }

    public init() throws {
        root = try AgentHarness.makeShortDirectory(prefix: "swsp")
        dataDirectory = root.appendingPathComponent("server-data")
        adminSocket = root.appendingPathComponent("admin/api.sock").path
        agentSocket = root.appendingPathComponent("agent/api.sock").path
        bundleFile = root.appendingPathComponent("bundle.pem")
        port = try freePort()
        attestationPort = try freePort()
    }

    deinit {
        agents.forEach { $0.stop() }
        server?.stop()
        try? FileManager.default.removeItem(at: root)
    }

    /// Starts the server and waits for its ready line. `ports` overrides where it listens.
    public func startServer(_ extra: [String] = [], ports: (Int, Int)? = nil) async throws {
        // freePort's ports may be taken by another test before the server binds them: before any
        // agent knows the ports, a start that cannot listen is retried on new ones.
        for attempt in 1...3 {
            do {
                try await startServerOnce(extra, ports: ports)
                return
            } catch let error as BackgroundProcess.WaitFailed where ports == nil && agents.isEmpty && attempt < 3
                        && error.description.contains("cannot listen there") {
                port = try freePort()
                attestationPort = try freePort()
            }
        }
    }

    private func startServerOnce(_ extra: [String], ports: (Int, Int)?) async throws {
        let (agentPort, attestation) = ports ?? (port, attestationPort)
        let process = try BackgroundProcess("server", try binary, [
            "server", "--bind", "127.0.0.1:\(agentPort)", "--attestation-bind", "127.0.0.1:\(attestation)",
            "--data-dir", dataDirectory.path, "--socket", adminSocket, "--log-level", "debug",
        ] + extra, currentDirectory: root)
        _ = try await process.waitFor("ready: ")
        server = process
    }

    public func stopServer() async {
        if let server { await server.stopped() }
        server = nil
    }

    /// `spiffe-demo <args>` (as root), failing the test helper on a non-zero exit.
    @discardableResult
    public func demo(_ args: [String]) async throws -> String {
        let result = try await TestSupport.run(try binary, args, currentDirectory: root, deadline: 120)
        guard result.status == 0 else { throw HarnessError("spiffe-demo \(args.joined(separator: " ")) failed: \(result)") }
        return result.stdout
    }

    public var admin: [String] { ["-socketPath", adminSocket] }

    public func joinToken(_ extra: [String] = []) async throws -> String {
        let out = try await demo(["token", "generate"] + admin + extra)
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("Token: ") }) else {
            throw HarnessError("no token in: \(out)")
        }
        return String(line.dropFirst("Token: ".count))
    }

    /// `bundle show -socketPath` into the agent's trust bundle file; returns the PEM.
    @discardableResult
    public func writeBundle() async throws -> String {
        let pem = try await demo(["bundle", "show"] + admin)
        try Data(pem.utf8).write(to: bundleFile)
        return pem
    }

    /// Starts an agent with these attestation arguments (`--join-token T` or `--iid DIR`).
    public func startAgent(_ attestation: [String], syncInterval: String = "500ms") async throws -> BackgroundProcess {
        let process = try agentProcess(attestation, socket: agentSocket, syncInterval: syncInterval)
        _ = try await process.waitFor("ready: ")
        agents.append(process)
        return process
    }

    /// An agent process that is not waited for (to see it fail).
    public func agentProcess(_ attestation: [String], socket: String? = nil, syncInterval: String = "500ms") throws -> BackgroundProcess {
        try BackgroundProcess("agent", try binary, [
            "agent", "--server", "127.0.0.1:\(port)", "--attestation-server", "127.0.0.1:\(attestationPort)",
            "--trust-bundle", bundleFile.path, "--socket", socket ?? root.appendingPathComponent("agent-\(UUID().uuidString.prefix(8))/api.sock").path,
            "--sync-interval", syncInterval, "--log-level", "debug",
        ] + attestation, currentDirectory: root)
    }

    /// The agent ID a started agent printed on its ready line.
    public func agentID(_ agent: BackgroundProcess) async throws -> String {
        let out = try await agent.waitFor("ready: ")
        guard let range = out.range(of: "agent=") else { throw HarnessError("no agent ID in: \(out)") }
        return String(out[range.upperBound...].prefix { !$0.isWhitespace })
    }

    /// `entry create -socketPath … -parentID parent -spiffeID id -selector unix:uid:N`; returns the entry ID.
    @discardableResult
    public func createEntry(_ spiffeID: String, parent: String, uid: Int, ttl: Int? = nil) async throws -> String {
        var args = ["entry", "create"] + admin + ["-parentID", parent, "-spiffeID", spiffeID, "-selector", "unix:uid:\(uid)"]
        if let ttl { args += ["-x509SVIDTTL", String(ttl)] }
        let out = try await demo(args)
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("Entry ID") }),
              let id = line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) else {
            throw HarnessError("no entry ID in: \(out)")
        }
        return id
    }

    /// Runs a Python program with the interop venv as `uid`.
    public func runPython(asUid uid: Int, _ program: String, _ args: [String]) async throws -> TestSupport.ProcessResult {
        try await TestSupport.run(
            "setpriv",
            ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", try TestSupport.python().path, "-c", program] + args,
            currentDirectory: root, deadline: 180)
    }
}
