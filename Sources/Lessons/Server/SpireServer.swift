import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SpiffeAgent
import SpiffeBundles
import SpiffeFederation
import SpiffeFormats
import SpiffeIdentity
import SpiffeTLS
import SpiffeX509
import X509
#if canImport(Glibc)
import Glibc
#endif

/// SPIRE's server in miniature: the CA, the datastore, node attestation, and the APIs agents
/// and administrators call. A teaching model, not a SPIRE replacement: docker/ runs the real one.
///
/// Three listeners (see `ServerState.Listener` for why SPIRE needs one TCP port and this two):
///
///     --bind              mTLS, agent SVID required   entries, SVIDs, agent renewal, bundle
///     --attestation-bind  TLS, server SVID only        AttestAgent, GetBundle
///     --socket            Unix socket, no TLS          entries, join tokens, agents, bundle
public struct SpireServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String = "127.0.0.1"
        public var port: Int = 8081
        public var attestationHost: String = "127.0.0.1"
        /// Port 0 picks a free one; nil means `port + 1`.
        public var attestationPort: Int?
        public var dataDirectory: URL = URL(fileURLWithPath: SpireServer.defaultDataDirectory)
        public var adminSocket: String = SpireServer.defaultAdminSocket
        public var trustDomain: TrustDomain = try! TrustDomain("example.org")
        public var caTTL: TimeInterval = 24 * 3600
        public var defaultX509SVIDTTL: TimeInterval = 3600
        public var keyManager: KeyManager = .memory
        public var attestor = NodeAttestor()
        /// Where to serve the trust domain's bundle over https_spiffe (SPIRE's
        /// `federation.bundle_endpoint`), presenting spiffe://<td>/spire/server; nil: not served.
        public var bundleEndpoint: (host: String, port: Int)?
        /// How often the federation relationships are looked at for a bundle that is due.
        public var federationPollInterval: Duration = .seconds(1)
        public var now: @Sendable () -> Date = { Date() }

        public init() {}
    }

    /// Where the server listens, once it does (ports resolved when 0 was asked for).
    public struct Addresses: Sendable {
        public let agent: String
        public let attestation: String
        public let admin: String
        /// host:port of the bundle endpoint, when one is served.
        public let bundleEndpoint: String?
    }

    public static let defaultDataDirectory = "/tmp/spire-server/data"
    public static let defaultAdminSocket = "/tmp/spire-server/private/api.sock"

    public let configuration: Configuration
    public let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run(ready: @escaping @Sendable (Addresses, ServerState) -> Void = { _, _ in }) async throws {
        let config = configuration
        let now = config.now
        do { try PrivateDirectory.create(config.dataDirectory) } catch {
            throw ServerError.dataStore(path: config.dataDirectory.path, reason: "\(error)")
        }
        let lock = try Self.lockDataDirectory(config.dataDirectory)
        defer { close(lock) }

        let dataStore = try ServerDataStore(directory: config.dataDirectory, trustDomain: config.trustDomain)
        let ca = try ServerCA.loadOrCreate(
            keyManager: config.keyManager, keysDirectory: config.dataDirectory.appendingPathComponent("keys"),
            trustDomain: config.trustDomain, ttl: config.caTTL, now: now())
        let roots = try Self.publish(ca.authority.root, in: dataStore, now: now())
        logger.info("trust domain \(config.trustDomain), KeyManager \(config.keyManager.rawValue): \(ca.isNew ? "new CA" : "CA loaded from disk") \(CertificateNames.describe(ca.authority.certificate)), expires \(TimeText.iso(ca.authority.certificate.notValidAfter)); bundle has \(roots) root\(roots == 1 ? "" : "s")")
        let state = ServerState(dataStore: dataStore, ca: ca, defaultX509SVIDTTL: config.defaultX509SVIDTTL, logger: logger, now: now)

        // The server's own SVID, presented on both TCP listeners. SPIRE rotates it like any
        // SVID; the model's lives as long as the CA that signed it.
        let serverSVID = try ca.serverSVID(now: now(), ttl: ca.authority.certificate.notValidAfter.timeIntervalSince(now()))
        let chain: [TLSConfig.CertificateSource] = try serverSVID.chain.map { .bytes(try PEM.der([$0]), format: .der) }
        let key: TLSConfig.PrivateKeySource = .bytes(try serverSVID.privateKeyDER(), format: .der)

        // step: spire-server-listeners
        // Agents authenticate with their SVIDs: the chain must validate against the bundle
        // (any ID of the trust domain passes the handshake; each RPC then checks it is an
        // attested agent's current SVID, ServerState.authenticatedAgent).
        let bundles = DataStoreBundleSource(state: state)
        let agentVerifier = SVIDPeerVerifier(bundles: bundles, authorizer: .memberOf(config.trustDomain), now: now)
        let agentTransport = HTTP2ServerTransport.Posix(
            address: Self.address(config.host, config.port),
            transportSecurity: .mTLS(certificateChain: chain, privateKey: key) { tls in
                tls.clientCertificateVerification = .noHostnameVerification
                tls.trustRoots = .certificates([])
                tls.customVerificationCallback = agentVerifier.nioVerificationCallback
            },
            config: .defaults)
        let attestationTransport = HTTP2ServerTransport.Posix(
            address: Self.address(config.attestationHost, config.attestationPort ?? (config.port == 0 ? 0 : config.port + 1)),
            transportSecurity: .tls(certificateChain: chain, privateKey: key),
            config: .defaults)
        // The admin socket's directory is made private if the server makes it (SPIRE's is
        // private/); an existing one is left as it is, and the socket itself is made 0600 once
        // it exists: whoever can connect to it administers the trust domain.
        let socketDirectory = URL(fileURLWithPath: (config.adminSocket as NSString).deletingLastPathComponent)
        if !FileManager.default.fileExists(atPath: socketDirectory.path) {
            do { try PrivateDirectory.create(socketDirectory) } catch {
                throw ServerError.configuration("--socket \(config.adminSocket): \(error)")
            }
        }
        let adminTransport = HTTP2ServerTransport.Posix(
            address: .unixDomainSocket(path: config.adminSocket), transportSecurity: .plaintext, config: .defaults)

        // Every API on every listener; each RPC refuses the listeners it is not for
        // (ServerState.require), so the admin API is reachable only through the socket.
        func services(_ listener: ServerState.Listener) -> [any RegistrableRPCService] {
            [AgentAPI(state: state, listener: listener, attestor: config.attestor),
             SVIDAPI(state: state, listener: listener),
             EntryAPI(state: state, listener: listener),
             BundleAPI(state: state, listener: listener),
             TrustDomainAPI(state: state, listener: listener)]
        }
        let servers = [
            GRPCServer(transport: agentTransport, services: services(.agent)),
            GRPCServer(transport: attestationTransport, services: services(.attestation)),
            GRPCServer(transport: adminTransport, services: services(.admin)),
        ]
        // end-step
        // The servers run in tasks of their own, not children of this one: cancelling this task
        // (how `spiffe-demo server` and the steps stop it) must shut them down gracefully. A
        // cancelled serve() drops connections mid-stream, and an agent's request arriving just
        // then makes grpc-swift's HTTP/2 transport trap (NIOAsyncWriter deinited unfinished).
        let serving = servers.map { server in Task { try await server.serve() } }
        defer { servers.forEach { $0.beginGracefulShutdown() } }

        // Federation: the server fetches every federated trust domain's bundle into its
        // datastore; agents get them by sync (GetFederatedBundle), as in SPIRE.
        let federation = FederationRefresher(
            store: DataStoreFederation(dataStore: dataStore), trustDomain: config.trustDomain,
            ownBundle: { try? state.bundle() }, delivery: nil,
            logger: logger, now: now)
        let refreshing = Task { [interval = config.federationPollInterval] in try await federation.run(pollInterval: interval) }
        defer { refreshing.cancel() }
        let endpoint = try await Self.serveBundleEndpoint(config, state: state, serverSVID: serverSVID, logger: logger)
        defer { endpoint?.close() }
        try await withTaskCancellationHandler {
            // Ready means every listener accepts: the admin socket exists too. A listener that
            // could not bind says only that it is stopped; name the address instead.
            func listening(_ transport: HTTP2ServerTransport.Posix, _ option: String, _ address: String) async throws -> GRPCNIOTransportCore.SocketAddress {
                do { return try await transport.listeningAddress } catch {
                    throw ServerError.configuration("\(option) \(address): cannot listen there (in use, or not this machine's address)")
                }
            }
            _ = try await listening(adminTransport, "--socket", config.adminSocket)
            guard chmod(config.adminSocket, 0o600) == 0 else {
                throw ServerError.configuration("--socket \(config.adminSocket): cannot make it private: \(String(cString: strerror(errno)))")
            }
            let addresses = Addresses(
                agent: Self.describe(try await listening(agentTransport, "--bind", "\(config.host):\(config.port)")),
                attestation: Self.describe(try await listening(attestationTransport, "--attestation-bind",
                                                               "\(config.attestationHost):\(config.attestationPort ?? config.port + 1)")),
                admin: config.adminSocket,
                bundleEndpoint: endpoint.map { "\(config.bundleEndpoint!.host):\($0.port)" })
            logger.info("agent API (mTLS) on \(addresses.agent), attestation (TLS) on \(addresses.attestation), admin API on unix://\(addresses.admin)")
            ready(addresses, state)
            // Until one listener stops (an error), or cancellation shuts them all down.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in serving { group.addTask { try await task.value } }
                try await group.next()
            }
        } onCancel: {
            servers.forEach { $0.beginGracefulShutdown() }
        }
        for task in serving { _ = try? await task.value }
    }

    /// The trust domain's bundle endpoint (SPIFFE_Federation §5.2.2.3, https_spiffe): every root of
    /// the datastore's bundle, with its sequence number, to anyone who asks; the server proves
    /// itself with its own SVID, so a partner authenticates it by the bundle it already holds.
    static func serveBundleEndpoint(_ config: Configuration, state: ServerState, serverSVID: X509SVID,
                                    logger: Logger) async throws -> BundleEndpointServer? {
        guard let (host, port) = config.bundleEndpoint else { return nil }
        let server: BundleEndpointServer
        do {
            server = try await BundleEndpointServer.bind(
                host: host, port: port, authentication: .spiffe(StaticX509Source(X509Context(svids: [serverSVID], bundles: [:])))
            ) { try state.spiffeBundle() }
        } catch {
            throw ServerError.configuration("--bundle-endpoint \(host):\(port): cannot listen there (\(error))")
        }
        logger.info("bundle endpoint (https_spiffe) listening on https://\(host):\(server.port)/ as \(serverSVID.spiffeID)")
        return server
    }

    /// Puts `root` in the bundle if it is not there, and drops expired roots; returns how many
    /// roots the bundle has.
    static func publish(_ root: Certificate, in dataStore: ServerDataStore, now: Date) throws -> Int {
        let pem = try PEM.encode([root])
        return try dataStore.update { contents in
            let before = contents.bundleRoots
            contents.bundleRoots = try contents.bundleRoots.filter { text in
                try PEM.certificates(fromPEM: text, source: "datastore bundle").allSatisfy { $0.notValidAfter > now }
            }
            if !contents.bundleRoots.contains(pem) { contents.bundleRoots.append(pem) }
            if contents.bundleRoots != before { contents.bundleSequence += 1 }
            return contents.bundleRoots.count
        }
    }

    /// One server per data directory: a second one would fork the datastore.
    static func lockDataDirectory(_ directory: URL) throws(ServerError) -> Int32 {
        let path = directory.appendingPathComponent(".server.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .dataStore(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))") }
        // A server stopped a moment ago may still hold it for a few milliseconds (a child process
        // another thread was starting can carry the descriptor until it execs): try for 3 s.
        for attempt in 0..<30 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
            if attempt < 29 { usleep(100_000) }
        }
        close(fd)
        throw .dataStore(path: directory.path, reason: "is in use by another server; stop it or use another --data-dir")
    }

    static func address(_ host: String, _ port: Int) -> GRPCNIOTransportCore.SocketAddress {
        host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
    }

    static func describe(_ address: GRPCNIOTransportCore.SocketAddress) -> String {
        if let v4 = address.ipv4 { return "\(v4.host):\(v4.port)" }
        if let v6 = address.ipv6 { return "[\(v6.host)]:\(v6.port)" }
        return "\(address)"
    }
}

/// The bundle agents' SVIDs are checked against: the datastore's, read on every handshake.
struct DataStoreBundleSource: X509BundleSource {
    let state: ServerState

    func x509Bundle(for trustDomain: TrustDomain) throws -> X509Bundle {
        guard trustDomain == state.trustDomain else { throw X509SourceError.noBundle(trustDomain) }
        return try state.bundle()
    }
}
