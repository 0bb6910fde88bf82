import SpiffeBundles
import SpiffeIdentity

/// Something that can hand out the workload's current X509-SVID.
///
/// SVIDs rotate (SPIRE renews them at about half their lifetime), so code that needs an SVID
/// asks a source each time, for example at every TLS handshake, instead of keeping one.
public protocol X509SVIDSource: Sendable {
    func x509SVID() throws -> X509SVID
}

/// A fixed X.509 context: for the simulated mode and for tests. (The Workload API's
/// `X509Source` is the live, rotating counterpart.)
public struct StaticX509Source: X509SVIDSource, X509BundleSource {
    public let context: X509Context

    public init(_ context: X509Context) {
        self.context = context
    }

    public func x509SVID() throws -> X509SVID {
        guard let svid = context.defaultSVID else { throw X509SourceError.noSVID }
        return svid
    }

    public func x509Bundle(for trustDomain: TrustDomain) throws -> X509Bundle {
        guard let bundle = context.bundle(for: trustDomain) else { throw X509SourceError.noBundle(trustDomain) }
        return bundle
    }
}
