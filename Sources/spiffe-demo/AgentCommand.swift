import ArgumentParser
import Dispatch
import Foundation
import Logging
import SpiffeAgent
import SpiffeIdentity
import SpiffeWorkloadAPI

/// `spiffe-demo agent`: a local Workload API agent with kernel attestation.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a local Workload API agent: attests callers from the kernel and serves their X509- and JWT-SVIDs.",
        discussion: """
            Callers are identified by the Unix socket's peer credentials (uid, gid, pid) and the \
            executable behind the pid (/proc/<pid>/exe); selectors unix:uid, unix:user, unix:gid, \
            unix:group, unix:supplementary_gid, unix:supplementary_group, unix:path, unix:sha256. \
            Register workloads with `spiffe-demo entry create`; the agent picks entries up without a \
            restart. SVIDs are renewed at half their lifetime and pushed to every open stream. \
            JWT-SVIDs are minted on request (FetchJWTSVID) with the entry's -jwtSVIDTTL, signed by an \
            ES256 key kept in the data directory (jwt/<kid>.key), which FetchJWTBundles publishes.

            Limits, so one workload cannot starve the others: requests up to 64 KiB (the stream of \
            a larger one is reset, and the log says who sent it), 1000 streams per connection, --max-connections-per-uid \
            connections per uid (at the limit the caller's oldest connection that never sent a \
            request is closed), and connections that send no request within --idle-timeout are \
            closed. The socket's listen backlog is the kernel's; a refused connect is retried by \
            clients as Unavailable.

              spiffe-demo agent --socket /tmp/spire-agent/public/api.sock --data-dir /tmp/spire-agent/data
              SPIFFE_ENDPOINT_SOCKET=unix:///tmp/spire-agent/public/api.sock spiffe-demo fetch --live
            """
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

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel.lowercased())
        guard let level else { throw CLIError("--log-level \"\(logLevel)\" is not one of trace, debug, info, warning, error") }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let trustDomain: TrustDomain?
        do { trustDomain = try self.trustDomain.map { try TrustDomain($0) } } catch {
            throw CLIError("--trust-domain \"\(self.trustDomain ?? "")\": \(error)")
        }
        let socketPath = socket.hasPrefix("unix://") ? String(socket.dropFirst("unix://".count)) : socket
        guard socketPath.hasPrefix("/") else { throw CLIError("--socket needs an absolute path, e.g. /tmp/spire-agent/public/api.sock") }

        let idle = try CLISupport.duration(idleTimeout, option: "--idle-timeout")
        guard (1...100_000).contains(maxConnectionsPerUid) else {
            throw CLIError("--max-connections-per-uid must be from 1 to 100000")
        }
        let limits = ConnectionLimits.Policy(idleTimeout: .milliseconds(Int64(idle * 1_000)), maximumPerCaller: maxConnectionsPerUid)
        let agent = WorkloadAgent(
            configuration: .init(socketPath: socketPath, dataDirectory: URL(fileURLWithPath: dataDir), trustDomain: trustDomain,
                                 connectionLimits: limits),
            logger: Logger(label: "spiffe-demo.agent")
        )
        let task = Task {
            try await agent.run { _ in
                // One line on stdout once the socket accepts connections, for scripts and tests.
                print("ready: unix://\(socketPath)")
                fflush(nil)
            }
        }
        // SIGINT/SIGTERM end the agent cleanly: streams close, the socket file is removed.
        let signals = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer {
            signals.forEach { $0.cancel() }
            unlink(socketPath)
        }
        do {
            try await task.value
        } catch is CancellationError {
        } catch let error as AgentError {
            throw CLIError(error.description)
        }
    }
}
