import Crypto
import Foundation
import SpiffeIdentity
import X509

/// The cases for `bundle-choice` (Day 6): the bundle is chosen by the trust domain of the leaf's
/// SPIFFE ID (SPIFFE Trust Domain and Bundle §3), read from its single URI SAN (X509-SVID §2).
public enum BundleChoiceCases {
    public static let exercise = Exercise(
        id: "bundle-choice", day: 6, title: "Choose the bundle by the ID's trust domain",
        file: "Sources/Exercises/BundleChoice.swift",
        hints: [
            "try? leaf.extensions.subjectAlternativeNames is the SAN extension (nil when it is absent or does not parse); its .uniformResourceIdentifier names are the URI SANs, whatever their scheme.",
            "Count the URI SANs before you look at any of them. Then let SpiffeID(_:) judge the one that is left, rather than a URL parser or a string prefix, and remember what isTrustDomainRoot tells you.",
            "The ID's trustDomain is the only thing that picks the bundle: compare it with `held` as a TrustDomain value. The issuer and subject names play no part.",
        ])

    /// `implementation` returns the trust domain whose bundle must verify the leaf, or nil.
    public static func cases(
        _ implementation: @escaping @Sendable (Certificate, Set<TrustDomain>) throws(ExerciseError) -> TrustDomain?
    ) -> [GradingCase] {
        let leaves = Leaves.shared
        let exampleOrg = try! TrustDomain("example.org")
        let partner = try! TrustDomain("partner.example")
        let ownAndPartner: Set<TrustDomain> = [exampleOrg, partner]
        let ownOnly: Set<TrustDomain> = [exampleOrg]
        func describe(_ held: Set<TrustDomain>) -> String {
            held.isEmpty ? "no bundles" : "bundles for " + held.map(\.name).sorted().joined(separator: ", ")
        }
        func choose(_ name: String, _ leaf: Certificate, _ held: Set<TrustDomain>, _ expected: TrustDomain?) -> GradingCase {
            let wanted = expected.map { "\($0.name): its bundle must verify the leaf" } ?? "nil: no bundle may verify this leaf"
            return GradingCase(name: name, expected: "\(wanted) (holding \(describe(held)))") {
                do throws(ExerciseError) {
                    let got = try implementation(leaf, held)
                    return got == expected ? .passed : .failed(got: got?.name ?? "nil")
                } catch { return .notDone }
            }
        }
        return [
            choose("a leaf of example.org, holding example.org's bundle and a partner's", leaves.own, ownAndPartner, exampleOrg),
            choose("a leaf of the federated trust domain partner.example, whose bundle is held", leaves.partner, ownAndPartner, partner),
            choose("a DNS SAN beside the SPIFFE ID (other SAN types are allowed)", leaves.withDNSName, ownOnly, exampleOrg),
            choose("a leaf of other.org, for which no bundle is held", leaves.otherOrg, ownAndPartner, nil),
            choose("the issuer names example.org, but the leaf's ID is in other.org", leaves.otherOrgIssuedByExampleOrg, ownOnly, nil),
            choose("the issuer names partner.example, but the leaf's ID is in example.org", leaves.exampleOrgIssuedByPartner, ownAndPartner, exampleOrg),
            choose("a lookalike trust domain: example.org.evil.com is not example.org", leaves.lookalike, ownOnly, nil),
            choose("two URI SANs, both SPIFFE IDs of example.org", leaves.twoSpiffeIDs, ownOnly, nil),
            choose("a URI SAN that is not a SPIFFE ID (https://example.org/...)", leaves.httpsOnly, ownOnly, nil),
            choose("an https URI SAN beside a SPIFFE ID: still two URI SANs", leaves.httpsAndSpiffe, ownOnly, nil),
            choose("no SAN extension at all, the ID written in the subject's CN instead", leaves.idInCommonName, ownOnly, nil),
            choose("a port in the ID (spiffe://example.org:8443/...): not a valid SPIFFE ID", leaves.withPort, ownOnly, nil),
            choose("an ID with no path (spiffe://example.org) names the trust domain, not a workload", leaves.rootID, ownOnly, nil),
        ]
    }

    /// The leaves, made once per process with one key: only their names differ. Each is issued by
    /// a CA named like the spec's example CA (`O=<trust domain>`), unless a case says otherwise.
    struct Leaves: Sendable {
        let own, partner, withDNSName, otherOrg, otherOrgIssuedByExampleOrg, exampleOrgIssuedByPartner,
            lookalike, twoSpiffeIDs, httpsOnly, httpsAndSpiffe, idInCommonName, withPort, rootID: Certificate

        static let shared: Leaves = {
            do { return try Leaves() } catch { fatalError("the grader's own test leaves could not be made: \(error)") }
        }()

        init() throws {
            let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
            let workload = "/ns/prod/sa/provisioning"
            func leaf(_ names: [GeneralName], issuer: String, subjectCommonName: String? = nil) throws -> Certificate {
                var extensions: [Certificate.Extension] = [
                    try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true),
                    try Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true), critical: true),
                ]
                if !names.isEmpty {
                    // These leaves have an empty subject, so the SAN is their only name: critical (RFC 5280 §4.1.2.6).
                    extensions.append(try Certificate.Extension(SubjectAlternativeNames(names), critical: true))
                }
                var subject = DistinguishedName()
                if let subjectCommonName { subject = try DistinguishedName { CommonName(subjectCommonName) } }
                let now = Date()
                return try Certificate(
                    version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
                    notValidBefore: now - 10, notValidAfter: now + 3600,
                    issuer: try DistinguishedName { OrganizationName(issuer) }, subject: subject,
                    signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(extensions),
                    issuerPrivateKey: key)
            }
            func uri(_ string: String) -> GeneralName { .uniformResourceIdentifier(string) }

            own = try leaf([uri("spiffe://example.org" + workload)], issuer: "example.org")
            partner = try leaf([uri("spiffe://partner.example/billing")], issuer: "partner.example")
            withDNSName = try leaf([.dnsName("provisioning.example.org"), uri("spiffe://example.org" + workload)], issuer: "example.org")
            otherOrg = try leaf([uri("spiffe://other.org" + workload)], issuer: "other.org")
            otherOrgIssuedByExampleOrg = try leaf([uri("spiffe://other.org" + workload)], issuer: "example.org")
            exampleOrgIssuedByPartner = try leaf([uri("spiffe://example.org" + workload)], issuer: "partner.example")
            lookalike = try leaf([uri("spiffe://example.org.evil.com" + workload)], issuer: "example.org.evil.com")
            twoSpiffeIDs = try leaf([uri("spiffe://example.org/service-a"), uri("spiffe://example.org/service-b")], issuer: "example.org")
            httpsOnly = try leaf([uri("https://example.org/provisioning")], issuer: "example.org")
            httpsAndSpiffe = try leaf([uri("https://example.org/provisioning"), uri("spiffe://example.org" + workload)], issuer: "example.org")
            idInCommonName = try leaf([], issuer: "example.org", subjectCommonName: "spiffe://example.org" + workload)
            withPort = try leaf([uri("spiffe://example.org:8443" + workload)], issuer: "example.org")
            rootID = try leaf([uri("spiffe://example.org")], issuer: "example.org")
        }
    }
}
