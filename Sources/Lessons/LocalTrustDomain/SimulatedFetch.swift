import Foundation
import SpiffeIdentity
import SpiffeX509

/// `spiffe-demo fetch` without an agent: what an agent does for a workload it has attested,
/// with the trust domain's CA kept in a `TrustDomainDirectory` so that the bundle of one fetch
/// still validates the SVID of the next.
public enum SimulatedFetch {
    /// The agent makes the key pair, has the SVID signed by the trust domain's CA, and hands back
    /// the key, the chain and the bundle together, as `FetchX509SVID` does (Workload API §5.2.1).
    public static func x509Context(
        spiffeID: SpiffeID, signedBy ca: CertificateAuthority, ttl: TimeInterval = 3600, now: Date = Date()
    ) throws -> X509Context {
        let svid = try ca.issueSVID(for: spiffeID, ttl: ttl, now: now)
        return X509Context(svids: [svid], bundles: [spiffeID.trustDomain: ca.bundle])
    }

    /// The same, with the CA of `spiffeID`'s trust domain in `directory` (created on first use).
    public static func x509Context(
        spiffeID: SpiffeID, in directory: TrustDomainDirectory, ttl: TimeInterval = 3600, now: Date = Date()
    ) throws -> X509Context {
        let ca = try directory.loadOrCreate(trustDomain: spiffeID.trustDomain, renewal: .simulated, now: now).ca
        return try x509Context(spiffeID: spiffeID, signedBy: ca, ttl: ttl, now: now)
    }
}
