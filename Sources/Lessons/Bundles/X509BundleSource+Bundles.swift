import SpiffeFormats
import SpiffeIdentity
import X509

/// A single bundle answers for its own trust domain only. Handing `validate` one bundle is
/// therefore safe: an SVID from any other trust domain fails check 5 with "no bundle".
extension X509Bundle: X509BundleSource {
    public func x509Bundle(for trustDomain: TrustDomain) throws -> X509Bundle {
        guard trustDomain == self.trustDomain else { throw X509SourceError.noBundle(trustDomain) }
        return self
    }
}

/// A set of bundles keyed by trust domain, as the Workload API delivers them.
extension Dictionary: X509BundleSource where Key == TrustDomain, Value == X509Bundle {
    public func x509Bundle(for trustDomain: TrustDomain) throws -> X509Bundle {
        guard let bundle = self[trustDomain] else { throw X509SourceError.noBundle(trustDomain) }
        return bundle
    }
}

extension X509Bundle {
    /// The trust domain that CA certificates name in their own SPIFFE IDs (SPIRE's CAs carry
    /// `spiffe://<trust-domain>` as a URI SAN), or nil when none of them carries one.
    ///
    /// A PEM bundle file does not say which trust domain it belongs to; this is how `validate`
    /// tells, without trusting the leaf it is about to check.
    public static func trustDomain(namedBy authorities: [Certificate], source: String) throws(X509Error) -> TrustDomain? {
        var found: Set<TrustDomain> = []
        for authority in authorities {
            guard let id = try? CertificateNames.spiffeID(of: authority) else { continue }
            found.insert(id.trustDomain)
        }
        guard found.count <= 1 else {
            let names = found.sorted().map(\.name).joined(separator: ", ")
            throw .fileProblem(path: source, reason: "its CA certificates name several trust domains (\(names)); give one bundle file per trust domain")
        }
        return found.first
    }
}
