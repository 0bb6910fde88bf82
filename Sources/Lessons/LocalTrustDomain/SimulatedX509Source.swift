import Foundation
import SpiffeBundles
import SpiffeIdentity
import SpiffeX509
import Synchronization

/// A stand-in for the Workload API in simulated mode: it mints this workload's SVID from a local
/// CA and renews it the way a SPIRE agent does, at half its lifetime.
///
/// Like the live `X509Source`, it is asked for the SVID at every use, so code written against
/// `X509SVIDSource` behaves the same in both modes: a TLS server using it keeps serving across
/// renewals, and a learner can watch the serial number change with a short `ttl`.
public final class SimulatedX509Source: X509SVIDSource, X509BundleSource, Sendable {
    public let authority: CertificateAuthority
    public let spiffeID: SpiffeID
    public let ttl: TimeInterval
    private let now: @Sendable () -> Date
    private let current: Mutex<X509SVID>

    public init(
        authority: CertificateAuthority,
        spiffeID: SpiffeID,
        ttl: TimeInterval = 3600,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.authority = authority
        self.spiffeID = spiffeID
        self.ttl = ttl
        self.now = now
        self.current = Mutex(try authority.issueSVID(for: spiffeID, ttl: ttl, now: now()))
    }

    /// The current SVID, renewed first if it is past half its lifetime (SPIRE's agent rotates
    /// at about half; it never waits for expiry, so peers never see an expired certificate).
    public func x509SVID() throws -> X509SVID {
        let time = now()
        return try current.withLock { svid in
            let issued = svid.leaf.notValidBefore + 10     // issueSVID backdates notBefore by 10 s
            let halfLife = (svid.leaf.notValidAfter.timeIntervalSince(issued)) / 2
            if time >= issued + halfLife {
                svid = try authority.issueSVID(for: spiffeID, ttl: ttl, now: time)
            }
            return svid
        }
    }

    /// The simulated trust domain has exactly one bundle: the local CA's.
    public func x509Bundle(for trustDomain: TrustDomain) throws -> X509Bundle {
        guard trustDomain == authority.trustDomain else { throw X509SourceError.noBundle(trustDomain) }
        return authority.bundle
    }
}
