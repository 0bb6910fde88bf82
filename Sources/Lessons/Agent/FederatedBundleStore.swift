import SpiffeBundles
import SpiffeIdentity

/// Where a `FederationRefresher` reads the federation relationships and keeps the foreign
/// bundles it fetches: the local agent's data directory (`FederationStore`), or the SPIRE model
/// server's datastore, as SPIRE's server keeps both in its database.
public protocol FederatedBundleStore: Sendable {
    /// Changes whenever the relationships may have (the refresher re-reads them then).
    func stamp() -> String
    func relationships() throws -> [FederationRelationship]
    /// The latest bundle held for `trustDomain`, fetched or given out of band.
    func bundle(for trustDomain: TrustDomain) -> SpiffeBundle?
    /// Keeps `bundle` as its trust domain's, replacing the one held; never merged with another.
    func saveBundle(_ bundle: SpiffeBundle) throws
}

extension FederationStore: FederatedBundleStore {}
