import SpiffeBundles
import SwiftASN1
import X509

/// The SPIFFE rules as a swift-certificates `VerifierPolicy`, to sit next to `RFC5280Policy`.
///
/// `RFC5280Policy` knows generic X.509: versions, expiry, basic constraints, name constraints.
/// It does not know that a leaf must carry exactly one SPIFFE ID, nor does it police key usage.
/// This policy adds the X509-SVID rules for every candidate chain the verifier builds:
///
/// - the leaf: the same checks 1–3 that `SVIDValidator` runs (one SPIFFE ID with a path, not a
///   CA, digitalSignature without keyCertSign/cRLSign), so code that uses a `Verifier` with this
///   policy directly (a TLS handshake, say) cannot skip them;
/// - every signing certificate: keyCertSign, if it has a key usage extension (RFC 5280 §6.1.4(n));
///   and if it carries a SPIFFE ID, that ID has no path (X509-SVID §3.2).
public struct SpiffeVerifierPolicy: VerifierPolicy, Sendable {
    /// An SVID's subject may be empty (make-svid's are; SPIRE's say C=US, O=SPIRE), and then
    /// its SAN extension must be critical (RFC 5280 §4.1.2.6). The verifier rejects any certificate with a critical extension that no policy
    /// claims, so this policy must claim the SAN — it does handle it — or every SVID fails.
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName,
        .X509ExtensionID.keyUsage,
    ]

    /// Whether the leaf rules run here. `SVIDValidator` runs them itself as checks 1-3, before
    /// the path is built, and passes false so they do not run twice; anyone else using a
    /// `Verifier` keeps the default.
    public let checkingLeaf: Bool
    /// Signing certificates already judged by `SigningCertificateRules` (a bundle's authorities, judged
    /// once when the bundle was made), with the verdict.
    let judged: [(certificate: Certificate, problem: String?)]

    public init(checkingLeaf: Bool = true) {
        self.checkingLeaf = checkingLeaf
        self.judged = []
    }

    /// For `SVIDValidator`: the leaf rules are left out, and the bundle's authorities come
    /// already judged.
    init(checkingLeaf: Bool, judged: [(certificate: Certificate, problem: String?)]) {
        self.checkingLeaf = checkingLeaf
        self.judged = judged
    }

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        if checkingLeaf {
            do throws(SVIDCheckFailure) {
                let (leaf, _) = try SVIDValidator.checkSpiffeID([chain.leaf])
                _ = try SVIDValidator.checkLeafConstraints(leaf)
                _ = try SVIDValidator.checkKeyUsage(leaf)
            } catch {
                return .failsToMeetPolicy(reason: "X509-SVID: the leaf fails \(error)")
            }
        }
        for issuer in chain.dropFirst() {
            // Comparing with a certificate of the same bundle is a comparison of the same bytes.
            let problem = judged.first(where: { $0.certificate == issuer }).map(\.problem) ?? SigningCertificateRules.problem(with: issuer)
            if let problem { return .failsToMeetPolicy(reason: problem) }
        }
        return .meetsPolicy
    }
}
