import SpiffeFormats
import X509

/// What the X509-SVID spec asks of a certificate that signs SVIDs, judged on the certificate alone.
///
/// A bundle judges its authorities once, when it is made; the verifier asks the same of every
/// intermediate in a presented chain.
public enum SigningCertificateRules {
    /// Why `issuer` may not sign SVIDs, or nil: with a key usage it needs keyCertSign (RFC 5280
    /// §6.1.4(n)), and a SPIFFE ID on it has no path (X509-SVID §3.2).
    public static func problem(with issuer: Certificate) -> String? {
        if let usage = try? issuer.extensions.keyUsage, !usage.keyCertSign {
            return "X509-SVID: \(CertificateNames.describe(issuer)) signs certificates but its key usage lacks keyCertSign"
        }
        if let id = try? CertificateNames.spiffeID(of: issuer), !id.isTrustDomainRoot {
            return "X509-SVID: the signing certificate \(CertificateNames.describe(issuer)) carries \(id); a CA's SPIFFE ID has no path"
        }
        return nil
    }
}
