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

/// One sync of the SPIRE model's agent with its server, run every sync interval:
/// the authorized entries, the bundle, a CSR for every entry whose SVID is missing, changed or
/// half-way through its life, and the agent's own SVID renewed when it is half-way too.
///
/// A sync that cannot reach the server changes nothing: the cache keeps serving what it holds
/// (SVIDs stay usable until they expire), and entries created meanwhile stay unknown.
final class EntrySync: Sendable {
    let server: ServerClient
    let cache: SVIDCache
    let logger: Logger
    let now: @Sendable () -> Date
    private let state: Mutex<(agentSVID: X509SVID, unreachableSince: Date?)>
    /// The connection to the agent listener, for the current agent SVID (a renewal replaces it).
    private let connection = Mutex<(client: GRPCClient<HTTP2ClientTransport.Posix>, leaf: Certificate, task: Task<Void, Never>)?>(nil)

    init(server: ServerClient, cache: SVIDCache, agentSVID: X509SVID, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.server = server
        self.cache = cache
        self.logger = logger
        self.now = now
        self.state = Mutex((agentSVID, nil))
    }

    deinit { close() }

    var agentSVID: X509SVID { state.withLock { $0.agentSVID } }

    /// The client for `svid`: the open one if it was made for this SVID, else a new one (and
    /// the old one closed once its calls have finished).
    private func client(for svid: X509SVID) throws -> GRPCClient<HTTP2ClientTransport.Posix> {
        try connection.withLock { current in
            if let current, current.leaf == svid.leaf { return current.client }
            current?.client.beginGracefulShutdown()
            let client = try server.agentClient(svid)
            let task = Task { _ = try? await client.runConnections() }
            current = (client, svid.leaf, task)
            return client
        }
    }

    /// Closes the connection (the agent is stopping).
    func close() {
        connection.withLock { current in
            current?.client.beginGracefulShutdown()
            current = nil
        }
    }

    // step: agent-sync-failure
    /// One sync; failures are logged, never thrown. A failed sync leaves the cache as it was:
    /// workloads keep getting the SVIDs it holds (until they expire), and learn of no new entry.
    func once() async {
        do {
            try await sync()
            let outage = state.withLock { state -> Date? in
                defer { state.unreachableSince = nil }
                return state.unreachableSince
            }
            if let outage { logger.info("server reachable again after \(Int(now().timeIntervalSince(outage)))s") }
        } catch {
            let first = state.withLock { state -> Bool in
                defer { if state.unreachableSince == nil { state.unreachableSince = now() } }
                return state.unreachableSince == nil
            }
            let held = cache.current.issued.count
            if first {
                logger.warning("server unreachable (\(Self.reason(error))): serving \(held) cached SVID\(held == 1 ? "" : "s") until the server returns")
            } else {
                logger.debug("server still unreachable: \(Self.reason(error))")
            }
        }
    }
    // end-step

    // step: agent-sync
    private func sync() async throws {
        let agentSVID = self.agentSVID
        let client = try client(for: agentSVID)
        let entryAPI = Spire_Api_Server_Entry_V1_Entry.Client(wrapping: client)
        let bundleAPI = Spire_Api_Server_Bundle_V1_Bundle.Client(wrapping: client)
        let svidAPI = Spire_Api_Server_Svid_V1_SVID.Client(wrapping: client)
        let options = Self.options

        let wireEntries = try await entryAPI.getAuthorizedEntries(.init(), options: options).entries
        let entries = try wireEntries.map { try $0.registrationEntry() }.sorted { $0.entryID < $1.entryID }
        let bundle = try await bundleAPI.getBundle(.init(), options: options).spiffeBundle(expected: cache.trustDomain).x509Bundle

        // Keep an SVID while its entry is unchanged and it is not half-way through its life.
        let held = cache.current.issued
        let time = now()
        var svids: [String: SVIDCache.Issued] = [:]
        var requests: [(entry: RegistrationEntry, key: KeyAndCSR)] = []
        for entry in entries {
            if let current = held[entry.entryID], current.entry == entry, time < current.rotateAt {
                svids[entry.entryID] = current
            } else {
                requests.append((entry, try KeyAndCSR()))
            }
        }
        if !requests.isEmpty {
            var batch = Spire_Api_Server_Svid_V1_BatchNewX509SVIDRequest()
            batch.params = requests.map { request in
                var params = Spire_Api_Server_Svid_V1_NewX509SVIDParams()
                params.entryID = request.entry.entryID
                params.csr = request.key.csrDER
                return params
            }
            logger.info("CSRs sent: \(requests.count) (\(requests.map(\.entry.spiffeID.description).joined(separator: ", ")))")
            let results = try await svidAPI.batchNewX509SVID(batch, options: options).results
            for (request, result) in zip(requests, results) {
                guard result.status.code == 0 else {
                    logger.warning("the server did not sign \(request.entry.spiffeID) (entry \(request.entry.entryID)): \(result.status.message)")
                    continue
                }
                let chain = try result.svid.certChain.map { try ParsedCertificates.certificate(derEncoded: Array($0)) }
                let svid = X509SVID(spiffeID: request.entry.spiffeID, chain: chain, privateKey: request.key.key, hint: request.entry.hint)
                svids[request.entry.entryID] = try SVIDCache.issued(entry: request.entry, svid: svid, now: time)
            }
        }
        let federated = try await federatedBundles(for: entries, bundleAPI)
        let changes = cache.replace(entries: entries, svids: svids, bundle: bundle)
        if cache.setFederatedBundles(federated) {
            logger.info("federated bundles synced: \(federated.isEmpty ? "none" : federated.keys.map(\.name).sorted().joined(separator: ", "))")
        }
        if !changes.isEmpty || held.count != svids.count {
            logger.info("entries synced: \(entries.count) authorized, \(svids.count) SVID\(svids.count == 1 ? "" : "s") held; pushed to \(cache.subscriberCount) stream\(cache.subscriberCount == 1 ? "" : "s")")
            for change in changes { logger.info("\(change)") }
        }
        try await renewAgentSVIDIfDue(client, agentSVID: agentSVID)
    }
    // end-step

    // step: agent-sync-federated-bundles
    /// The bundle of every trust domain the authorized entries federate with, as the server holds
    /// it. One the server has none of yet is left out with a warning, as SPIRE's agent does; any
    /// other failure fails the sync, which then changes nothing.
    private func federatedBundles(
        for entries: [RegistrationEntry], _ bundleAPI: Spire_Api_Server_Bundle_V1_Bundle.Client<HTTP2ClientTransport.Posix>
    ) async throws -> [TrustDomain: SpiffeBundle] {
        var bundles: [TrustDomain: SpiffeBundle] = [:]
        for domain in Set(entries.flatMap(\.federatesWith)).sorted() {
            var request = Spire_Api_Server_Bundle_V1_GetFederatedBundleRequest()
            request.trustDomain = domain.name
            do {
                bundles[domain] = try await bundleAPI.getFederatedBundle(request, options: Self.options).spiffeBundle(expected: domain)
            } catch let error as RPCError where error.code == .notFound {
                logger.warning("federated bundle of \(domain) not found on the server: \(error.message)")
            }
        }
        return bundles
    }
    // end-step

    /// The agent's own SVID is renewed as any other: at half its life, authenticated by itself.
    private func renewAgentSVIDIfDue(_ client: GRPCClient<HTTP2ClientTransport.Posix>, agentSVID: X509SVID) async throws {
        let leaf = agentSVID.leaf
        let due = leaf.notValidBefore + leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore) / 2
        guard now() >= due else { return }
        let request = try KeyAndCSR()
        var renew = Spire_Api_Server_Agent_V1_RenewAgentRequest()
        renew.params.csr = request.csrDER
        let response = try await Spire_Api_Server_Agent_V1_Agent.Client(wrapping: client).renewAgent(renew, options: Self.options)
        let chain = try response.svid.certChain.map { try ParsedCertificates.certificate(derEncoded: Array($0)) }
        state.withLock { $0.agentSVID = X509SVID(spiffeID: agentSVID.spiffeID, chain: chain, privateKey: request.key) }
        logger.info("agent SVID renewed, expires \(TimeText.iso(chain[0].notValidAfter))")
    }

    /// A sync gives up after a few seconds rather than hang on a server that accepts and never
    /// answers, and at once on a server that refuses the connection (the next sync retries).
    static var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = .seconds(5)
        options.waitForReady = false
        return options
    }

    static func reason(_ error: any Error) -> String {
        if let rpc = error as? RPCError { return "\(rpc.code): \(rpc.message)" }
        return "\(error)"
    }
}
