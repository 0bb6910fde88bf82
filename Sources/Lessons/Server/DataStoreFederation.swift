import Foundation
import SpiffeAgent
import SpiffeBundles
import SpiffeIdentity

/// The server's federation relationships and foreign bundles, kept in its datastore, as SPIRE's
/// server keeps them in its database: what the server's `FederationRefresher` reads and writes,
/// and what GetFederatedBundle answers agents from.
struct DataStoreFederation: FederatedBundleStore {
    let dataStore: ServerDataStore

    /// The relationships as text: it changes whenever one does (the datastore lives in this
    /// process, so there is no file to stamp).
    func stamp() -> String { String(describing: dataStore.snapshot.federationRelationships) }

    func relationships() throws -> [FederationRelationship] { dataStore.snapshot.federationRelationships }

    func bundle(for trustDomain: TrustDomain) -> SpiffeBundle? {
        Self.bundle(for: trustDomain, in: dataStore.snapshot)
    }

    func saveBundle(_ bundle: SpiffeBundle) throws {
        let record = ServerDataStore.FederatedBundle(
            trustDomain: bundle.trustDomain, document: String(decoding: try bundle.spiffeJSON(pretty: false), as: UTF8.self))
        try dataStore.update { contents in
            contents.federatedBundles.removeAll { $0.trustDomain == bundle.trustDomain }
            contents.federatedBundles.append(record)
            contents.federatedBundles.sort { $0.trustDomain < $1.trustDomain }
        }
    }

    static func bundle(for trustDomain: TrustDomain, in contents: ServerDataStore.Contents) -> SpiffeBundle? {
        guard let record = contents.federatedBundles.first(where: { $0.trustDomain == trustDomain }) else { return nil }
        return try? SpiffeBundle(json: Data(record.document.utf8), trustDomain: trustDomain, format: .spiffe,
                                 source: "datastore bundle of \(trustDomain)")
    }
}
