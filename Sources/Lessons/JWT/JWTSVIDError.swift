import Foundation
import SpiffeFormats

/// Why a JWT-SVID was rejected. One case per rule, each message naming the rule it enforces, so
/// a learner reading "rejected: ..." knows which line of the spec the token broke.
public enum JWTSVIDError: Error, Equatable, Sendable, CustomStringConvertible {
    // The token's shape (JWT-SVID §5.1: JWS Compact Serialization only).
    case empty
    case jsonSerialization
    case notCompact(parts: Int)
    case badBase64(part: String)
    case badJSON(part: String)
    case duplicateMember(part: String, name: String)

    // The JOSE header (JWT-SVID §2).
    case algorithmMissing
    case algorithmNone
    case algorithmNotAllowed(String)
    case typeNotAllowed(String)
    case headerNotAllowed(String)
    case keyIDMissing

    // Finding the key: the bundle of the subject's own trust domain, by `kid`.
    case noBundle(trustDomain: String)
    case unknownKeyID(kid: String, trustDomain: String)
    case keyFromAnotherTrustDomain(kid: String, keyTrustDomain: String, subjectTrustDomain: String)
    case algorithmDoesNotMatchKey(algorithm: String, key: String)

    // The signature (RFC 7515 §5.2).
    case signatureMalformed(String)
    case signatureInvalid

    // The claims (JWT-SVID §3, RFC 7519 §4.1).
    case subjectMissing
    case subjectNotSpiffeID(String, reason: String)
    case audienceMissing
    case audienceMismatch(expected: String, actual: [String])
    case expirationMissing
    case expired(expiry: Date, now: Date)
    case notYetValid(notBefore: Date, now: Date)
    case claimWrongType(name: String, expected: String, actual: String)

    public var description: String {
        switch self {
        case .empty:
            return "the token is empty"
        case .jsonSerialization:
            return "this is a JWS JSON serialization; a JWT-SVID must use the compact form header.payload.signature (JWT-SVID §5.1)"
        case .notCompact(let parts):
            let what = parts == 5 ? " (5 parts is an encrypted JWE, not a signed JWS)" : ""
            return "a JWS compact token has 3 dot-separated parts; this one has \(parts)\(what) (JWT-SVID §5.1)"
        case .badBase64(let part):
            return "the \(part) is not unpadded base64url (RFC 7515 §2)"
        case .badJSON(let part):
            return "the \(part) is not a JSON object (RFC 7515 §5.2, RFC 7519 §7.2)"
        case .duplicateMember(let part, let name):
            return "the \(part) names '\(name)' twice; JSON parsers disagree on which one counts, so it is rejected (RFC 7515 §5.2)"
        case .algorithmMissing:
            return "the header has no 'alg' (JWT-SVID §2.1)"
        case .algorithmNone:
            return "alg 'none' means an unsigned token; JWT-SVIDs must be signed (JWT-SVID §2.1)"
        case .algorithmNotAllowed(let alg):
            if alg.hasPrefix("HS") {
                return "alg '\(alg)' is a shared-secret HMAC; JWT-SVID §2.1 allows only RS/ES/PS 256/384/512"
            }
            return "alg '\(alg)' is not allowed; JWT-SVID §2.1 allows only RS/ES/PS 256/384/512"
        case .typeNotAllowed(let typ):
            return "typ '\(typ)' is not allowed; if present it must be JWT or JOSE (JWT-SVID §2.3)"
        case .headerNotAllowed(let name):
            return "header parameter '\(name)' is not allowed; a JWT-SVID header holds only alg, kid and typ (JWT-SVID §2)"
        case .keyIDMissing:
            return "the header has no 'kid', so no bundle key can be chosen (every SPIFFE implementation requires it)"
        case .noBundle(let trustDomain):
            return "no JWT bundle for trust domain '\(trustDomain)', the subject's trust domain"
        case .unknownKeyID(let kid, let trustDomain):
            return "kid '\(kid)' is not a JWT authority in the bundle of '\(trustDomain)'"
        case .keyFromAnotherTrustDomain(let kid, let keyTrustDomain, let subjectTrustDomain):
            return "kid '\(kid)' belongs to trust domain '\(keyTrustDomain)', but the subject is in '\(subjectTrustDomain)'; only a trust domain's own keys vouch for its IDs"
        case .algorithmDoesNotMatchKey(let algorithm, let key):
            return "alg \(algorithm) cannot be verified with a \(key) key; the key type must match the algorithm (RFC 7518 §3)"
        case .signatureMalformed(let reason):
            return "malformed signature: \(reason)"
        case .signatureInvalid:
            return "the signature does not verify: the token was altered or signed by another key (RFC 7515 §5.2)"
        case .subjectMissing:
            return "the claims have no 'sub'; it must be the workload's SPIFFE ID (JWT-SVID §3.1)"
        case .subjectNotSpiffeID(let sub, let reason):
            return "sub '\(sub)' is not a SPIFFE ID: \(reason) (JWT-SVID §3.1)"
        case .audienceMissing:
            return "the claims have no 'aud'; validators must reject tokens without one (JWT-SVID §3.2)"
        case .audienceMismatch(let expected, let actual):
            let list = actual.map { "'\($0)'" }.joined(separator: ", ")
            return "audience '\(expected)' is not in aud [\(list)] (JWT-SVID §3.2)"
        case .expirationMissing:
            return "the claims have no 'exp'; validators must reject tokens without one (JWT-SVID §3.3)"
        case .expired(let expiry, let now):
            return "expired \(TimeText.duration(now.timeIntervalSince(expiry))) ago, at \(TimeText.iso(expiry)) (JWT-SVID §3.3)"
        case .notYetValid(let notBefore, let now):
            return "not valid before \(TimeText.iso(notBefore)), \(TimeText.duration(notBefore.timeIntervalSince(now))) from now (RFC 7519 §4.1.5)"
        case .claimWrongType(let name, let expected, let actual):
            return "claim '\(name)' must be \(expected), not \(actual) (RFC 7519 §4.1)"
        }
    }
}
