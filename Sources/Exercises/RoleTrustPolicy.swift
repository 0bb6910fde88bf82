// Goes to Sources/Exercises/RoleTrustPolicy.swift (and its copy days/exercises/RoleTrustPolicy.swift).
import ExerciseKit
import Foundation

/// Exercise `role-trust-policy` (Day 15): the decision an IAM makes before it trades a JWT-SVID
/// for a role's credentials.
///
/// A workload presented a token to AWS STS (`AssumeRoleWithWebIdentity`); `claims` are its decoded
/// claims, and its signature has already been checked against the keys the issuer publishes.
/// `policy` is the IAM OIDC identity provider and the role's trust policy; `now` is the time to
/// judge `exp` by. Return `.allow`, or `.deny` with the first rule the token breaks, checked in
/// this order (Day 15, "What the IAM checks"):
///
/// 1. `.issuer`: `iss` is exactly `"https://" + policy.provider`: no trailing slash the provider
///    does not have, no other scheme, no port, no change of case (OpenID Connect Discovery §4.3).
/// 2. `.expired`: `exp` is present, and `now` is before it. This exercise allows no leeway.
/// 3. `.audience`: `aud` contains `policy.audience`, compared as whole strings, case included
///    (the role's `StringEquals` condition on `<provider>:aud`).
/// 4. `.subject`: `sub` is present and matches at least one of `policy.subjectPatterns` the way
///    IAM's `StringLike` does: `*` matches any run of characters (none at all, and `/`, included),
///    `?` exactly one character, and every other character only itself, case included. A pattern
///    must match the whole of `sub`. With no patterns, nothing matches.
///
/// Grade it with `workbook exercise 15`, or `workbook watch 15` to re-grade on every save.
public func roleTrustDecision(_ claims: WebIdentityClaims, _ policy: RoleTrustPolicy, now: Date) throws(ExerciseError) -> TrustDecision {
    throw .notDone
}
