import Foundation
import SpiffeBundles
import SpiffeFormats
import SwiftASN1
import X509

/// Puts a name to a failed check 5.
///
/// swift-certificates' `Verifier` reports policy failures only for chains it managed to build.
/// When no chain can be built at all — the issuer is not in the bundle, or a CA with the right
/// name is there but did not sign the certificate — it returns an empty list, which would leave
/// the learner with "could not validate" and nothing else. This walks the presented chain the
/// way a path builder would and says where it breaks.
enum ChainDiagnosis {
    static func explain(
        chain: [Certificate],
        bundle: X509Bundle,
        failures: [CertificateValidationResult.PolicyFailure],
        at time: Date
    ) -> String {
        if let failure = failures.first {
            return explain(failure, at: time)
        }
        let trustDomain = bundle.trustDomain
        if bundle.authorities.isEmpty {
            return "the bundle of \(trustDomain) is empty: it trusts nothing"
        }
        // A critical extension nobody understands stops the verifier before it looks for a path.
        let handled = RFC5280Policy().verifyingCriticalExtensions + SpiffeVerifierPolicy().verifyingCriticalExtensions
        for certificate in chain {
            if let unknown = certificate.extensions.first(where: { $0.critical && !handled.contains($0.oid) }) {
                return "\(CertificateNames.describe(certificate)) has a critical extension \(unknown.oid) that this validator does not understand (RFC 5280 §4.2)"
            }
        }
        // Walk up from the leaf through the intermediates that were sent along with it.
        var current = chain[0]
        var intermediates = Array(chain.dropFirst())
        while true {
            let named = bundle.authorities.filter { $0.subject == current.issuer }
            if !named.isEmpty {
                if !named.contains(where: { $0.publicKey.isValidSignature(current.signature, for: current) }) {
                    return "the bundle of \(trustDomain) has a CA named '\(current.issuer)', but its key did not sign \(CertificateNames.describe(current)): an impostor CA with the same name, or one that was replaced"
                }
                return "no acceptable path from the leaf to the bundle of \(trustDomain)"
            }
            guard let index = intermediates.firstIndex(where: {
                $0.subject == current.issuer && $0.publicKey.isValidSignature(current.signature, for: current)
            }) else { break }
            current = intermediates.remove(at: index)
        }
        let known = bundle.authorities.map { "'\($0.subject)'" }.joined(separator: ", ")
        return "\(CertificateNames.describe(current)) was issued by '\(current.issuer)', which is not a CA in the bundle of \(trustDomain) (it has \(known)), nor an intermediate sent with the leaf"
    }

    /// A chain was built but a policy refused it: say which certificate and which rule.
    private static func explain(_ failure: CertificateValidationResult.PolicyFailure, at time: Date) -> String {
        let certificates = Array(failure.chain)
        // Expiry first: it is the most common reason, and RFC5280Policy's own message embeds
        // the whole certificate.
        for certificate in certificates.dropFirst() {
            let name = CertificateNames.describe(certificate)
            if time > certificate.notValidAfter {
                return "the CA certificate \(name) expired at \(TimeText.iso(certificate.notValidAfter))"
            }
            if time < certificate.notValidBefore {
                return "the CA certificate \(name) is not valid before \(TimeText.iso(certificate.notValidBefore))"
            }
        }
        for certificate in certificates.dropFirst() {
            if case .isCertificateAuthority = try? certificate.extensions.basicConstraints { continue }
            return "\(CertificateNames.describe(certificate)) signs certificates but is not a CA (basic constraints cA=false or absent)"
        }
        let reason = String(describing: failure.policyFailureReason)
        // Keep the message on one line and free of certificate dumps.
        let short = reason.components(separatedBy: "Certificate(").first ?? reason
        return "path validation refused the chain: " + short.replacingOccurrences(of: "\n", with: " ")
    }
}
