// Goes to Sources/ExerciseKit/RoleTrustPolicyCases.swift (new file).
import Foundation

/// The cases for `role-trust-policy` (Day 15): the checks an IAM makes on a JWT-SVID's claims
/// before it trades them for a role's credentials: the issuer, exp, the role's aud condition, and
/// its sub condition with IAM's StringLike wildcards.
public enum RoleTrustPolicyCases {
    public static let exercise = Exercise(
        id: "role-trust-policy", day: 15, title: "The trust-policy check an IAM makes before it trades a JWT-SVID for credentials",
        file: "Sources/Exercises/RoleTrustPolicy.swift",
        hints: [
            "Every comparison except the sub patterns is between whole strings, case and all. Build the iss the provider stands for and compare; a URL parser, a prefix test or trimming a slash lets lookalikes in.",
            "exp passes only while now < exp. aud is a list: any one of its values may be the role's audience.",
            "For StringLike, walk the pattern and sub side by side. At a *, note both positions; when a later character fails to match, go back and let that * take one more character of sub. Only * and ? are special: a dot is a dot.",
        ])

    /// `implementation` returns `.allow`, or `.deny` with the first rule the token breaks.
    public static func cases(
        _ implementation: @escaping @Sendable (WebIdentityClaims, RoleTrustPolicy, Date) throws(ExerciseError) -> TrustDecision
    ) -> [GradingCase] {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let provisioning = "spiffe://example.org/ns/prod/sa/provisioning"
        let reports = "spiffe://example.org/ns/prod/sa/reports"
        // A JWT-SVID as a SPIRE server with jwt_issuer = "https://oidc.example.org" signs it for
        // STS, four of its five minutes left, and a role that names exactly its SPIFFE ID. Each
        // case changes one thing, or two where it tests the order.
        let good = WebIdentityClaims(iss: "https://oidc.example.org", aud: ["sts.amazonaws.com"], sub: provisioning,
                                     exp: now.addingTimeInterval(240))
        let role = RoleTrustPolicy(provider: "oidc.example.org", audience: "sts.amazonaws.com", subjectPatterns: [provisioning])
        func with(_ change: (inout WebIdentityClaims) -> Void) -> WebIdentityClaims {
            var claims = good
            change(&claims)
            return claims
        }
        func sub(_ value: String) -> WebIdentityClaims { with { $0.sub = value } }
        func patterns(_ values: String...) -> RoleTrustPolicy {
            var policy = role
            policy.subjectPatterns = values
            return policy
        }
        func judge(_ name: String, _ claims: WebIdentityClaims, _ policy: RoleTrustPolicy, _ expected: TrustDecision) -> GradingCase {
            GradingCase(name: name, expected: "\(expected), for \(claims), against \(policy), now \(Int64(now.timeIntervalSince1970))") {
                do throws(ExerciseError) {
                    let got = try implementation(claims, policy, now)
                    return got == expected ? .passed : .failed(got: got.description)
                } catch { return .notDone }
            }
        }
        return [
            // Tokens the role takes.
            judge("a JWT-SVID as SPIRE mints it for STS, against a role that names exactly its SPIFFE ID", good, role, .allow),
            judge("aud holds two values, sts.amazonaws.com second", with { $0.aud = [reports, "sts.amazonaws.com"] }, role, .allow),
            judge("the second of two patterns matches", good, patterns("spiffe://example.org/ns/prod/sa/billing", provisioning), .allow),
            judge("spiffe://example.org/ns/prod/sa/* admits every service account of /ns/prod",
                  good, patterns("spiffe://example.org/ns/prod/sa/*"), .allow),

            // The issuer.
            judge("iss with a trailing slash: https://oidc.example.org/", with { $0.iss = "https://oidc.example.org/" }, role, .deny(.issuer)),
            judge("iss over plain http: http://oidc.example.org", with { $0.iss = "http://oidc.example.org" }, role, .deny(.issuer)),
            judge("iss with the host in capitals: https://OIDC.example.org", with { $0.iss = "https://OIDC.example.org" }, role, .deny(.issuer)),
            judge("iss with a port: https://oidc.example.org:443", with { $0.iss = "https://oidc.example.org:443" }, role, .deny(.issuer)),
            judge("iss on a host that only starts like the provider's: https://oidc.example.org.evil.com",
                  with { $0.iss = "https://oidc.example.org.evil.com" }, role, .deny(.issuer)),
            judge("no iss at all (SPIRE's server without jwt_issuer)", with { $0.iss = nil }, role, .deny(.issuer)),

            // The expiry.
            judge("expired one second ago", with { $0.exp = now.addingTimeInterval(-1) }, role, .deny(.expired)),
            judge("exp is exactly now: no leeway in this exercise", with { $0.exp = now }, role, .deny(.expired)),
            judge("no exp", with { $0.exp = nil }, role, .deny(.expired)),

            // The audience.
            judge("aud is the reports service, not STS", with { $0.aud = [reports] }, role, .deny(.audience)),
            judge("aud STS.amazonaws.com: StringEquals is case-sensitive", with { $0.aud = ["STS.amazonaws.com"] }, role, .deny(.audience)),
            judge("no aud (an empty list)", with { $0.aud = [] }, role, .deny(.audience)),

            // The subject.
            judge("sub is another service: .../sa/billing", sub("spiffe://example.org/ns/prod/sa/billing"), role, .deny(.subject)),
            judge("sub .../sa/Provisioning: the pattern's case counts", sub("spiffe://example.org/ns/prod/sa/Provisioning"), role, .deny(.subject)),
            judge("no sub", with { $0.sub = nil }, role, .deny(.subject)),
            judge("a role with no patterns admits nobody", good, patterns(), .deny(.subject)),

            // StringLike, taken at its word.
            judge("* crosses slashes: spiffe://example.org/ns/prod/* also admits .../sa/provisioning/debug",
                  sub(provisioning + "/debug"), patterns("spiffe://example.org/ns/prod/*"), .allow),
            judge("spiffe://example.org/ns/prod* also admits a sibling namespace, /ns/prod-sandbox",
                  sub("spiffe://example.org/ns/prod-sandbox/sa/provisioning"), patterns("spiffe://example.org/ns/prod*"), .allow),
            judge("spiffe://example.org/ns/prod/* keeps /ns/prod-sandbox out",
                  sub("spiffe://example.org/ns/prod-sandbox/sa/provisioning"), patterns("spiffe://example.org/ns/prod/*"), .deny(.subject)),
            judge("spiffe://example.org* also admits another trust domain, example.org.evil.com",
                  sub("spiffe://example.org.evil.com/ns/prod/sa/provisioning"), patterns("spiffe://example.org*"), .allow),
            judge("spiffe://example.org/* keeps example.org.evil.com out",
                  sub("spiffe://example.org.evil.com/ns/prod/sa/provisioning"), patterns("spiffe://example.org/*"), .deny(.subject)),
            judge("a dot in a pattern is a dot: spiffe://example.org/* does not admit spiffe://example-org/...",
                  sub("spiffe://example-org/ns/prod/sa/provisioning"), patterns("spiffe://example.org/*"), .deny(.subject)),
            judge(".../sa/*-worker admits .../sa/batch-worker",
                  sub("spiffe://example.org/ns/prod/sa/batch-worker"), patterns("spiffe://example.org/ns/prod/sa/*-worker"), .allow),
            judge("a pattern must match to the end: .../sa/*-worker does not admit .../sa/batch-worker-old",
                  sub("spiffe://example.org/ns/prod/sa/batch-worker-old"), patterns("spiffe://example.org/ns/prod/sa/*-worker"), .deny(.subject)),
            judge("the two sides of a * may not overlap: spiffe://example.org/*/sa/provisioning against spiffe://example.org/sa/provisioning",
                  sub("spiffe://example.org/sa/provisioning"), patterns("spiffe://example.org/*/sa/provisioning"), .deny(.subject)),
            judge("? is exactly one character: .../sa/worker-? admits .../sa/worker-7",
                  sub("spiffe://example.org/ns/prod/sa/worker-7"), patterns("spiffe://example.org/ns/prod/sa/worker-?"), .allow),
            judge("? is exactly one character: .../sa/worker-? does not admit .../sa/worker-17",
                  sub("spiffe://example.org/ns/prod/sa/worker-17"), patterns("spiffe://example.org/ns/prod/sa/worker-?"), .deny(.subject)),
            judge("two stars: spiffe://example.org/*/sa/*-db admits spiffe://example.org/ns/prod/sa/orders/sa/archive-db",
                  sub("spiffe://example.org/ns/prod/sa/orders/sa/archive-db"), patterns("spiffe://example.org/*/sa/*-db"), .allow),

            // More than one rule broken: the order decides which one is reported.
            judge("wrong issuer and expired: the issuer is checked first",
                  with { $0.iss = "https://oidc.example.org/"; $0.exp = now.addingTimeInterval(-3600) }, role, .deny(.issuer)),
            judge("expired and for the reports service: exp is checked before aud",
                  with { $0.exp = now.addingTimeInterval(-3600); $0.aud = [reports] }, role, .deny(.expired)),
            judge("for the reports service and the wrong sub: aud is checked before sub",
                  with { $0.aud = [reports]; $0.sub = "spiffe://example.org/ns/prod/sa/billing" }, role, .deny(.audience)),
        ]
    }
}
