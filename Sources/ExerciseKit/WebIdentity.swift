// Goes to Sources/ExerciseKit/WebIdentity.swift (new file).
import Foundation

/// What the Day 15 exercise (`role-trust-policy`) reads: the claims of a web identity token, here
/// a JWT-SVID presented to AWS STS (`AssumeRoleWithWebIdentity`), already taken out of their
/// base64url and JSON. The signature has been checked against the keys the issuer publishes before
/// the policy looks at them; what is left is the decision. A claim the token does not carry is nil
/// (`aud` is then empty).
public struct WebIdentityClaims: Sendable, Equatable, CustomStringConvertible {
    /// Claim `iss`: the issuer, as SPIRE's server writes it from its `jwt_issuer` setting.
    public var iss: String?
    /// Claim `aud`, as a list (a token with a single string `aud` gives a list of one).
    public var aud: [String]
    /// Claim `sub`: the workload's SPIFFE ID.
    public var sub: String?
    /// Claim `exp`, the NumericDate turned into a Date.
    public var exp: Date?

    public init(iss: String? = nil, aud: [String] = [], sub: String? = nil, exp: Date? = nil) {
        self.iss = iss
        self.aud = aud
        self.sub = sub
        self.exp = exp
    }

    public var description: String {
        func show(_ value: String?) -> String { value.map { "\"\($0)\"" } ?? "absent" }
        let audience = "[" + aud.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        let expiry = exp.map { "\(Int64($0.timeIntervalSince1970.rounded(.down)))" } ?? "absent"
        return "iss \(show(iss)), aud \(audience), sub \(show(sub)), exp \(expiry)"
    }
}

/// An IAM OIDC identity provider and one role's trust policy on it, as the exercise models them.
public struct RoleTrustPolicy: Sendable, Equatable, CustomStringConvertible {
    /// The provider as IAM names it: its URL without `https://` (`oidc.example.org`, or a host
    /// and a path). The provider's ARN ends in it, and its condition keys begin with it
    /// (`oidc.example.org:aud`, `oidc.example.org:sub`).
    public var provider: String
    /// The value of the role's `StringEquals` condition on `<provider>:aud`, also one of the
    /// provider's client IDs (for STS usually `sts.amazonaws.com`).
    public var audience: String
    /// The values of the role's `StringLike` condition on `<provider>:sub`. In each, `*` matches
    /// any run of characters (none at all, and `/`, included) and `?` exactly one character;
    /// every other character matches only itself, case included. A `sub` that matches any one of
    /// them meets the condition; an empty list admits nobody.
    public var subjectPatterns: [String]

    public init(provider: String, audience: String, subjectPatterns: [String]) {
        self.provider = provider
        self.audience = audience
        self.subjectPatterns = subjectPatterns
    }

    public var description: String {
        "provider \(provider), aud StringEquals \"\(audience)\", sub StringLike ["
            + subjectPatterns.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}

/// The rules of the Day 15 exercise, in the order it checks them: the issuer first (the provider,
/// and with it the keys, is found by `iss`), then the token's lifetime, then the role's two
/// conditions.
public enum TrustDenial: String, Sendable, CaseIterable, CustomStringConvertible {
    case issuer, expired, audience, subject

    /// The rule, with where it comes from.
    public var rule: String {
        switch self {
        case .issuer: return "iss is exactly https:// followed by the provider (OpenID Connect Discovery §4.3)"
        case .expired: return "exp is present and now is before it (no leeway in this exercise)"
        case .audience: return "aud contains the role's audience, exactly (StringEquals on <provider>:aud)"
        case .subject: return "sub is present and matches one of the role's patterns (StringLike on <provider>:sub)"
        }
    }

    public var description: String { ".\(rawValue) (\(rule))" }
}

/// What the IAM decides: trade the token for the role's credentials, or refuse, with the first
/// rule the token breaks.
public enum TrustDecision: Sendable, Equatable, CustomStringConvertible {
    case allow
    case deny(TrustDenial)

    public var description: String {
        switch self {
        case .allow: return ".allow"
        case .deny(let reason): return ".deny(\(reason))"
        }
    }
}
