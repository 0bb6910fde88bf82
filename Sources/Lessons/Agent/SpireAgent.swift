import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import SpireAPIProto
import Synchronization
import X509

/// SPIRE's agent tier in miniature: it attests to a server, syncs the entries the server
/// authorizes for it, has each workload SVID signed from a CSR, and serves the Workload API
/// from its cache.
///
/// What it does not do, unlike `WorkloadAgent` (the single-process agent of weeks 1 and 3):
/// sign anything, or read entries from a file. Without the server it keeps serving what it has
/// cached, and learns of nothing new.
public struct SpireAgent: Sendable {
    /// How the agent proves which node it runs on (SPIRE's NodeAttestor plugins).
    public enum Attestation: Sendable {
        /// A single-use token from `token generate`.
        case joinToken(String)
        /// A directory from `iid make`: the instance identity document and its signature.
        case awsIID(URL)

        var type: String {
            switch self {
            case .joinToken: return "join_token"
            case .awsIID: return "aws_iid"
            }
        }

        func payload() throws -> Data {
            switch self {
            case .joinToken(let token):
                return Data(token.utf8)
            case .awsIID(let directory):
                // The agent forwards the document exactly as read; it cannot change a byte
                // without breaking the signature.
                let document = try InputFile.read(directory.appendingPathComponent("document.json"))
                let signature = try InputFile.read(directory.appendingPathComponent("signature"))
                let payload = ["document": String(decoding: document, as: UTF8.self),
                               "signature": String(decoding: signature, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)]
                return try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
            }
        }
    }

    public struct Configuration: Sendable {
        public var socketPath: String
        public var serverHost: String
        public var serverPort: Int
        public var attestationPort: Int
        public var trustDomain: TrustDomain
        public var trustBundleFile: URL
        public var attestation: Attestation
        /// How often to sync entries and the bundle (SPIRE's sync_interval: 5 s).
        public var syncInterval: Duration
        public var connectionLimits: ConnectionLimits.Policy
        public var now: @Sendable () -> Date

        public init(socketPath: String, serverHost: String, serverPort: Int, attestationPort: Int? = nil,
                    trustDomain: TrustDomain, trustBundleFile: URL, attestation: Attestation,
                    syncInterval: Duration = .seconds(5), connectionLimits: ConnectionLimits.Policy = .default,
                    now: @escaping @Sendable () -> Date = { Date() }) {
            self.socketPath = socketPath
            self.serverHost = serverHost
            self.serverPort = serverPort
            self.attestationPort = attestationPort ?? serverPort + 1
            self.trustDomain = trustDomain
            self.trustBundleFile = trustBundleFile
            self.attestation = attestation
            self.syncInterval = syncInterval
            self.connectionLimits = connectionLimits
            self.now = now
        }
    }

    public let configuration: Configuration
    public let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Attests, then serves until cancelled. Attestation failing is an error (the agent cannot
    /// do anything without an identity); the server going away later is not.
    public func run(ready: @escaping @Sendable (SVIDCache) -> Void = { _ in }) async throws {
        let config = configuration
        let cacheBox = Mutex<SVIDCache?>(nil)
        let server = ServerClient(
            host: config.serverHost, port: config.serverPort, attestationPort: config.attestationPort,
            trustDomain: config.trustDomain, trustBundleFile: config.trustBundleFile,
            currentBundle: { cacheBox.withLock { $0?.bundle } })
        // The file must be readable before anything else: without it the server cannot be trusted.
        let bootstrap: X509Bundle
        do { bootstrap = try server.trustedRoots() } catch {
            throw AgentError.nodeAttestation("--trust-bundle \(config.trustBundleFile.path): \(error)")
        }

        let agentSVID = try await attest(server)
        let cache = SVIDCache(agentID: agentSVID.spiffeID, bundle: bootstrap)
        cacheBox.withLock { $0 = cache }
        let sync = EntrySync(server: server, cache: cache, agentSVID: agentSVID, logger: logger, now: config.now)
        defer { sync.close() }
        await sync.once()

        let service = WorkloadAPIService(cache: cache, jwtAuthority: nil,
                                         dataDirectory: AgentDataDirectory(URL(fileURLWithPath: "/nonexistent")),
                                         logger: logger, now: config.now)
        try await WorkloadAgent.serveWorkloadAPI(
            socketPath: config.socketPath, limits: config.connectionLimits, service: service, logger: logger,
            ready: { ready(cache) }
        ) {
            while !Task.isCancelled {
                try await Task.sleep(for: config.syncInterval)
                await sync.once()
            }
        }
    }

    // step: agent-attest
    /// Node attestation: the agent makes its own key and CSR, sends them with the attestation
    /// data, and gets back its SVID, spiffe://<td>/spire/agent/<attestor>/…
    func attest(_ server: ServerClient) async throws -> X509SVID {
        let request = try KeyAndCSR()
        var first = Spire_Api_Server_Agent_V1_AttestAgentRequest()
        first.params.data.type = configuration.attestation.type
        first.params.data.payload = try configuration.attestation.payload()
        first.params.params.csr = request.csrDER
        let params = first
        let target = "\(configuration.serverHost):\(configuration.attestationPort)"
        let svid: Spire_Api_Types_X509SVID
        do {
            svid = try await server.withAttestationClient { client in
                let agent = Spire_Api_Server_Agent_V1_Agent.Client(wrapping: client)
                return try await agent.attestAgent(request: StreamingClientRequest { writer in
                    try await writer.write(params)
                }) { response in
                    for try await message in response.messages {
                        if case .result(let result)? = message.step { return result.svid }
                    }
                    throw RPCError(code: .internalError, message: "the server sent no attestation result")
                }
            }
        } catch let error as RPCError {
            // The server's reason, in one line: a spent token, a replayed IID, a forged one.
            throw AgentError.nodeAttestation("\(configuration.attestation.type) attestation to \(target) failed: \(error.message)")
        } catch {
            throw AgentError.nodeAttestation("cannot reach the server at \(target): \(error)")
        }
        let chain = try svid.certChain.map { try ParsedCertificates.certificate(derEncoded: Array($0)) }
        let agentID = try svid.id.spiffeID()
        logger.info("node attested: agent ID \(agentID) (\(configuration.attestation.type)), SVID expires \(TimeText.iso(chain[0].notValidAfter))")
        return X509SVID(spiffeID: agentID, chain: chain, privateKey: request.key)
    }
    // end-step
}
