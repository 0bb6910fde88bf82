import Foundation
import SpiffeIdentity
import SpiffeX509
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Step one of accepting a TLS peer: authentication, "is this a valid X509-SVID of its trust
/// domain?" (X509-SVID §5).
///
/// INTERIM: this adapter stands in for SpiffeX509's SVID validator (the six checks) until that
/// lands; the TLS code calls only `PeerAuthentication.validate`, so switching over changes this
/// file alone.
enum PeerAuthentication {
    /// Validates `leaf` (with the `intermediates` the peer sent) against `bundle`, the bundle of
    /// the leaf's own trust domain, at time `now`. Returns the validated chain, leaf to root.
    static func validate(
        leaf: Certificate,
        intermediates: [Certificate],
        bundle: X509Bundle,
        now: Date
    ) async throws(PeerRejection) -> [Certificate] {
        let id: SpiffeID
        do { id = try X509SVID.spiffeID(of: leaf) } catch { throw .notAnSVID(error.description) }
        var verifier = Verifier(rootCertificates: CertificateStore(bundle.authorities)) {
            RFC5280Policy(fixedExpiryValidationTime: now)
            InterimSVIDLeafPolicy()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        switch result {
        case .validCertificate(let chain):
            return Array(chain)
        case .couldNotValidate(let failures):
            let reason = failures.first.map { String(describing: $0.policyFailureReason) }
                ?? "it does not chain to the bundle of trust domain \(bundle.trustDomain)"
            throw .invalidSVID(id, reason: reason)
        }
    }
}

/// The X509-SVID leaf rules, as a policy next to RFC 5280 path building.
struct InterimSVIDLeafPolicy: VerifierPolicy {
    // An SVID's subject is usually empty, which makes its SAN extension critical: this policy
    // handles the SAN, so the verifier must not reject it as an unknown critical extension.
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.subjectAlternativeName]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        let leaf = chain.leaf
        if case .isCertificateAuthority = try? leaf.extensions.basicConstraints {
            return .failsToMeetPolicy(reason: "the leaf is a CA (cA=true)")
        }
        guard let usage = try? leaf.extensions.keyUsage else {
            return .failsToMeetPolicy(reason: "the leaf has no key usage extension")
        }
        if !usage.digitalSignature { return .failsToMeetPolicy(reason: "key usage lacks digitalSignature") }
        if usage.keyCertSign || usage.cRLSign {
            return .failsToMeetPolicy(reason: "a leaf must not have keyCertSign or cRLSign")
        }
        do {
            let id = try X509SVID.spiffeID(of: leaf)
            if id.isTrustDomainRoot { return .failsToMeetPolicy(reason: "the SPIFFE ID has no path") }
        } catch {
            return .failsToMeetPolicy(reason: "\(error)")
        }
        return .meetsPolicy
    }
}
