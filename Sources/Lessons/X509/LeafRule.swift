import SpiffeFormats
import SpiffeIdentity
import X509

/// The rules of X509-SVID §2, §3.1, §4.1 and §4.3 that a leaf can break, one by one, with every
/// rule a certificate breaks listed (the validator stops at the first failing check; a learner who
/// built a certificate to break one rule wants to know it breaks only that one).
public enum LeafRule: String, CaseIterable, Sendable {
    case twoURISANs = "two-uri-sans"
    case noURISAN = "no-uri-san"
    case notSpiffe = "not-spiffe"
    case noPath = "no-path"
    case caTrue = "ca-true"
    case keyCertSign = "key-cert-sign"
    case cRLSign = "crl-sign"
    case noDigitalSignature = "no-digital-signature"
    case noKeyUsage = "no-key-usage"
    case keyUsageNotCritical = "key-usage-not-critical"

    public var sentence: String {
        switch self {
        case .twoURISANs: return "more than one URI SAN (an X509-SVID has exactly one, §2)"
        case .noURISAN: return "no URI SAN, so no SPIFFE ID (§2)"
        case .notSpiffe: return "its URI SAN is not a valid spiffe:// ID (§2)"
        case .noPath: return "its SPIFFE ID has no path: it names the trust domain, not a workload (§3.1)"
        case .caTrue: return "basic constraints say cA=true (§4.1)"
        case .keyCertSign: return "key usage has keyCertSign (§4.3)"
        case .cRLSign: return "key usage has cRLSign (§4.3)"
        case .noDigitalSignature: return "key usage lacks digitalSignature (§4.3)"
        case .noKeyUsage: return "no key usage extension (§4.3)"
        case .keyUsageNotCritical: return "the key usage extension is not critical (§4.3)"
        }
    }

    /// Every leaf rule `leaf` breaks, in the order above.
    public static func broken(by leaf: Certificate) -> [LeafRule] {
        var broken: [LeafRule] = []
        let uris = (try? CertificateNames.uriSANs(of: leaf)) ?? []
        if uris.count > 1 { broken.append(.twoURISANs) }
        if uris.isEmpty { broken.append(.noURISAN) }
        if uris.count == 1 {
            if let id = try? SpiffeID(uris[0]) {
                if id.isTrustDomainRoot { broken.append(.noPath) }
            } else {
                broken.append(.notSpiffe)
            }
        }
        if case .isCertificateAuthority? = try? leaf.extensions.basicConstraints { broken.append(.caTrue) }
        if let ext = leaf.extensions[oid: .X509ExtensionID.keyUsage], let usage = try? KeyUsage(ext) {
            if usage.keyCertSign { broken.append(.keyCertSign) }
            if usage.cRLSign { broken.append(.cRLSign) }
            if !usage.digitalSignature { broken.append(.noDigitalSignature) }
            if !ext.critical { broken.append(.keyUsageNotCritical) }
        } else {
            broken.append(.noKeyUsage)
        }
        return broken
    }
}
