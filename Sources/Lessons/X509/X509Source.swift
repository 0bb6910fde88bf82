import SpiffeIdentity

/// Something that can hand out the workload's current X509-SVID.
///
/// SVIDs rotate (SPIRE renews them at about half their lifetime), so code that needs an SVID
/// asks a source each time, for example at every TLS handshake, instead of keeping one.
public protocol X509SVIDSource: Sendable {
    func x509SVID() throws -> X509SVID
}

/// Something that can hand out the X.509 bundle of a trust domain, to validate peers with.
public protocol X509BundleSource: Sendable {
    func x509Bundle(for trustDomain: TrustDomain) throws -> X509Bundle
}

/// Raised by sources that have nothing (yet) for the caller.
public enum X509SourceError: Error, Equatable, Sendable, CustomStringConvertible {
    case noSVID
    case noBundle(TrustDomain)

    public var description: String {
        switch self {
        case .noSVID: return "no X509-SVID is available"
        case .noBundle(let trustDomain): return "no X.509 bundle for trust domain \(trustDomain)"
        }
    }
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
