import Foundation

/// The cases for `credential-risk` (Day 21): the Risk column of §1 of the analysis, by the
/// course's rubric (Day 21, "Rating a credential", and days/analysis/01-inventory.md; the stub's
/// doc comment states it in full). The rubric is the course's own, not a rule of a SPIFFE standard.
///
/// The credentials are ones a provisioning service on AWS holds or could hold. Each case states
/// the expected rating: first the lesson's worked examples, then the edges of the lifetime bands
/// (exactly one day, a second more, exactly 90 days), the critical rule with one factor low, and
/// the signing-key rule from both sides.
///
/// Goes to Sources/ExerciseKit/CredentialRiskCases.swift.
public enum CredentialRiskCases {
    public static let exercise = Exercise(
        id: "credential-risk", day: 21, title: "Rate one credential of your inventory: critical, high, medium or low",
        file: "Sources/Exercises/CredentialRisk.swift",
        hints: [
            "Give each of the four factors its level first, then combine them. Write the levels of each worked example in the lesson next to your code and compare.",
            "Every lifetime band includes its upper end. Which band does a lifetime of nil belong to? And what exactly must be true of all four factors for critical?",
            "A signing key has its own rule. Which factor decides between its two ratings, and does the worst-factor rule still matter for it?",
        ])

    /// `implementation` gets one inventory row and returns its rating.
    public static func cases(
        _ implementation: @escaping @Sendable (InventoryCredential) throws(ExerciseError) -> CredentialRisk
    ) -> [GradingCase] {
        func rate(_ name: String, _ credential: InventoryCredential, _ expected: CredentialRisk) -> GradingCase {
            GradingCase(name: name, expected: "\(expected) (\(credential))") {
                do throws(ExerciseError) {
                    let got = try implementation(credential)
                    return got == expected ? .passed : .failed(got: got.description)
                } catch { return .notDone }
            }
        }
        func row(_ name: String, _ lifetime: TimeInterval?, _ use: InventoryCredential.Use, _ readers: InventoryCredential.Readers,
                 automated: Bool, signs: Bool = false) -> InventoryCredential {
            InventoryCredential(name: name, lifetime: lifetime, use: use, readers: readers,
                                rotationAutomated: automated, signsCredentials: signs)
        }
        let hour: TimeInterval = 3_600, day: TimeInterval = 86_400
        return [
            // The lesson's worked examples, and rows like them.
            rate("an X509-SVID as SPIRE issues it: 1 h 10 s, a private key, held by its workload, renewed by the agent",
                 row("X509-SVID", hour + 10, .possession, .oneWorkload, automated: true), .low),
            rate("a JWT-SVID: 5 minutes, a bearer token, held by its workload, fetched again automatically",
                 row("JWT-SVID", 300, .bearer, .oneWorkload, automated: true), .medium),
            rate("an API key with no expiry, read only by its workload, replaced by a job: no expiry is the longest band",
                 row("API key", nil, .bearer, .oneWorkload, automated: true), .high),
            rate("EC2 instance role credentials: 6 h, a secret any process on the instance can fetch, rotated by AWS",
                 row("instance role credentials", 6 * hour, .bearer, .host, automated: true), .medium),
            rate("a static IAM access key in a config file on the host: no expiry, rotated by hand",
                 row("static IAM access key", nil, .bearer, .host, automated: false), .critical),
            rate("a database password in a team vault, changed by hand every 90 days",
                 row("database password", 90 * day, .bearer, .people, automated: false), .critical),
            rate("a join token an operator pastes: 10 minutes, a bearer secret, made by hand for each agent",
                 row("join token", 600, .bearer, .people, automated: false), .high),
            // The critical rule: every factor above low, or not critical.
            rate("an API key with no expiry, rotated by hand, but read only by its workload: one factor is low",
                 row("API key", nil, .bearer, .oneWorkload, automated: false), .high),
            rate("a 12-hour session token kept in a CI variable, refreshed by hand: its lifetime is low",
                 row("CI session token", 12 * hour, .bearer, .people, automated: false), .high),
            rate("a session token in a CI variable, refreshed by hand, living exactly one day (86400 s): up to one day includes the day",
                 row("CI session token", day, .bearer, .people, automated: false), .high),
            rate("the same CI token living one day and one second (86401 s)",
                 row("CI session token", day + 1, .bearer, .people, automated: false), .critical),
            rate("a webhook secret that a partner's staff can read, replaced by a job every 12 hours",
                 row("webhook secret", 12 * hour, .bearer, .people, automated: true), .high),
            // The edges of the lifetime bands, for keys that never travel.
            rate("a private key only its workload reads, with a certificate of exactly one day, renewed automatically",
                 row("one-day certificate", day, .possession, .oneWorkload, automated: true), .low),
            rate("the same key with a certificate of one day and one second",
                 row("one-day certificate", day + 1, .possession, .oneWorkload, automated: true), .medium),
            rate("a private key any process on its host can read, with a certificate of exactly 90 days, renewed automatically",
                 row("90-day certificate", 90 * day, .possession, .host, automated: true), .medium),
            rate("the same key with a 398-day certificate",
                 row("398-day certificate", 398 * day, .possession, .host, automated: true), .high),
            rate("a device key inside a TPM, with a one-day certificate renewed automatically",
                 row("TPM-held device key", day, .possession, .nobody, automated: true), .low),
            rate("the same TPM key, its one-day certificate renewed by hand",
                 row("TPM-held device key", day, .possession, .nobody, automated: false), .high),
            // Keys that sign other credentials.
            rate("SPIRE's CA key with the disk KeyManager: ca_ttl 24 h, held by the server, rotated by SPIRE; every factor low, but it signs SVIDs",
                 row("SPIRE server CA key", day, .possession, .oneWorkload, automated: true, signs: true), .high),
            rate("the managed private CA's root key in an HSM: no expiry, rotated by hand, signs certificates",
                 row("private CA root key", nil, .possession, .nobody, automated: false, signs: true), .high),
            rate("SPIRE's CA key in a file any process on the server can read: ca_ttl 24 h, rotated by SPIRE",
                 row("SPIRE server CA key, readable on its host", day, .possession, .host, automated: true, signs: true), .critical),
            rate("a CA key committed to a shared repository: no expiry, rotated by hand",
                 row("CA key in a repository", nil, .possession, .people, automated: false, signs: true), .critical),
        ]
    }
}
