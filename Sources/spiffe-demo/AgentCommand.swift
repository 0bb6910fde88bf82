import ArgumentParser
import Foundation
import Logging
import SpiffeAgent
import SpiffeFormats
import SpireAPIProto
import SpiffeIdentity
import SpiffeWorkloadAPI

/// `spiffe-demo agent`: a local Workload API agent with kernel attestation.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a local Workload API agent: attests callers from the kernel and serves their X509- and JWT-SVIDs.",
        discussion: """
            Two tiers. Alone (the default, weeks 1 and 3) the agent is its own CA and reads its \
            entries from --data-dir. With --server it is the SPIRE model's agent tier: it attests \
            to `spiffe-demo server` (--join-token or --iid), syncs the entries the server \
            authorizes for it every --sync-interval, has each workload's SVID signed from a CSR \
            (the key never leaves the agent), keeps serving cached SVIDs while the server is \
            unreachable, and serves X509-SVIDs only (the model's server signs no JWT-SVIDs).


            Callers are identified by the Unix socket's peer credentials (uid, gid, pid) and the \
            executable behind the pid (/proc/<pid>/exe); selectors unix:uid, unix:user, unix:gid, \
            unix:group, unix:supplementary_gid, unix:supplementary_group, unix:path, unix:sha256. \
            Register workloads with `spiffe-demo entry create`; the agent picks entries up without a \
            restart. SVIDs are renewed at half their lifetime and pushed to every open stream. \
            JWT-SVIDs are minted on request (FetchJWTSVID) with the entry's -jwtSVIDTTL, signed by an \
            ES256 key kept in the data directory (jwt/<kid>.key), which FetchJWTBundles publishes.

            Limits, so one workload cannot starve the others: requests up to 64 KiB (the stream of \
            a larger one is reset, and the log says who sent it), 1000 streams per connection and \
            --max-streams-per-uid streams per uid (a stream past it is answered ResourceExhausted), \
            --max-connections-per-uid connections per uid (at the limit the caller's oldest \
            connection that never sent a request is closed), and connections that send no request within --idle-timeout are \
            closed. The socket queues up to 4096 connections not yet accepted (capped by the \
            kernel's net.core.somaxconn); a refused connect is retried by clients as Unavailable.

              spiffe-demo agent --socket /tmp/spire-agent/public/api.sock --data-dir /tmp/spire-agent/data
              SPIFFE_ENDPOINT_SOCKET=unix:///tmp/spire-agent/public/api.sock spiffe-demo fetch --live
              spiffe-demo agent --server 127.0.0.1:8081 --join-token <t> --trust-bundle bundle.pem
            """,
        subcommands: [AgentListCommand.self]
    )

    @Option(help: ArgumentHelp("Unix socket to listen on (SPIRE's default path).", valueName: "path"))
    var socket: String = WorkloadAPIAddress.defaultSocketPath

    @Option(help: ArgumentHelp("Where the CA, the JWT signing key and the registration entries live.", valueName: "dir"))
    var dataDir: String = AgentDataDirectory.defaultPath

    @Option(help: ArgumentHelp("Trust domain of a new data directory (default example.org).", valueName: "name"))
    var trustDomain: String?

    @Option(help: ArgumentHelp("Log level: trace, debug, info, warning, error.", valueName: "level"))
    var logLevel: String = "info"

    @Option(parsing: .unconditional, help: ArgumentHelp("Close a connection that sends no request within this time (default 10s).", valueName: "duration"))
    var idleTimeout: String = "10s"

    @Option(help: ArgumentHelp("Connections one uid may hold; at the limit its oldest idle one is closed (default 1024).", valueName: "n"))
    var maxConnectionsPerUid: Int = ConnectionLimits.Policy.default.maximumPerCaller

    @Option(help: ArgumentHelp("Streams (RPCs) one uid may hold open at once, over all its connections; one more is answered ResourceExhausted (default 4096).", valueName: "n"))
    var maxStreamsPerUid: Int = ConnectionLimits.Policy.default.maximumStreamsPerCaller

    @Option(name: .customLong("bundle-endpoint"), help: ArgumentHelp(
        "Also serve the trust domain's bundle over https_spiffe here, presenting spiffe://<td>/spire/server (as SPIRE server's federation.bundle_endpoint), for other trust domains to federate with.",
        valueName: "host:port"))
    var bundleEndpoint: String?

    @Option(help: ArgumentHelp("The SPIRE model's server (its --bind address): run as its agent tier.", valueName: "host:port"))
    var server: String?

    @Option(help: ArgumentHelp("The server's attestation address (default: --server's port + 1).", valueName: "host:port"))
    var attestationServer: String?

    @Option(help: ArgumentHelp("With --server: attest with this join token (`token generate`).", valueName: "token"))
    var joinToken: String?

    @Option(help: ArgumentHelp("With --server: attest with the instance identity document in this directory (`iid make`).", valueName: "dir"))
    var iid: String?

    @Option(help: ArgumentHelp("With --server: the bundle to trust the server by on first contact (`bundle show -socketPath`).", valueName: "file"))
    var trustBundle: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("With --server: how often to sync entries (seconds or a duration; default 5s).", valueName: "duration"))
    var syncInterval = "5s"

    func run() async throws {
        LoggingSystem.bootstrap(try LogSetup.handler(level: logLevel))
        if let server {
            guard bundleEndpoint == nil else { throw CLIError("--bundle-endpoint is served by the local agent; in SPIRE (and its model) the server serves it") }
            return try await runAsServerTier(server)
        }
        guard joinToken == nil, iid == nil, trustBundle == nil, attestationServer == nil else {
            throw CLIError("--join-token, --iid, --trust-bundle and --attestation-server need --server")
        }
        let trustDomain: TrustDomain?
        do { trustDomain = try self.trustDomain.map { try TrustDomain($0) } } catch {
            throw CLIError("--trust-domain \"\(self.trustDomain ?? "")\": \(error)")
        }
        let socketPath = socket.hasPrefix("unix://") ? String(socket.dropFirst("unix://".count)) : socket
        guard socketPath.hasPrefix("/") else { throw CLIError("--socket needs an absolute path, e.g. /tmp/spire-agent/public/api.sock") }

        let idle = try CLISupport.duration(idleTimeout, option: "--idle-timeout")
        let limits = try connectionLimits(idle: idle)
        let endpoint = try bundleEndpoint.map { try TLSCLI.parseHostPort($0, option: "--bundle-endpoint") }
        let agent = WorkloadAgent(
            configuration: .init(socketPath: socketPath, dataDirectory: URL(fileURLWithPath: dataDir), trustDomain: trustDomain,
                                 connectionLimits: limits, bundleEndpoint: endpoint),
            logger: Logger(label: "spiffe-demo.agent")
        )
        // SIGINT/SIGTERM end the agent cleanly: streams close, the socket file is removed.
        try await LogSetup.runUntilSignal(cleanup: { unlink(socketPath) }) {
            try await agent.run(ready: { _ in
                // One line on stdout once the socket accepts connections, for scripts and tests.
                print("ready: unix://\(socketPath)")
                fflush(nil)
            }, bundleEndpointReady: { port in
                print("bundle endpoint: https://\(endpoint?.host ?? "127.0.0.1"):\(port)/")
                fflush(nil)
            })
        }
    }
}

extension AgentCommand {
    /// `--idle-timeout`, `--max-connections-per-uid` and `--max-streams-per-uid`, checked.
    func connectionLimits(idle: TimeInterval) throws(CLIError) -> ConnectionLimits.Policy {
        guard (1...100_000).contains(maxConnectionsPerUid) else {
            throw CLIError("--max-connections-per-uid must be from 1 to 100000")
        }
        guard (1...1_000_000).contains(maxStreamsPerUid) else {
            throw CLIError("--max-streams-per-uid must be from 1 to 1000000")
        }
        return ConnectionLimits.Policy(idleTimeout: .milliseconds(Int64(idle * 1_000)), maximumPerCaller: maxConnectionsPerUid,
                                       maximumStreamsPerCaller: maxStreamsPerUid)
    }

    /// `--server`: the SPIRE model's agent tier.
    func runAsServerTier(_ server: String) async throws {
        let (host, port) = try TLSCLI.parseHostPort(server, option: "--server")
        let attestationPort = try attestationServer.map { try TLSCLI.parseHostPort($0, option: "--attestation-server").port }
        let attestation: SpireAgent.Attestation
        switch (joinToken, iid) {
        case (let token?, nil): attestation = .joinToken(token)
        case (nil, let directory?): attestation = .awsIID(URL(fileURLWithPath: directory))
        case (nil, nil): throw CLIError("--server needs --join-token TOKEN or --iid DIR to attest with")
        case (_?, _?): throw CLIError("--join-token and --iid are two node attestors: give one")
        }
        guard let trustBundle else {
            throw CLIError("--server needs --trust-bundle FILE (SPIRE's trust_bundle_path): `spiffe-demo bundle show -socketPath ADMIN > bundle.pem`")
        }
        let trustDomain: TrustDomain
        do { trustDomain = try TrustDomain(self.trustDomain ?? "example.org") } catch {
            throw CLIError("--trust-domain \"\(self.trustDomain ?? "")\": \(error)")
        }
        let socketPath = socket.hasPrefix("unix://") ? String(socket.dropFirst("unix://".count)) : socket
        guard socketPath.hasPrefix("/") else { throw CLIError("--socket needs an absolute path, e.g. /tmp/spire-agent/public/api.sock") }
        let interval = try Self.syncSeconds(syncInterval)
        let idle = try CLISupport.duration(idleTimeout, option: "--idle-timeout")
        let agent = SpireAgent(
            configuration: .init(
                socketPath: socketPath, serverHost: host, serverPort: port, attestationPort: attestationPort,
                trustDomain: trustDomain, trustBundleFile: URL(fileURLWithPath: trustBundle), attestation: attestation,
                syncInterval: .milliseconds(Int64(interval * 1_000)),
                connectionLimits: try connectionLimits(idle: idle)),
            logger: Logger(label: "spiffe-demo.agent"))
        try await LogSetup.runUntilSignal(cleanup: { unlink(socketPath) }) {
            try await agent.run { cache in
                print("ready: unix://\(socketPath) agent=\(cache.agentID)")
                fflush(nil)
            }
        }
    }
}

extension AgentCommand {
    /// `--sync-interval`: seconds (`5`, `0.5`), milliseconds (`200ms`) or a duration (`1m`),
    /// from 50 ms to one day.
    static func syncSeconds(_ text: String) throws(CLIError) -> TimeInterval {
        let seconds: TimeInterval
        if let plain = TimeInterval(text) {
            seconds = plain
        } else if text.hasSuffix("ms"), let milliseconds = TimeInterval(text.dropLast(2)) {
            seconds = milliseconds / 1_000
        } else {
            seconds = try CLISupport.duration(text, option: "--sync-interval")
        }
        guard seconds.isFinite, (0.05...86_400).contains(seconds) else {
            throw CLIError("--sync-interval \"\(text)\": from 50ms to 24h, e.g. 5, 5s or 200ms")
        }
        return seconds
    }
}

/// `spiffe-demo agent list`: the agents the server has attested (spire-server agent list).
struct AgentListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the agents the SPIRE model's server has attested."
    )

    @OptionGroup var admin: ServerAdminOption

    @Flag(help: "Print the agents as JSON.")
    var json = false

    func run() async throws {
        let agents = try await admin.withClient { client, options in
            try await Spire_Api_Server_Agent_V1_Agent.Client(wrapping: client).listAgents(.init(), options: options).agents
        }
        let rows = agents.map { agent -> [String: String] in
            ["spiffe_id": (try? agent.id.spiffeID().description) ?? "spiffe://\(agent.id.trustDomain)\(agent.id.path)",
             "attestation_type": agent.attestationType,
             "serial_number": agent.x509SvidSerialNumber,
             "expires_at": TimeText.iso(Date(timeIntervalSince1970: TimeInterval(agent.x509SvidExpiresAt))),
             "banned": agent.banned ? "true" : "false"]
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: ["agents": rows], options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("Found \(rows.count) attested agent\(rows.count == 1 ? "" : "s"):")
        for row in rows {
            print("")
            print("SPIFFE ID         : \(row["spiffe_id"]!)")
            print("Attestation type  : \(row["attestation_type"]!)")
            print("Expiration time   : \(row["expires_at"]!)")
            print("Serial number     : \(row["serial_number"]!)")
            print("Banned            : \(row["banned"]!)")
        }
    }
}
