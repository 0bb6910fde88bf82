import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SpiffeBundles
import SpiffeFederation
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffeWorkloadAPI
import X509
import Synchronization
import SpiffeJWT
import SpiffeX509
#if canImport(Glibc)
import Glibc
#endif

/// A local Workload API agent: SPIRE's agent and server squeezed into one process, for a laptop
/// with no Docker.
///
/// It listens on a Unix socket, attests each caller from the kernel (SO_PEERCRED and /proc),
/// matches the caller's selectors against the registration entries in its data directory, and
/// streams the SVIDs of the matching entries, renewing each at half its lifetime. Entries may be
/// added and removed while it runs (`spiffe-demo entry create|delete`).
public struct WorkloadAgent: Sendable {
    /// What `spiffe-demo agent` is started with: socket, data directory, trust domain, clock.
    public struct Configuration: Sendable {
        public var socketPath: String
        public var dataDirectory: URL
        /// nil: the data directory's trust domain, or example.org for a new one.
        public var trustDomain: TrustDomain?
        /// How often to look for changed entries and due rotations.
        public var pollInterval: Duration
        /// What one caller may hold open (idle timeout, connections per uid).
        public var connectionLimits: ConnectionLimits.Policy
        /// Where to serve the trust domain's bundle over https_spiffe (as SPIRE server's
        /// `federation.bundle_endpoint`), presenting spiffe://<td>/spire/server; nil: not served.
        public var bundleEndpoint: (host: String, port: Int)?
        public var now: @Sendable () -> Date

        public init(
            socketPath: String = WorkloadAPIAddress.defaultSocketPath,
            dataDirectory: URL = URL(fileURLWithPath: AgentDataDirectory.defaultPath),
            trustDomain: TrustDomain? = nil,
            pollInterval: Duration = .milliseconds(200),
            connectionLimits: ConnectionLimits.Policy = .default,
            bundleEndpoint: (host: String, port: Int)? = nil,
            now: @escaping @Sendable () -> Date = { Date() }
        ) {
            self.connectionLimits = connectionLimits
            self.bundleEndpoint = bundleEndpoint
            self.socketPath = socketPath
            self.dataDirectory = dataDirectory
            self.trustDomain = trustDomain
            self.pollInterval = pollInterval
            self.now = now
        }
    }

    public let configuration: Configuration
    public let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until the task is cancelled. `ready` is called once the socket accepts connections.
    public func run(ready: @escaping @Sendable (SVIDCache) -> Void = { _ in }) async throws {
        try await run(ready: ready, bundleEndpointReady: { _ in })
    }

    /// As `run(ready:)`; `bundleEndpointReady` gets the port the bundle endpoint listens on.
    public func run(ready: @escaping @Sendable (SVIDCache) -> Void, bundleEndpointReady: @escaping @Sendable (Int) -> Void) async throws {
        let directory = AgentDataDirectory(configuration.dataDirectory)
        let now = configuration.now
        let authorities = try directory.loadOrCreateAuthorities(trustDomain: configuration.trustDomain, now: now())
        let ca = authorities.ca
        let cache = SVIDCache(ca: ca)
        // The key with the lowest kid, so every restart signs with the same one.
        guard let jwtAuthority = authorities.jwt.min(by: { $0.key < $1.key })?.value else {
            throw AgentError.dataDirectory(path: directory.url.path, reason: "no JWT signing key")
        }
        logger.info("trust domain \(ca.trustDomain), agent ID \(cache.agentID), data directory \(directory.url.path), JWT key \(jwtAuthority.keyID) (\(jwtAuthority.algorithm.rawValue))")

        let entries = directory.entries
        let initialStamp = entries.stamp()
        for change in try cache.refresh(entries: try entries.load(), now: now()) { logger.info("\(change)") }

        let service = WorkloadAPIService(cache: cache, jwtAuthority: jwtAuthority, dataDirectory: directory, logger: logger, now: now)
        let federation = FederationRefresher(store: directory.federation, cache: cache, logger: logger, now: now)
        var endpoint: BundleEndpointServer?
        if let (host, port) = configuration.bundleEndpoint {
            let serverID = try SpiffeID(trustDomain: ca.trustDomain, path: "/spire/server")
            let published = PublishedBundle(cache: cache, jwtKeys: authorities.jwt.mapValues(\.publicKey),
                                            firstSequence: authorities.sequenceNumber)
            let server = try await BundleEndpointServer.bind(
                host: host, port: port, authentication: .spiffe(EndpointSVIDSource(cache: cache, spiffeID: serverID, now: now))
            ) { published.current() }
            logger.info("bundle endpoint (https_spiffe) listening on https://\(host):\(server.port)/ as \(serverID)")
            bundleEndpointReady(server.port)
            endpoint = server
        }
        defer { endpoint?.close() }
        try await Self.serveWorkloadAPI(
            socketPath: configuration.socketPath, limits: configuration.connectionLimits, service: service, logger: logger,
            ready: { ready(cache) }
        ) {
            // Foreign bundles are fetched beside the refresh loop, so a slow endpoint never
            // delays a rotation.
            let refreshing = Task { try await federation.run(pollInterval: configuration.pollInterval) }
            defer { refreshing.cancel() }
            // The refresh loop: reload entries when their file changed, renew SVIDs when due.
            var stamp = initialStamp
            while !Task.isCancelled {
                try await Task.sleep(for: configuration.pollInterval)
                do {
                    let current = entries.stamp()
                    let reloaded = current != stamp ? try entries.load() : nil
                    if reloaded != nil {
                        stamp = current
                        logger.info("entries changed: \(reloaded!.count) entries")
                    }
                    for change in try cache.refresh(entries: reloaded, ca: try renewedCA(cache: cache, directory: directory, now: now()), now: now()) {
                        logger.info("\(change)")
                    }
                } catch {
                    logger.error("\(error)")
                }
            }
        }
    }

    /// Serves the Workload API on `socketPath` (0777, as SPIRE's socket: attestation, not file
    /// modes, decides who gets what) with the connection limits, and runs `alongside` (the
    /// agent's own loop) until either ends or the task is cancelled.
    static func serveWorkloadAPI(
        socketPath: String, limits policy: ConnectionLimits.Policy, service: WorkloadAPIService, logger: Logger,
        ready: @escaping @Sendable () -> Void, alongside: @escaping @Sendable () async throws -> Void
    ) async throws {
        try Self.prepareSocketDirectory(for: socketPath)
        var config = HTTP2ServerTransport.Posix.Config.defaults
        // The transport resets the stream of a request larger than this (the pipeline logs who
        // sent it); no Workload API request is near it (the largest is a JWT to validate).
        config.rpc.maxRequestPayloadSize = Self.maximumRequestBytes
        // Streams per connection: a workload watches a handful of streams, not thousands.
        config.http2.maxConcurrentStreams = Self.maximumStreamsPerConnection
        let limits = ConnectionLimits(policy: policy, maximumRequestBytes: Self.maximumRequestBytes, logger: logger)
        config.channelDebuggingCallbacks = PeerCredentialsPipeline.callbacks(limits: limits)
        let openFiles = ConnectionLimits.raiseOpenFileLimit()
        logger.info("limits: \(openFiles) open files, requests up to \(Self.maximumRequestBytes / 1024) KiB, \(Self.maximumStreamsPerConnection) streams per connection, \(policy.maximumStreamsPerCaller) streams and \(policy.maximumPerCaller) connections per uid, idle connections closed after \(policy.idleTimeout)")
        let transport = HTTP2ServerTransport.Posix(
            address: .unixDomainSocket(path: socketPath),
            transportSecurity: .plaintext,
            config: config
        )
        let server = GRPCServer(transport: transport, services: [service])

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            _ = try await transport.listeningAddress
            // Any local process may connect, as to SPIRE's socket: attestation, not file modes,
            // decides who gets what. (connect() on a Unix socket needs write permission.)
            guard chmod(socketPath, 0o777) == 0 else {
                throw AgentError.socket(path: socketPath, reason: "cannot chmod: \(String(cString: strerror(errno)))")
            }
            logger.info("Workload API listening on unix://\(socketPath)")
            ready()
            group.addTask { try await alongside() }
            defer { server.beginGracefulShutdown() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The largest request the agent reads: 64 KiB, far above any real Workload API request
    /// (a ValidateJWTSVID with an 8 KiB token is the largest) and far below grpc's 4 MiB default.
    public static let maximumRequestBytes = 64 * 1024
    /// Concurrent streams (RPCs) on one connection: far more than any workload watches.
    public static let maximumStreamsPerConnection = 1_000

    /// A fresh CA when `RenewalRule.agent` says the current one is due (a sixth of its life left,
    /// so SVIDs never get cut short); nil while the current one serves.
    private func renewedCA(cache: SVIDCache, directory: AgentDataDirectory, now: Date) throws -> CertificateAuthority? {
        guard let root = cache.bundle.authorities.first, RenewalRule.agent.isDue(root, now: now) else { return nil }
        // The trust domain the agent serves, even if the data directory was emptied meanwhile.
        return try directory.loadOrCreateCA(trustDomain: cache.trustDomain, now: now)
    }

    /// The socket's directory: created 0755 if missing (like SPIRE's public/ directory).
    static func prepareSocketDirectory(for socketPath: String) throws(AgentError) {
        guard socketPath.utf8.count <= 107 else {
            throw .socket(path: socketPath, reason: "Unix socket paths are limited to 107 bytes")
        }
        let directory = (socketPath as NSString).deletingLastPathComponent
        guard !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw .socket(path: socketPath, reason: "cannot create its directory: \(error.localizedDescription)")
        }
    }
}

/// The bundle the local agent's bundle endpoint serves: the roots the cache holds now and the
/// JWT keys, with a spiffe_sequence that changes whenever the roots do (Trust Domain and Bundle
/// §4.1.1).
final class PublishedBundle: Sendable {
    let cache: SVIDCache
    let jwtKeys: [String: JWTPublicKey]
    private let last: Mutex<(roots: [Certificate], sequence: UInt64)>

    init(cache: SVIDCache, jwtKeys: [String: JWTPublicKey], firstSequence: UInt64) {
        self.cache = cache
        self.jwtKeys = jwtKeys
        self.last = Mutex((cache.bundle.authorities, firstSequence))
    }

    func current() -> SpiffeBundle {
        let roots = cache.bundle.authorities
        let sequence = last.withLock { last in
            if last.roots != roots { last = (roots, last.sequence + 1) }
            return last.sequence
        }
        return SpiffeBundle(trustDomain: cache.trustDomain, x509Authorities: roots, jwtAuthorities: jwtKeys,
                            sequenceNumber: sequence, refreshHint: SpiffeBundle.defaultRefreshHint)
    }
}

/// The bundle endpoint's own X509-SVID (spiffe://<td>/spire/server), always from the CA the agent
/// signs with now, renewed at half its hour: a peer that fetched the new bundle after a CA
/// renewal must find the endpoint's SVID signed by it.
final class EndpointSVIDSource: X509SVIDSource {
    let cache: SVIDCache
    let spiffeID: SpiffeID
    let now: @Sendable () -> Date
    private let issued = Mutex<X509SVID?>(nil)

    init(cache: SVIDCache, spiffeID: SpiffeID, now: @escaping @Sendable () -> Date) {
        self.cache = cache
        self.spiffeID = spiffeID
        self.now = now
    }

    func x509SVID() throws -> X509SVID {
        guard let ca = cache.currentCA else { throw X509SourceError.noSVID }
        let time = now()
        return try issued.withLock { issued in
            if let svid = issued, svid.leaf.issuer == ca.certificate.subject,
               time < svid.leaf.notValidBefore.addingTimeInterval(svid.leaf.notValidAfter.timeIntervalSince(svid.leaf.notValidBefore) / 2) {
                return svid
            }
            let fresh = try ca.issueSVID(for: spiffeID, ttl: 3600, now: time)
            issued = fresh
            return fresh
        }
    }
}
