import Foundation

/// What the Day 5 exercise (`jwt-svid-rules`) reads: a JWT-SVID's header fields and claims, already
/// taken out of their base64url and JSON, and NOT verified. Anyone could have written these
/// values; the signature check that makes them believable is `JWTSVIDValidator`'s job, not the
/// exercise's. A field the token does not carry is nil (`aud` is then empty).
public struct JWTSVIDFields: Sendable, Equatable, CustomStringConvertible {
    /// Header `alg`: the signature algorithm the token claims to use.
    public var alg: String?
    /// Header `typ`: JWT, JOSE, or absent.
    public var typ: String?
    /// Header `kid`: which key of the trust domain's JWT bundle signed it.
    public var kid: String?
    /// Claim `sub`: the SPIFFE ID the token speaks for.
    public var sub: String?
    /// Claim `aud`, as a list (a token with a single string `aud` gives a list of one).
    public var aud: [String]
    /// Claim `exp`, the NumericDate turned into a Date.
    public var exp: Date?

    public init(alg: String? = nil, typ: String? = nil, kid: String? = nil, sub: String? = nil,
                aud: [String] = [], exp: Date? = nil) {
        self.alg = alg
        self.typ = typ
        self.kid = kid
        self.sub = sub
        self.aud = aud
        self.exp = exp
    }

    public var description: String {
        func show(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "absent" }
        let audience = aud.isEmpty ? "[]" : "[" + aud.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        let expiry = exp.map { "\(Int64($0.timeIntervalSince1970.rounded(.down)))" } ?? "absent"
        return "alg \(show(alg)), typ \(show(typ)), kid \(show(kid)), sub \(show(sub)), aud \(audience), exp \(expiry)"
    }
}

/// The rules of the Day 5 exercise, in the order a validator checks them: the header first
/// (nothing in a token is used before its `alg` is known to be allowed), then the claims.
/// `JWTSVIDValidator` checks the same rules in the same order (with the header-parameter check,
/// the key, the signature and `nbf` between them).
public enum JWTSVIDRule: String, Sendable, CaseIterable, CustomStringConvertible {
    case alg, typ, kid, sub, exp, aud

    /// Seconds of clock leeway for `exp`: the default of `JWTSVIDValidator` (30 s). A token is
    /// still accepted while `now < exp + leeway`.
    public static let leeway: TimeInterval = 30

    /// The rule, with where it comes from.
    public var rule: String {
        switch self {
        case .alg: return "alg is one of RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512, exactly (JWT-SVID §2.1)"
        case .typ: return "typ, if present, is JWT or JOSE (JWT-SVID §2.3)"
        case .kid: return "kid is present and not empty (optional in JWT-SVID §2.2, required by SPIRE, go-spiffe and this toolkit)"
        case .sub: return "sub is a valid SPIFFE ID (JWT-SVID §3.1)"
        case .exp: return "exp is present and now is before exp + 30 s (JWT-SVID §3.3, Appendix A)"
        case .aud: return "aud contains the validator's audience, exactly (JWT-SVID §3.2)"
        }
    }

    public var description: String { ".\(rawValue) (\(rule))" }
}
