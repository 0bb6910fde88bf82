import SpiffeBundles
import SpiffeIdentity

/// The X.509 state a workload holds: its SVIDs (the first is the default identity), the bundle
/// of its own trust domain, and bundles of federated trust domains.
public struct X509Context: Sendable {
    public var svids: [X509SVID]
    public var bundles: [TrustDomain: X509Bundle]

    public init(svids: [X509SVID], bundles: [TrustDomain: X509Bundle]) {
        self.svids = svids
        self.bundles = bundles
    }

    /// The default SVID: the first one (SPIFFE Workload API §8).
    public var defaultSVID: X509SVID? { svids.first }

    /// The bundle for a trust domain, if this workload has one.
    public func bundle(for trustDomain: TrustDomain) -> X509Bundle? { bundles[trustDomain] }
}
