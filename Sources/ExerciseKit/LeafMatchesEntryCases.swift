import Crypto
import Foundation
import SpiffeIdentity
import X509

/// The cases for `leaf-matches-entry` (Day 13): does a leaf have the shape SPIRE's server gives
/// the SVID of a registration entry (pkg/server/credtemplate: one URI SAN with the entry's ID,
/// notBefore 10 s back, notAfter at the TTL capped by the CA, subject C=US, O=SPIRE, cA false)?
///
/// Every leaf breaks at most one of the five rules, so the order in which a solution checks them
/// never decides a case. All times are whole seconds, as X.509 stores them.
///
/// Goes to Sources/ExerciseKit/LeafMatchesEntryCases.swift.
public enum LeafMatchesEntryCases {
    public static let exercise = Exercise(
        id: "leaf-matches-entry", day: 13, title: "Does this leaf match its registration entry, as SPIRE shapes it?",
        file: "Sources/Exercises/LeafMatchesEntry.swift",
        hints: [
            "A subject alternative name extension can hold several kinds of name. Which of them count for rules 1 and 2, and what do you compare the one that counts with?",
            "Write down notBefore and notAfter for a leaf signed at time T for an entry with TTL t, once with a CA that outlives it and once with one that does not. Then write the same for an entry created without -x509SVIDTTL.",
            "leaf.subject and leaf.extensions.basicConstraints are values you can compare with ==. Build the two values SPIRE writes, rather than reading a string or looking for parts.",
        ])

    /// The moment every leaf here was signed (2027-01-15T08:00:00Z, a whole second).
    static let signedAt = Date(timeIntervalSince1970: 1_800_000_000)
    static let aDayLater = signedAt + 86_400

    static func id(_ text: String) -> SpiffeID { try! SpiffeID(text) }
    static let serviceA = id("spiffe://example.org/service-a")

    /// `implementation` gets the leaf and what it was issued for, and returns nil when the leaf
    /// is what SPIRE makes for that entry, or the first rule it breaks.
    public static func cases(
        _ implementation: @escaping @Sendable (Certificate, EntryIssuance) throws(ExerciseError) -> LeafMismatch?
    ) -> [GradingCase] {
        func check(_ name: String, _ leaf: Certificate, _ issuance: EntryIssuance, _ expected: LeafMismatch?) -> GradingCase {
            let want = expected.map { ".\($0.rawValue) (\($0))" } ?? "nil: the leaf is what the server makes for this entry"
            return GradingCase(name: name, expected: "\(want), for \(issuance)") {
                do throws(ExerciseError) {
                    let got = try implementation(leaf, issuance)
                    if got == expected { return .passed }
                    return .failed(got: got.map { ".\($0.rawValue) (\($0))" } ?? "nil (the leaf was accepted)")
                } catch { return .notDone }
            }
        }
        let leaves = Leaves.shared
        let entryA = EntryIssuance(spiffeID: serviceA, x509SVIDTTL: 3600, caNotAfter: aDayLater)
        return [
            // Leaves as the server makes them.
            check("SPIRE's leaf for service-a: one URI SAN, notBefore 10 s back, 3610 s in all, C=US, O=SPIRE, cA false",
                  leaves.spire, entryA, nil),
            check("a 60 s entry (-x509SVIDTTL 60): 70 s from notBefore to notAfter",
                  leaves.sixtySeconds, EntryIssuance(spiffeID: serviceA, x509SVIDTTL: 60, caNotAfter: aDayLater), nil),
            check("an entry created without -x509SVIDTTL (0) on a server whose default_x509_svid_ttl is 1h: 3610 s",
                  leaves.spire, EntryIssuance(spiffeID: serviceA, x509SVIDTTL: 0, defaultX509SVIDTTL: 3600, caNotAfter: aDayLater), nil),
            check("an entry created without -x509SVIDTTL (0) on a server whose default_x509_svid_ttl is 4h: 14410 s",
                  leaves.fourHours, EntryIssuance(spiffeID: serviceA, x509SVIDTTL: 0, defaultX509SVIDTTL: 14_400, caNotAfter: aDayLater), nil),
            check("cut back to its CA: a 3600 s entry whose CA had 30 min left gets 1810 s, ending with the CA",
                  leaves.capped, EntryIssuance(spiffeID: serviceA, x509SVIDTTL: 3600, caNotAfter: signedAt + 1800), nil),
            check("an entry of another trust domain, spiffe://prod.example.com/ns/prod/sa/provisioning",
                  leaves.prodProvisioning,
                  EntryIssuance(spiffeID: id("spiffe://prod.example.com/ns/prod/sa/provisioning"), x509SVIDTTL: 3600, caNotAfter: aDayLater), nil),
            // Rule 1: exactly one URI SAN.
            check("no URI SAN at all, only a DNS name", leaves.dnsOnly, entryA, .uriSANCount),
            check("two URI SANs, the entry's ID first and spiffe://example.org/service-b second", leaves.twoURIs, entryA, .uriSANCount),
            // Rule 2: that URI SAN is the entry's ID.
            check("the URI SAN names spiffe://example.org/service-b, another entry's ID", leaves.serviceB, entryA, .spiffeID),
            check("the URI SAN is spiffe://example.org/service-ab, which only starts like the entry's ID", leaves.serviceAB, entryA, .spiffeID),
            check("the entry's path in another trust domain: spiffe://example.com/service-a", leaves.otherTrustDomain, entryA, .spiffeID),
            check("spiffe://example.org/Service-A: a SPIFFE ID's path is case-sensitive", leaves.upperCase, entryA, .spiffeID),
            check("an https URI with the entry's trust domain and path: https://example.org/service-a", leaves.https, entryA, .spiffeID),
            // Rule 3: notAfter = min(notBefore + TTL + 10 s, the CA's notAfter).
            check("exactly 3600 s, notBefore at the moment of signing: the 10 s backdate is missing", leaves.noBackdate, entryA, .lifetime),
            check("1810 s for a 3600 s entry whose CA has a day left: shorter, and not because of the CA", leaves.capped, entryA, .lifetime),
            check("3610 s although the CA ends 30 min after signing: the leaf outlives its CA",
                  leaves.spire, EntryIssuance(spiffeID: serviceA, x509SVIDTTL: 3600, caNotAfter: signedAt + 1800), .lifetime),
            // Rule 4: the subject C=US, O=SPIRE.
            check("an empty subject with a critical SAN: the spec's form (Day 3's make-svid), not SPIRE's", leaves.emptySubject, entryA, .subject),
            check("the subject of SPIRE's CA, C=US, O=SPIFFE", leaves.caSubject, entryA, .subject),
            check("C=US, O=SPIRE plus CN=service-a: SPIRE adds a CN only for -dns names, and this entry has none", leaves.withCommonName, entryA, .subject),
            // Rule 5: basic constraints, cA false.
            check("basic constraints say cA true", leaves.caTrue, entryA, .ca),
            check("no basic constraints extension: SPIRE always writes one, with cA false", leaves.noBasicConstraints, entryA, .ca),
        ]
    }

    /// The leaves, made once per process: each differs from SPIRE's in the one field its name says.
    struct Leaves: Sendable {
        let spire, sixtySeconds, fourHours, capped, prodProvisioning: Certificate
        let dnsOnly, twoURIs, serviceB, serviceAB, otherTrustDomain, upperCase, https: Certificate
        let noBackdate, emptySubject, caSubject, withCommonName, caTrue, noBasicConstraints: Certificate

        static let shared: Leaves = {
            do { return try Leaves() } catch { fatalError("the grader's own test leaves could not be made: \(error)") }
        }()

        init() throws {
            let caKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
            let leafKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
            let caName = try DistinguishedName {
                CountryName("US")
                OrganizationName("SPIFFE")
            }
            let spireSubject = try DistinguishedName {
                CountryName("US")
                OrganizationName("SPIRE")
            }
            let t = LeafMatchesEntryCases.signedAt
            func leaf(
                names: [GeneralName] = [.uniformResourceIdentifier("spiffe://example.org/service-a")],
                notBefore: Date = LeafMatchesEntryCases.signedAt - 10, notAfter: Date = LeafMatchesEntryCases.signedAt + 3600,
                subject: DistinguishedName? = nil,
                basicConstraints: BasicConstraints? = .notCertificateAuthority
            ) throws -> Certificate {
                let subject = subject ?? spireSubject
                var extensions: [Certificate.Extension] = []
                if let basicConstraints { extensions.append(try Certificate.Extension(basicConstraints, critical: true)) }
                extensions.append(try Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true), critical: true))
                extensions.append(try Certificate.Extension(try ExtendedKeyUsage([.serverAuth, .clientAuth]), critical: false))
                // Critical only with an empty subject (X509-SVID §3.1), as SPIRE leaves it otherwise.
                extensions.append(try Certificate.Extension(SubjectAlternativeNames(names), critical: subject.isEmpty))
                return try Certificate(
                    version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: leafKey.publicKey,
                    notValidBefore: notBefore, notValidAfter: notAfter,
                    issuer: caName, subject: subject,
                    signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(extensions),
                    issuerPrivateKey: caKey)
            }
            func uri(_ text: String) -> [GeneralName] { [.uniformResourceIdentifier(text)] }

            spire = try leaf()
            sixtySeconds = try leaf(notAfter: t + 60)
            fourHours = try leaf(notAfter: t + 14_400)
            capped = try leaf(notAfter: t + 1800)
            prodProvisioning = try leaf(names: uri("spiffe://prod.example.com/ns/prod/sa/provisioning"))
            dnsOnly = try leaf(names: [.dnsName("service-a.example.org")])
            twoURIs = try leaf(names: uri("spiffe://example.org/service-a") + uri("spiffe://example.org/service-b"))
            serviceB = try leaf(names: uri("spiffe://example.org/service-b"))
            serviceAB = try leaf(names: uri("spiffe://example.org/service-ab"))
            otherTrustDomain = try leaf(names: uri("spiffe://example.com/service-a"))
            upperCase = try leaf(names: uri("spiffe://example.org/Service-A"))
            https = try leaf(names: uri("https://example.org/service-a"))
            noBackdate = try leaf(notBefore: t, notAfter: t + 3600)
            emptySubject = try leaf(subject: DistinguishedName())
            caSubject = try leaf(subject: caName)
            withCommonName = try leaf(subject: try DistinguishedName {
                CountryName("US")
                OrganizationName("SPIRE")
                CommonName("service-a")
            })
            caTrue = try leaf(basicConstraints: .isCertificateAuthority(maxPathLength: nil))
            noBasicConstraints = try leaf(basicConstraints: nil)
        }
    }
}
