import Foundation
import GRPCCore
import Logging
import SpiffeBundles
import SpiffeIdentity
import SpiffeJWT
import SpiffeWorkloadAPI
import SpiffeX509
import SwiftProtobuf
import WorkloadAPIProto

/// The agent's side of the Workload API: who is calling, which identities they get, and the
/// streams that push every rotation.
///
/// The X.509 RPCs are here; the JWT RPCs live in WorkloadAPIService+JWT.swift and use the same
/// `caller(_:)` to authenticate and authorize.
public struct WorkloadAPIService: Workload_SpiffeWorkloadAPI.ServiceProtocol {
    public let cache: SVIDCache
    /// Signs JWT-SVIDs; its public key is the trust domain's JWT bundle. nil for the SPIRE
    /// model's agent, whose server signs X509-SVIDs only: the JWT RPCs then answer Unimplemented.
    public let jwtAuthority: JWTAuthority?
    public let attestor: UnixWorkloadAttestor
    public let dataDirectory: AgentDataDirectory
    public let logger: Logger
    public let now: @Sendable () -> Date

    public init(
        cache: SVIDCache,
        jwtAuthority: JWTAuthority?,
        attestor: UnixWorkloadAttestor = UnixWorkloadAttestor(),
        dataDirectory: AgentDataDirectory,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.cache = cache
        self.jwtAuthority = jwtAuthority
        self.attestor = attestor
        self.dataDirectory = dataDirectory
        self.logger = logger
        self.now = now
    }

    /// A caller the agent has attested.
    public struct Caller: Sendable {
        public let credentials: PeerCredentials
        public let selectors: Set<Selector>
    }

    // step: caller
    /// Checks the security header, then attests the caller from the kernel's credentials.
    ///
    /// - Missing `workload.spiffe.io: true` -> InvalidArgument (the spec's answer; clients do not
    ///   retry it).
    /// - The credentials come from the agent's own pipeline (PeerCredentialsPipeline), which
    ///   removes any copy a client sent, so they cannot be forged.
    public func caller(_ metadata: Metadata) throws -> Caller {
        guard metadata[stringValues: WorkloadAPIClient.securityHeader].contains("true") else {
            throw RPCError(code: .invalidArgument, message: "security header missing from request")
        }
        guard let credentials = PeerCredentialsPipeline.credentials(in: metadata) else {
            throw RPCError(code: .internalError, message: "the agent could not read the caller's credentials")
        }
        do {
            let selectors = try attestor.attest(credentials)
            logger.info("workload attested: \(credentials): \(selectors.sorted().map(\.description).joined(separator: " "))")
            return Caller(credentials: credentials, selectors: selectors)
        } catch {
            logger.warning("\(error)")
            throw RPCError(code: .permissionDenied, message: error.description)
        }
    }

    /// The caller's identities; PermissionDenied when there are none. An empty response would be
    /// a protocol error (py-spiffe, for one, gives up on a stream for good when it sees one),
    /// while clients may retry PermissionDenied (Workload Endpoint §6): an entry may be
    /// registered any moment.
    public func identities(of caller: Caller) throws -> [SVIDCache.Issued] {
        let identities = cache.identities(for: caller.selectors)
        guard !identities.isEmpty else {
            logger.info("no identity issued for \(caller.credentials)")
            throw RPCError(code: .permissionDenied, message: "no identity issued")
        }
        return identities
    }
    // end-step

    // MARK: X.509

    // step: fetch-x509-svid
    public func fetchX509SVID(
        request: ServerRequest<Workload_X509SVIDRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Workload_X509SVIDResponse> {
        let caller = try caller(request.metadata)
        _ = try identities(of: caller)
        logger.info("FetchX509SVID stream opened by \(caller.credentials)")
        return StreamingServerResponse { writer in
            try await self.stream(context: context) { () throws -> Workload_X509SVIDResponse in
                try self.x509SVIDResponse(for: try self.identities(of: caller))
            } send: { response in
                try await writer.write(response)
            }
            return [:]
        }
    }
    // end-step

    public func fetchX509Bundles(
        request: ServerRequest<Workload_X509BundlesRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Workload_X509BundlesResponse> {
        let caller = try caller(request.metadata)
        _ = try identities(of: caller)
        return StreamingServerResponse { writer in
            try await self.stream(context: context) { () throws -> Workload_X509BundlesResponse in
                let identities = try self.identities(of: caller)
                var response = Workload_X509BundlesResponse()
                let bundle = self.cache.bundle
                response.bundles = [bundle.trustDomain.idString: Data(try bundle.der())]
                for (trustDomain, foreign) in self.federatedBundles(for: identities) {
                    response.bundles[trustDomain.idString] = Data(try foreign.x509Bundle.der())
                }
                return response
            } send: { response in
                try await writer.write(response)
            }
            return [:]
        }
    }

    // step: x509-svid-response
    /// The wire form of a workload's X.509 state.
    func x509SVIDResponse(for identities: [SVIDCache.Issued]) throws -> Workload_X509SVIDResponse {
        let bundle = Data(try cache.bundle.der())
        var response = Workload_X509SVIDResponse()
        response.svids = identities.map { issued in
            var svid = Workload_X509SVID()
            svid.spiffeID = issued.entry.spiffeID.description
            svid.x509Svid = issued.chainDER          // leaf first, concatenated DER
            svid.x509SvidKey = issued.keyDER         // PKCS#8 DER: the agent made the key, no CSR
            svid.bundle = bundle                     // never empty: py-spiffe requires it
            svid.hint = issued.entry.hint
            return svid
        }
        for (trustDomain, foreign) in federatedBundles(for: identities) where !foreign.x509Authorities.isEmpty {
            response.federatedBundles[trustDomain.idString] = Data(try foreign.x509Bundle.der())
        }
        return response
    }
    // end-step

    // step: federated-bundles
    /// The foreign bundles a caller receives: those of the trust domains its entries federate
    /// with (`-federatesWith`), and only those the agent holds. A workload whose entries name
    /// no foreign trust domain gets none, so it cannot authenticate a peer from outside its own
    /// trust domain even if it wanted to. Each bundle stays keyed by the trust domain it was
    /// fetched for: the Workload API sends a map, never a merged list of roots.
    func federatedBundles(for identities: [SVIDCache.Issued]) -> [TrustDomain: SpiffeBundle] {
        let wanted = Set(identities.flatMap(\.entry.federatesWith))
        return cache.federatedBundles.filter { wanted.contains($0.key) }
    }
    // end-step

    /// Sends `make()` now and again whenever the cache changes and the message differs from the
    /// last one sent, until the client goes away. Errors from `make()` (PermissionDenied when the
    /// caller's last entry was deleted) end the stream with that status.
    func stream<Response: SwiftProtobuf.Message & Equatable & Sendable>(
        context: ServerContext,
        make: @escaping @Sendable () throws -> Response,
        send: @escaping @Sendable (Response) async throws -> Void
    ) async throws {
        let versions = cache.subscribe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var last: Response?
                for await _ in versions {
                    let response = try make()
                    if response != last {
                        try await send(response)
                        last = response
                    }
                }
            }
            group.addTask {
                // gRPC reports a client that hung up through the cancellation handle, not by
                // cancelling our task.
                try await context.cancellation.cancelled
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

