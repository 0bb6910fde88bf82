import ExerciseKit
import Foundation
import SpiffeIdentity

/// Exercise `jwt-svid-rules` (Day 5): the header and claim rules of a JWT-SVID validator.
///
/// `token` holds a JWT-SVID's header fields and claims, already decoded but not verified (the
/// key and the signature are `JWTSVIDValidator`'s part, not yours). `audience` is the value this
/// validator identifies with; `now` is the time to judge `exp` by. Return nil when the token meets
/// every rule below, or the first rule it breaks, checked in this order (JWT-SVID §2, §3; Day 5,
/// "What a validator checks"):
///
/// 1. `.alg`: alg is exactly one of RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384,
///    PS512 (§2.1). Names are case-sensitive; everything else, `none` and `HS256` included, fails.
/// 2. `.typ`: typ is absent, `JWT` or `JOSE` (§2.3).
/// 3. `.kid`: kid is present and not empty (the spec makes it optional; SPIRE,
///    go-spiffe and py-spiffe need it to pick the bundle key).
/// 4. `.sub`: sub is present and a valid SPIFFE ID (§3.1): `try? SpiffeID(sub)` decides.
/// 5. `.exp`: exp is present, and `now` is before `exp + JWTSVIDRule.leeway` (30 seconds).
/// 6. `.aud`: aud contains `audience`, compared as whole strings (§3.2).
///
/// Grade it with `workbook exercise 5`, or `workbook watch 5` to re-grade on every save.
public func brokenJWTSVIDRule(_ token: JWTSVIDFields, audience: String, now: Date) throws(ExerciseError) -> JWTSVIDRule? {
    throw .notDone
}
