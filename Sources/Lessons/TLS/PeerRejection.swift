import SpiffeIdentity
import SpiffeX509

/// Why a TLS peer was refused, in words a learner can act on.
///
/// The cases follow the order in which a SPIFFE peer is checked: first "is this a valid SVID of
/// its trust domain?" (authentication), then "is this ID allowed here?" (authorization). A refusal
/// always says which of the two steps failed, because the fixes are different: a certificate
/// problem is fixed in the issuing infrastructure, an authorization problem in the caller's policy.
public enum PeerRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// The peer sent no certificate at all.
    case noCertificate
    /// The leaf does not carry a usable SPIFFE ID (check 1: no URI SAN, several, a malformed one).
    case notAnSVID(String)
    /// The certificate is not a valid X509-SVID of its trust domain: one of checks 2-5 (leaf
    /// constraints, key usage, validity, chain to the bundle of its trust domain) failed.
    case invalidSVID(SpiffeID, SVIDCheckFailure)
    /// A valid SVID, but its ID is not one this side is willing to talk to.
    case notAuthorized(SpiffeID, allowed: SpiffeIDMatcher)

    /// Which of the two named steps refused the peer.
    public var step: String {
        switch self {
        case .noCertificate, .notAnSVID, .invalidSVID: return "authentication"
        case .notAuthorized: return "authorization"
        }
    }

    public var description: String {
        switch self {
        case .noCertificate:
            return "authentication failed: the peer presented no certificate"
        case .notAnSVID(let reason):
            return "authentication failed: the peer's certificate is not an X509-SVID: \(reason)"
        case .invalidSVID(let id, let failure):
            return "authentication failed: the certificate for \(id) is not a valid X509-SVID: \(failure)"
        case .notAuthorized(let id, let allowed):
            return "authorization failed: \(id) is authenticated but not allowed (allowed: \(allowed))"
        }
    }
}

extension PeerRejection {
    /// The rejection for a validation report whose checks 1-5 did not all pass.
    init(failedAuthentication report: ValidationReport) {
        guard let failure = report.failure else {
            self = .notAnSVID("validation did not complete")
            return
        }
        if let id = report.spiffeID, failure.check != .spiffeID {
            self = .invalidSVID(id, failure)
        } else {
            self = .notAnSVID(failure.reason)
        }
    }
}
