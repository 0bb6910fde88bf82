import Foundation
import Logging
import SpiffeAgent
import SpiffeFormats
import SpiffeIdentity
import SpiffeServer
import SpiffeWorkloadAPI
import SpiffeX509
#if canImport(Glibc)
import Glibc
#endif

/// The SPIRE model inside the kernel, for week 2's steps: the code of `spiffe-demo server` and
/// `spiffe-demo agent --server`, on ephemeral loopback ports and sockets in the step's
/// directory, with one log in which every line says which tier wrote it.
struct InProcessSpire: Sendable {
    let directory: URL
    let now: @Sendable () -> Date
    /// Both tiers' lines, in the order they happened: "server  …", "agent   …".
    let log = AgentLog(prefix: "")

    /// A fresh directory: every run of a step starts with no datastore, so it tells the same story.
    init(directory: URL, now: @escaping @Sendable () -> Date) throws {
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.now = now
    }

    static let trustDomain = try! TrustDomain("example.org")

    /// A socket path for `name`: in the directory, or under /tmp when that would be too long.
    func socketPath(_ name: String) -> String {
        let preferred = directory.appendingPathComponent(name).path
        return preferred.utf8.count > 100 ? "/tmp/swb-\(getpid())-\(directory.lastPathComponent)-\(name)" : preferred
    }

    struct RunningServer: Sendable {
        let state: ServerState
        let admin: ServerAdminClient
        let agentPort: Int
        let attestationPort: Int
        let bundleFile: URL
        /// https://127.0.0.1:<port>/ when the server publishes its bundle (`bundleEndpoint: true`).
        let bundleEndpointURL: String?
        let task: Task<Void, any Error>

        var trustDomain: TrustDomain { state.trustDomain }

        func stop() async {
            task.cancel()
            _ = try? await task.value
            unlink(admin.socketPath)
        }
    }

    /// Starts a server whose state lives in `directory/name` and writes its bundle to
    /// `directory/name-bundle.pem` (what `bundle show -socketPath` prints).
    func startServer(
        _ name: String = "server", keyManager: KeyManager = .memory, caTTL: TimeInterval = 24 * 3600,
        defaultX509SVIDTTL: TimeInterval = 3600, attestor: NodeAttestor = NodeAttestor(), ports: (Int, Int) = (0, 0),
        trustDomain: TrustDomain = Self.trustDomain, bundleEndpoint: Bool = false
    ) async throws -> RunningServer {
        var config = SpireServer.Configuration()
        if bundleEndpoint { config.bundleEndpoint = ("127.0.0.1", 0) }
        config.port = ports.0
        config.attestationPort = ports.1
        config.dataDirectory = directory.appendingPathComponent(name)
        config.adminSocket = socketPath("\(name).sock")
        config.trustDomain = trustDomain
        config.caTTL = caTTL
        config.defaultX509SVIDTTL = defaultX509SVIDTTL
        config.keyManager = keyManager
        config.attestor = attestor
        config.now = now
        let log = self.log
        let server = SpireServer(configuration: config, logger: Logger(label: "server") { _ in AgentLogHandler(sink: log, prefix: "server  ") })
        let (ready, continuation) = AsyncStream<(SpireServer.Addresses, ServerState)>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await server.run { continuation.yield(($0, $1)) }
        }
        var iterator = ready.makeAsyncIterator()
        guard let (addresses, state) = await iterator.next() else {
            try await task.value
            throw StepFailure("the server stopped before it was listening")
        }
        let bundleFile = directory.appendingPathComponent("\(name)-bundle.pem")
        try AtomicFile.write(Data(try state.bundle().pem().utf8), to: bundleFile)
        return RunningServer(state: state, admin: ServerAdminClient(socketPath: config.adminSocket),
                             agentPort: Self.port(addresses.agent), attestationPort: Self.port(addresses.attestation),
                             bundleFile: bundleFile, bundleEndpointURL: addresses.bundleEndpoint.map { "https://\($0)/" }, task: task)
    }

    struct RunningAgent: Sendable {
        let cache: SVIDCache
        let socketPath: String
        let task: Task<Void, any Error>

        var agentID: SpiffeID { cache.agentID }
        var endpoint: String { "unix://" + socketPath }

        func stop() async {
            task.cancel()
            _ = try? await task.value
            unlink(socketPath)
        }
    }

    /// Starts an agent that attests to `server` with `attestation`; a refused attestation is
    /// thrown (AgentError.nodeAttestation, the line `spiffe-demo agent` would print).
    func startAgent(
        _ server: RunningServer, _ attestation: SpireAgent.Attestation, name: String = "agent",
        syncInterval: Duration = .milliseconds(100)
    ) async throws -> RunningAgent {
        let socket = socketPath("\(name).sock")
        let log = self.log
        let agent = SpireAgent(
            configuration: .init(socketPath: socket, serverHost: "127.0.0.1", serverPort: server.agentPort,
                                 attestationPort: server.attestationPort, trustDomain: server.trustDomain,
                                 trustBundleFile: server.bundleFile, attestation: attestation,
                                 syncInterval: syncInterval, now: now),
            logger: Logger(label: "agent") { _ in AgentLogHandler(sink: log, prefix: "agent   ") })
        let (ready, continuation) = AsyncStream<SVIDCache>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await agent.run { continuation.yield($0) }
        }
        var iterator = ready.makeAsyncIterator()
        guard let cache = await iterator.next() else {
            try await task.value
            throw StepFailure("the agent stopped before it was listening")
        }
        return RunningAgent(cache: cache, socketPath: socket, task: task)
    }

    /// The agent's attempt, when the lesson expects a refusal: the server's reason, or nil if it
    /// attested after all.
    func refusal(_ server: RunningServer, _ attestation: SpireAgent.Attestation, name: String) async throws -> String? {
        do {
            let agent = try await startAgent(server, attestation, name: name)
            await agent.stop()
            return nil
        } catch AgentError.nodeAttestation(let reason) {
            return reason
        }
    }

    /// Waits (up to `seconds`) until the log has a line containing `text`.
    func waitForLog(_ text: String, seconds: Int = 15) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if log.peek().contains(where: { $0.contains(text) }) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StepFailure("no log line with \"\(text)\" within \(seconds) s")
    }

    static func port(_ address: String) -> Int {
        Int(address.split(separator: ":").last ?? "") ?? 0
    }

    /// This process's uid selector: the kernel is the workload of every week-2 step.
    static var me: SpiffeAgent.Selector { .unix("uid", String(getuid())) }
}
