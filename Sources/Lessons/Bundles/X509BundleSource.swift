import SpiffeIdentity

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
