import Foundation
import Logging
import SpiffeBundles
import SpiffeFederation
import SpiffeIdentity
import Synchronization

/// Keeps the foreign bundles of the federation relationships current, as SPIRE's server does for
/// its federated trust domains: each is fetched at start, when the relationships change, and
/// again after the refresh hint of the bundle last fetched (SPIFFE_Trust_Domain_and_Bundle
/// §4.1.2). A failed fetch keeps the bundle held, and is retried sooner.
///
/// The local agent runs one on its data directory and hands each bundle only to workloads whose
/// entries federate with its trust domain (`WorkloadAPIService.federatedBundles`); the SPIRE
/// model's server runs one on its datastore, and its agents get the bundles by sync.
public final class FederationRefresher: Sendable {
    let store: any FederatedBundleStore
    /// Our own trust domain and its current bundle: what authenticates an https_spiffe endpoint
    /// whose SPIFFE ID is one of ours.
    let trustDomain: TrustDomain
    let ownBundle: @Sendable () -> X509Bundle?
    /// Hands the bundles held on (true when they differ from the last ones handed), and says to
    /// whom for the log line; nil when they are read where they are kept (the SPIRE model's
    /// server answers GetFederatedBundle from its datastore).
    let delivery: Delivery?

    public struct Delivery: Sendable {
        public let hand: @Sendable ([TrustDomain: SpiffeBundle]) -> Bool
        public let audience: String

        public init(audience: String, hand: @escaping @Sendable ([TrustDomain: SpiffeBundle]) -> Bool) {
            self.audience = audience
            self.hand = hand
        }
    }
    let client: BundleEndpointClient
    let logger: Logger
    let now: @Sendable () -> Date
    /// How soon a failed fetch is tried again: sooner than SPIRE, which waits for its next
    /// interval (a quarter of the hint), so that a lesson's mistake is seen to heal quickly.
    public static let retryAfterFailure: TimeInterval = 10

    private struct State {
        var stamp = ""
        var relationships: [FederationRelationship] = []
        var nextFetch: [TrustDomain: Date] = [:]
    }
    private let state = Mutex(State())

    public init(store: any FederatedBundleStore, trustDomain: TrustDomain, ownBundle: @escaping @Sendable () -> X509Bundle?,
                delivery: Delivery?, client: BundleEndpointClient = BundleEndpointClient(), logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.trustDomain = trustDomain
        self.ownBundle = ownBundle
        self.delivery = delivery
        self.client = client
        self.logger = logger
        self.now = now
    }

    /// The local agent's: relationships and bundles in its data directory, bundles handed to its cache.
    public convenience init(store: FederationStore, cache: SVIDCache, client: BundleEndpointClient = BundleEndpointClient(),
                            logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(store: store, trustDomain: cache.trustDomain, ownBundle: { cache.bundle },
                  delivery: Delivery(audience: "to workloads that federate with them") { cache.setFederatedBundles($0) },
                  client: client, logger: logger, now: now)
    }

    /// Polls until cancelled.
    public func run(pollInterval: Duration) async throws {
        while !Task.isCancelled {
            await refreshDue()
            try await Task.sleep(for: pollInterval)
        }
    }

    // step: federation-refresh
    /// Fetches every bundle that is due, then hands on the bundles the store holds (the local
    /// agent to its cache; the SPIRE model's server keeps them where they are).
    public func refreshDue() async {
        let (due, reloaded) = reloadIfChanged()
        // Most polls find nothing due and nothing changed: then the held bundles are as they
        // were, and reading them from disk again every poll would be work for nothing.
        guard !due.isEmpty || reloaded else { return }
        for relationship in due {
            let next: TimeInterval
            do {
                let endpoint = try relationship.endpoint()
                let fetched = try await client.fetch(endpoint, endpointBundle: endpointBundle(for: endpoint))
                try store.saveBundle(fetched)
                next = TimeInterval(max(1, fetched.refreshHint ?? SpiffeBundle.defaultRefreshHint))
                logger.info("federation: fetched the bundle of \(relationship.trustDomain) from \(relationship.bundleEndpointURL) (\(relationship.bundleEndpointProfile)): \(fetched.x509Authorities.count) X.509 authorit\(fetched.x509Authorities.count == 1 ? "y" : "ies"), spiffe_sequence \(fetched.sequenceNumber.map(String.init) ?? "none"); next refresh in \(Int(next)) s")
            } catch {
                next = Self.retryAfterFailure
                logger.warning("federation: cannot refresh the bundle of \(relationship.trustDomain): \(error); keeping the one held, trying again in \(Int(next)) s")
            }
            let at = now().addingTimeInterval(next)
            state.withLock { $0.nextFetch[relationship.trustDomain] = at }
        }
        guard let delivery else { return }
        let held = state.withLock { $0.relationships }.compactMap { store.bundle(for: $0.trustDomain) }
        if delivery.hand(Dictionary(held.map { ($0.trustDomain, $0) }, uniquingKeysWith: { first, _ in first })) {
            logger.info("federation: serving the bundles of \(held.map(\.trustDomain.name).sorted().joined(separator: ", ")) \(delivery.audience)")
        }
    }
    // end-step

    /// The relationships whose bundle is due, and whether federation.json was re-read because it
    /// changed (a new or changed relationship is due at once; a removed one is forgotten).
    private func reloadIfChanged() -> (due: [FederationRelationship], reloaded: Bool) {
        let stamp = store.stamp()
        let fresh: [FederationRelationship]?
        if stamp != state.withLock({ $0.stamp }) {
            do {
                fresh = try store.relationships()
            } catch {
                logger.error("\(error)")
                fresh = nil
            }
        } else {
            fresh = nil
        }
        let time = now()
        return state.withLock { state in
            if let fresh {
                state.stamp = stamp
                let old = state.relationships
                state.relationships = fresh
                state.nextFetch = state.nextFetch.filter { entry in fresh.contains { $0.trustDomain == entry.key } }
                for relationship in fresh where !old.contains(relationship) { state.nextFetch[relationship.trustDomain] = time }
            }
            return (state.relationships.filter { (state.nextFetch[$0.trustDomain] ?? time) <= time }, fresh != nil)
        }
    }

    /// https_spiffe: the bundle that authenticates the endpoint's SPIFFE ID: our own trust
    /// domain's, or the latest held for the endpoint ID's trust domain (for a self-serving
    /// endpoint, the bootstrap bundle at first, then the last one fetched).
    private func endpointBundle(for endpoint: BundleEndpoint) -> X509Bundle? {
        guard case .httpsSPIFFE(let id) = endpoint.profile else { return nil }
        if id.trustDomain == trustDomain { return ownBundle() }
        return store.bundle(for: id.trustDomain)?.x509Bundle
    }
}
