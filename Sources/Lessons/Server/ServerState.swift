import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SpiffeAgent
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import SpireAPIProto
import Synchronization
import X509

/// What every API of the server shares: the datastore, the CA, the settings, the clock.
public struct ServerState: Sendable {
    public let dataStore: ServerDataStore
    public let ca: ServerCA
    public let defaultX509SVIDTTL: TimeInterval
    public let logger: Logger
    public let now: @Sendable () -> Date
    /// The bundle as parsed certificates, parsed again only when the datastore's roots change:
    /// every agent handshake and every GetBundle asks for it.
    private let parsedBundle = ParsedBundle()

    public init(dataStore: ServerDataStore, ca: ServerCA, defaultX509SVIDTTL: TimeInterval, logger: Logger,
                now: @escaping @Sendable () -> Date) {
        self.dataStore = dataStore
        self.ca = ca
        self.defaultX509SVIDTTL = defaultX509SVIDTTL
        self.logger = logger
        self.now = now
    }

    public var trustDomain: TrustDomain { ca.trustDomain }

    /// The listener an RPC arrived on. SPIRE serves everything on one TCP port (Go's TLS can ask
    /// for a client certificate without requiring one) plus a Unix socket for administration.
    /// grpc-swift-nio-transport can only require a client certificate or not ask for one, so the
    /// model has two TCP listeners: one that asks for none, where agents attest and fetch the
    /// bundle, and one that requires an agent SVID, for everything an attested agent does.
    public enum Listener: String, Sendable {
        /// TLS, the server authenticated only: AttestAgent, GetBundle.
        case attestation
        /// mTLS with the agent's SVID: GetAuthorizedEntries, BatchNewX509SVID, RenewAgent, GetBundle.
        case agent
        /// The Unix socket (spire-server's -socketPath): entries, join tokens, agents, bundle.
        case admin
    }

    /// Refuses an RPC that this listener does not serve.
    func require(_ listener: Listener, in allowed: Set<Listener>, _ rpc: String) throws {
        guard allowed.contains(listener) else {
            throw RPCError(code: .permissionDenied, message: "\(rpc) is not served on the \(listener.rawValue) listener")
        }
    }

    /// The bundle: every root in the datastore.
    public func bundle() throws -> X509Bundle {
        let pems = dataStore.snapshot.bundleRoots
        return try parsedBundle.bundle(for: pems) {
            let roots = try pems.flatMap { try PEM.certificates(fromPEM: $0, source: "datastore bundle") }
            return X509Bundle(trustDomain: trustDomain, authorities: roots)
        }
    }

    /// The bundle as published, to agents (GetBundle) and on the bundle endpoint: every root,
    /// the datastore's sequence number (one more for each change of roots, Trust Domain and
    /// Bundle §4.1.1) and the five-minute refresh hint.
    public func spiffeBundle() throws -> SpiffeBundle {
        SpiffeBundle(trustDomain: trustDomain, x509Authorities: try bundle().authorities,
                     sequenceNumber: dataStore.snapshot.bundleSequence, refreshHint: SpiffeBundle.defaultRefreshHint)
    }

    /// The last bundle parsed, with the PEM it was parsed from.
    final class ParsedBundle: Sendable {
        private let last = Mutex<(pems: [String], bundle: X509Bundle)?>(nil)

        func bundle(for pems: [String], parse: () throws -> X509Bundle) throws -> X509Bundle {
            if let cached = last.withLock({ $0 }), cached.pems == pems { return cached.bundle }
            let bundle = try parse()
            last.withLock { $0 = (pems, bundle) }
            return bundle
        }
    }

    // step: server-authenticate-agent
    /// The attested agent calling on the agent listener.
    ///
    /// The TLS handshake already proved the caller holds a certificate that chains to the bundle
    /// (PeerVerification). That alone is not enough: every workload SVID chains to the bundle
    /// too. The caller must be an agent the datastore knows, presenting the SVID the server last
    /// issued it (an older one was renewed away), and not banned.
    func authenticatedAgent(_ context: ServerContext) throws -> ServerDataStore.AttestedAgent {
        guard let transport = context.transportSpecific as? HTTP2ServerTransport.Posix.Context,
              let leaf = transport.peerCertificate else {
            throw RPCError(code: .unauthenticated, message: "no client certificate: attest first")
        }
        guard let id = try? CertificateNames.spiffeID(of: leaf) else {
            throw RPCError(code: .unauthenticated, message: "the client certificate carries no SPIFFE ID")
        }
        let serial = CertificateNames.hex(leaf.serialNumber.bytes)
        guard let agent = dataStore.snapshot.agents.first(where: { $0.spiffeID == id }) else {
            logger.warning("refused \(id): not an attested agent")
            throw RPCError(code: .permissionDenied, message: "\(id) is not an attested agent")
        }
        guard !agent.banned else { throw RPCError(code: .permissionDenied, message: "agent \(id) is banned") }
        guard agent.serialNumber == serial else {
            logger.warning("refused \(id): SVID serial \(serial) is not its current one (\(agent.serialNumber))")
            throw RPCError(code: .permissionDenied, message: "SVID serial \(serial) is not agent \(id)'s current SVID")
        }
        return agent
    }
    // end-step

    // step: server-authorized-entries
    /// The entries an agent may serve: those whose parent is the agent, then those whose parent
    /// is the SPIFFE ID of an entry already found (a node alias, such as the entry
    /// `token generate -spiffeID` makes), and so on down.
    public func authorizedEntries(for agentID: SpiffeID) -> [RegistrationEntry] {
        let entries = dataStore.snapshot.entries
        var parents: Set<SpiffeID> = [agentID]
        var found: [String: RegistrationEntry] = [:]
        var grew = true
        while grew {
            grew = false
            for entry in entries where found[entry.entryID] == nil && parents.contains(entry.parentID) {
                found[entry.entryID] = entry
                parents.insert(entry.spiffeID)
                grew = true
            }
        }
        // SPIRE orders an agent's entries by entry ID; so does the model.
        return found.values.sorted { $0.entryID < $1.entryID }
    }
    // end-step

    /// Signs `csrDER` for `id`: the one path by which any certificate leaves the server.
    func sign(csrDER: Data, for id: SpiffeID, ttl: TimeInterval) throws(ServerSigningError) -> [Certificate] {
        let csr: CertificateSigningRequest
        do { csr = try CertificateSigningRequest(derEncoded: Array(csrDER)) } catch {
            throw .badCSR("it does not parse as PKCS#10: \(error)")
        }
        return try ca.sign(csr, for: id, ttl: ttl, now: now())
    }
}

extension ServerState {
    /// The wire form of an SVID (spire.api.types.X509SVID).
    static func wire(_ chain: [Certificate], id: SpiffeID, hint: String = "") throws -> Spire_Api_Types_X509SVID {
        var svid = Spire_Api_Types_X509SVID()
        svid.certChain = try chain.map { Data(try PEM.der([$0])) }
        svid.id = .init(id)
        svid.expiresAt = Int64(chain[0].notValidAfter.timeIntervalSince1970)
        svid.hint = hint
        return svid
    }
}
