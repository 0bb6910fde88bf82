import Foundation

/// The cases for `jwt-svid-rules` (Day 5): the header and claim rules of JWT-SVID §2 and §3, with
/// the leeway and the `kid` requirement of the toolkit's `JWTSVIDValidator`.
public enum JWTSVIDRulesCases {
    public static let exercise = Exercise(
        id: "jwt-svid-rules", day: 5, title: "The rules a JWT-SVID's header and claims must meet",
        file: "Sources/Exercises/JWTSVIDRules.swift",
        hints: [
            "The alg rule is an allow-list of nine exact strings; a list of names to refuse always misses one.",
            "typ may be absent. For sub, let SpiffeID decide: try? SpiffeID(sub) is nil for anything that is not a SPIFFE ID.",
            "exp passes while now < exp + JWTSVIDRule.leeway, so exactly 30 s late is too late. aud is a list of whole values: one of them must equal audience.",
        ])

    /// The validator's own audience in every case: the reports service.
    static let audience = "spiffe://example.org/ns/prod/sa/reports"

    /// `implementation` returns nil when the token meets every rule, or the first rule it breaks.
    public static func cases(
        _ implementation: @escaping @Sendable (JWTSVIDFields, String, Date) throws(ExerciseError) -> JWTSVIDRule?
    ) -> [GradingCase] {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        // A token as SPIRE's agent hands it out: ES256, typ JWT, a kid, the provisioning service's
        // ID, one audience, and four of its five minutes left. Each case changes one thing.
        let good = JWTSVIDFields(
            alg: "ES256", typ: "JWT", kid: "ugt8kbWpf3ua68mmU9QVpNZuVzE8yuMX",
            sub: "spiffe://example.org/ns/prod/sa/provisioning",
            aud: [audience], exp: now.addingTimeInterval(240))
        func with(_ change: (inout JWTSVIDFields) -> Void) -> JWTSVIDFields {
            var token = good
            change(&token)
            return token
        }
        func judge(_ name: String, _ token: JWTSVIDFields, _ expected: JWTSVIDRule?) -> GradingCase {
            let wanted = expected.map(\.description) ?? "nil: the token meets every rule"
            return GradingCase(name: name, expected: "\(wanted), for \(token), audience \"\(audience)\", now \(Int64(now.timeIntervalSince1970))") {
                do throws(ExerciseError) {
                    let got = try implementation(token, audience, now)
                    if got == expected { return .passed }
                    return .failed(got: got.map(\.description) ?? "nil (accepted)")
                } catch { return .notDone }
            }
        }
        return [
            // Tokens to accept.
            judge("a JWT-SVID as SPIRE issues it: ES256, typ JWT, one audience, 4 minutes left", good, nil),
            judge("PS384 with typ JOSE", with { $0.alg = "PS384"; $0.typ = "JOSE" }, nil),
            judge("RS256 and no typ header at all (typ is optional)", with { $0.alg = "RS256"; $0.typ = nil }, nil),
            judge("two audiences, ours second (valid, though replayable to the other one)",
                  with { $0.aud = ["spiffe://example.org/ns/prod/sa/billing", audience] }, nil),
            judge("expired 20 s ago: still inside the 30 s leeway", with { $0.exp = now.addingTimeInterval(-20) }, nil),

            // The header.
            judge("no alg at all", with { $0.alg = nil }, .alg),
            judge("alg none: an unsigned token", with { $0.alg = "none" }, .alg),
            judge("alg None: none in other letters, still unsigned", with { $0.alg = "None" }, .alg),
            judge("alg HS256: an HMAC whose secret would be the trust domain's public key", with { $0.alg = "HS256" }, .alg),
            judge("alg EdDSA: a sound algorithm that JWT-SVID does not list", with { $0.alg = "EdDSA" }, .alg),
            judge("alg es256: an allowed name in the wrong case", with { $0.alg = "es256" }, .alg),
            judge("typ at+jwt: an OAuth access token, not a JWT-SVID", with { $0.typ = "at+jwt" }, .typ),
            judge("no kid: nothing says which bundle key verifies it", with { $0.kid = nil }, .kid),
            judge("an empty kid", with { $0.kid = "" }, .kid),

            // The claims.
            judge("no sub", with { $0.sub = nil }, .sub),
            judge("sub is an https URL, not a SPIFFE ID", with { $0.sub = "https://example.org/ns/prod/sa/provisioning" }, .sub),
            judge("sub with an uppercase trust domain: spiffe://Example.org/ns/prod/sa/provisioning",
                  with { $0.sub = "spiffe://Example.org/ns/prod/sa/provisioning" }, .sub),
            judge("no exp: a token that would never expire", with { $0.exp = nil }, .exp),
            judge("expired an hour ago: a replayed token", with { $0.exp = now.addingTimeInterval(-3600) }, .exp),
            judge("expired exactly 30 s ago: the leeway is used up", with { $0.exp = now.addingTimeInterval(-30) }, .exp),
            judge("no aud at all (an empty list)", with { $0.aud = [] }, .aud),
            judge("aud names another service: billing", with { $0.aud = ["spiffe://example.org/ns/prod/sa/billing"] }, .aud),
            judge("an aud that only starts like ours: .../sa/reports-archive",
                  with { $0.aud = ["spiffe://example.org/ns/prod/sa/reports-archive"] }, .aud),
            judge("aud is the whole trust domain, spiffe://example.org: wide, and not our audience",
                  with { $0.aud = ["spiffe://example.org"] }, .aud),

            // More than one rule broken: the header comes first.
            judge("alg none and expired an hour ago: report the header's rule, it is checked first",
                  with { $0.alg = "none"; $0.exp = now.addingTimeInterval(-3600) }, .alg),
        ]
    }
}
