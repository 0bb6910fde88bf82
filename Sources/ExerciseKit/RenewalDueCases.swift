import Crypto
import Foundation
import SpiffeIdentity
import X509

/// The cases for `renewal-due` (Day 16): SPIRE's agent renews an X509-SVID once at most half of
/// its lifetime, notBefore through notAfter as the certificate states them, is left
/// (pkg/common/rotationutil, without the jitter).
///
/// Goes to Sources/ExerciseKit/RenewalDueCases.swift.
public enum RenewalDueCases {
    public static let exercise = Exercise(
        id: "renewal-due", day: 16, title: "Is this SVID due for renewal? Half-life from its own validity fields",
        file: "Sources/Exercises/RenewalDue.swift",
        hints: [
            "leaf.notValidBefore and leaf.notValidAfter are Dates; timeIntervalSince(_:) gives seconds between two of them. Use the `now` you are given, never Date().",
            "The lifetime is the certificate's whole window, whatever TTL the entry asked for and wherever the 10 s backdate or a CA's notAfter put its ends. Compare the time left with half of it.",
            "Look at the edges: exactly half left, an SVID that has expired, and one whose notBefore is still ahead. What does \"kept between 0 and 1\" ask of the fraction there?",
        ])

    /// How far a learner's fraction may be from the reference one.
    public static let tolerance = 0.01

    /// `implementation` returns the advice for the leaf at the given time.
    public static func cases(
        _ implementation: @escaping @Sendable (Certificate, Date) throws(ExerciseError) -> RenewalAdvice
    ) -> [GradingCase] {
        // Whole seconds around one fixed moment, so every certificate field holds them exactly.
        let signed = Date(timeIntervalSince1970: 1_798_761_600)   // 2027-01-01T00:00:00Z
        let key = Keys.shared
        func advise(_ name: String, notBefore: TimeInterval, notAfter: TimeInterval, at: TimeInterval, renew: Bool) -> GradingCase {
            let lifetime = notAfter - notBefore
            let left = notAfter - at
            let fraction = min(1, max(0, left / lifetime))
            let expected = RenewalAdvice(fractionLeft: fraction, renewNow: renew)
            let leaf: Certificate
            do {
                leaf = try key.leaf(notBefore: signed + notBefore, notAfter: signed + notAfter)
            } catch {
                fatalError("the grader's own test leaf could not be made: \(error)")
            }
            let now = signed + at
            let window = left < 0 ? "expired \(Int(-left)) s ago"
                : left > lifetime ? "valid only in \(Int(left - lifetime)) s"
                : "\(Int(left)) s of \(Int(lifetime)) s left"
            return GradingCase(name: name, expected: "\(expected) (\(window))") {
                do throws(ExerciseError) {
                    let got = try implementation(leaf, now)
                    let closeEnough = abs(got.fractionLeft - fraction) <= RenewalDueCases.tolerance   // false for NaN
                    return got.renewNow == renew && closeEnough ? .passed : .failed(got: got.description)
                } catch { return .notDone }
            }
        }
        return [
            advise("a fresh SVID as SPIRE issues it (1 h, notBefore 10 s before signing), one minute after signing",
                   notBefore: -10, notAfter: 3600, at: 60, renew: false),
            advise("the same SVID 29 min 50 s after signing: 1810 s of 3610 s left, just over half",
                   notBefore: -10, notAfter: 3600, at: 1790, renew: false),
            advise("an SVID cut back to its CA's notAfter (20 min in all), 2 minutes after signing",
                   notBefore: -10, notAfter: 1190, at: 120, renew: false),
            advise("a 24 h SVID (-x509SVIDTTL 86400), 13 hours after signing",
                   notBefore: -10, notAfter: 86400, at: 46800, renew: true),
            advise("the 1 h SVID 29 min 58 s after signing: the 10 s backdate counts, so half of 3610 s has passed",
                   notBefore: -10, notAfter: 3600, at: 1798, renew: true),
            advise("exactly half left: a 1 h SVID with no backdate, 30 minutes in",
                   notBefore: 0, notAfter: 3600, at: 1800, renew: true),
            advise("a 60 s SVID (-x509SVIDTTL 60, so 70 s in all), 24 s after signing",
                   notBefore: -10, notAfter: 60, at: 24, renew: false),
            advise("the 60 s SVID 26 s after signing",
                   notBefore: -10, notAfter: 60, at: 26, renew: true),
            advise("an SVID that expired ten minutes ago",
                   notBefore: -10, notAfter: 3600, at: 4200, renew: true),
            advise("not valid yet: this machine's clock is 5 minutes behind the CA's",
                   notBefore: -10, notAfter: 3600, at: -300, renew: false),
            advise("at notAfter exactly: still inside the window, nothing of it left",
                   notBefore: -10, notAfter: 3600, at: 3600, renew: true),
        ]
    }

    /// One key for every leaf, made once per process: only the validity windows differ.
    struct Keys: Sendable {
        let key: Certificate.PrivateKey
        let id: SpiffeID

        static let shared: Keys = {
            do {
                return Keys(key: Certificate.PrivateKey(P256.Signing.PrivateKey()),
                            id: try SpiffeID("spiffe://example.org/ns/prod/sa/provisioning"))
            } catch { fatalError("the grader's own test key could not be made: \(error)") }
        }()

        /// A leaf shaped as SPIRE issues them, valid from `notBefore` through `notAfter`.
        func leaf(notBefore: Date, notAfter: Date) throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
                notValidBefore: notBefore, notValidAfter: notAfter,
                issuer: try DistinguishedName {
                    CountryName("US")
                    OrganizationName("SPIFFE")
                },
                subject: try DistinguishedName {
                    CountryName("US")
                    OrganizationName("SPIRE")
                },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    SubjectAlternativeNames([.uniformResourceIdentifier(id.description)])
                },
                issuerPrivateKey: key)
        }
    }
}
