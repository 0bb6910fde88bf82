/// The six checks `validate` runs on an X509-SVID, in the order it runs them.
///
/// The X509-SVID spec (§5) asks a validator for two things: RFC 5280 path validation against the
/// bundle of the SVID's trust domain, and a handful of SPIFFE rules about the leaf. The course
/// splits that into six named checks, so a rejection always says *which* rule was broken — the
/// fix for "the leaf is a CA" is not the fix for "the bundle is from another trust domain".
public enum SVIDCheck: Int, CaseIterable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// 1. The input parses as X.509, and the leaf carries exactly one well-formed SPIFFE ID.
    case spiffeID = 1
    /// 2. The leaf is a leaf: basic constraints do not say cA=true.
    case leafConstraints
    /// 3. Key usage: digitalSignature set; keyCertSign and cRLSign not set.
    case keyUsage
    /// 4. The validity window (notBefore…notAfter) contains the validation time.
    case validity
    /// 5. RFC 5280 path validation to a CA in the bundle of the ID's own trust domain.
    case chain
    /// 6. The (now authenticated) ID is one the caller is willing to accept.
    case authorization

    /// A short name for output: `check 3 (key usage)`.
    public var title: String {
        switch self {
        case .spiffeID: return "SPIFFE ID"
        case .leafConstraints: return "leaf constraints"
        case .keyUsage: return "key usage"
        case .validity: return "validity window"
        case .chain: return "chain to bundle"
        case .authorization: return "authorized ID"
        }
    }

    /// The spec rule behind the check, in one line.
    public var rule: String {
        switch self {
        case .spiffeID:
            return "X509-SVID §2, §3.1: exactly one URI SAN, a valid spiffe:// ID with a non-root path"
        case .leafConstraints:
            return "X509-SVID §4.1, §5.2: a leaf SVID must not be a CA (basic constraints cA=false)"
        case .keyUsage:
            return "X509-SVID §4.3, §5.2: critical key usage with digitalSignature, without keyCertSign or cRLSign"
        case .validity:
            return "RFC 5280 §4.1.2.5: the validation time lies between notBefore and notAfter"
        case .chain:
            return "X509-SVID §5.1: RFC 5280 path to a CA in the bundle of the ID's own trust domain"
        case .authorization:
            return "X509-SVID §5 (authorization): the ID is the one, or in the trust domain, the caller expects"
        }
    }

    public var description: String { "check \(rawValue) (\(title))" }

    public static func < (lhs: SVIDCheck, rhs: SVIDCheck) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A check that failed, and why, in words that name what was found.
public struct SVIDCheckFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public let check: SVIDCheck
    public let reason: String

    public init(_ check: SVIDCheck, _ reason: String) {
        self.check = check
        self.reason = reason
    }

    /// One line: `check 3 (key usage) failed: key usage has keyCertSign: …`.
    public var description: String { "\(check) failed: \(reason)" }
}
