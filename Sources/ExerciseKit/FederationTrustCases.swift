// Sources/ExerciseKit/FederationTrustCases.swift
import Crypto
import Foundation
import SpiffeIdentity
import X509

/// The cases for `federation-trust` (Day 20): which held bundle a workload validates a peer with
/// once its agent federates (SPIFFE_Federation §4.2, §5.1, §7.3; SPIFFE Trust Domain and Bundle
/// §4.1.3, §5.1.1), and why there is none.
public enum FederationTrustCases {
    public static let exercise = Exercise(
        id: "federation-trust", day: 20, title: "Which bundle vouches for a peer from another trust domain?",
        file: "Sources/Exercises/FederationTrust.swift",
        hints: [
            "Start from peer.trustDomain and ask first whether this workload would have been given that trust domain's bundle at all. Your own trust domain is a special case of that question.",
            "A bundle belongs to the name it is held under. Look at the certificates inside it only to see whether there are any, never to decide whose they are; and a name that appears twice is not a choice for you to make.",
            "What you return must be one of the held bundles, untouched. Comparing trust domains as values, not as strings, spares you a lookalike.",
        ])

    /// `implementation` returns the bundle to validate the peer with, or why there is none.
    public static func cases(
        _ implementation: @escaping @Sendable (SpiffeID, TrustDomain, [TrustDomain], [HeldBundle]) throws(ExerciseError) -> PeerBundle
    ) -> [GradingCase] {
        let b = Bundles.shared
        let own = b.exampleOrg, partner = b.partner, other = b.otherOrg
        func decide(_ name: String, peer: String, federatesWith: [TrustDomain], held: [HeldBundle], _ expected: PeerBundle) -> GradingCase {
            let peerID = try! SpiffeID(peer)
            let context = "peer \(peer); own trust domain example.org; the entry federates with \(b.list(federatesWith)); the agent holds \(b.list(held))"
            return GradingCase(name: name, expected: "\(b.describe(expected)) (\(context))") {
                do throws(ExerciseError) {
                    let got = try implementation(peerID, own, federatesWith, held)
                    return got == expected ? .passed : .failed(got: b.describe(got))
                } catch { return .notDone }
            }
        }
        let usual = [b.ownBundle, b.partnerBundle]
        return [
            decide("a peer of your own trust domain: your own bundle, which comes with every SVID",
                   peer: "spiffe://example.org/service-b", federatesWith: [partner], held: usual, .validateWith(b.ownBundle)),
            decide("a peer of partner.example, which this entry federates with",
                   peer: "spiffe://partner.example/service-b", federatesWith: [partner], held: usual, .validateWith(b.partnerBundle)),
            decide("a peer of your own trust domain, from an entry that federates with nobody",
                   peer: "spiffe://example.org/service-b", federatesWith: [], held: usual, .validateWith(b.ownBundle)),
            decide("the agent holds partner.example's bundle, but this entry does not federate with partner.example",
                   peer: "spiffe://partner.example/service-b", federatesWith: [], held: usual, .notFederated(partner)),
            decide("a peer of other.org, a trust domain nobody federates with",
                   peer: "spiffe://other.org/service-c", federatesWith: [partner], held: usual, .notFederated(other)),
            decide("a peer of partner.example.evil.com: not partner.example, however it starts",
                   peer: "spiffe://partner.example.evil.com/service-b", federatesWith: [partner], held: usual,
                   .notFederated(b.lookalike)),
            decide("the entry federates with partner.example, but no bundle of it has been fetched yet",
                   peer: "spiffe://partner.example/service-b", federatesWith: [partner], held: [b.ownBundle], .noBundle(partner)),
            decide("partner.example's bundle holds a CA whose URI SAN says spiffe://other.org: an other.org peer still has no bundle",
                   peer: "spiffe://other.org/service-c", federatesWith: [partner, other], held: [b.ownBundle, b.partnerClaimingOther],
                   .noBundle(other)),
            decide("that same bundle is held under partner.example, so it vouches for partner.example's peers",
                   peer: "spiffe://partner.example/service-b", federatesWith: [partner, other], held: [b.ownBundle, b.partnerClaimingOther],
                   .validateWith(b.partnerClaimingOther)),
            decide("partner.example's bundle, listed first, also carries a copy of your own CA: your own peers still use your own bundle",
                   peer: "spiffe://example.org/service-b", federatesWith: [partner], held: [b.partnerWithOwnCA, b.ownBundle],
                   .validateWith(b.ownBundle)),
            decide("two federated trust domains: the other.org peer gets other.org's bundle, not a mix",
                   peer: "spiffe://other.org/service-c", federatesWith: [partner, other], held: [b.ownBundle, b.partnerBundle, b.otherBundle],
                   .validateWith(b.otherBundle)),
            decide("partner.example in the middle of a CA rotation: both of its CAs stay in the bundle",
                   peer: "spiffe://partner.example/service-b", federatesWith: [partner], held: [b.ownBundle, b.partnerRotating],
                   .validateWith(b.partnerRotating)),
            decide("partner.example published \"keys\": [], withdrawing every key",
                   peer: "spiffe://partner.example/service-b", federatesWith: [partner], held: [b.ownBundle, b.partnerEmpty],
                   .trustsNothing(partner)),
            decide("partner.example's bundle holds a JWT key only: nothing an X509-SVID could chain to",
                   peer: "spiffe://partner.example/service-b", federatesWith: [partner], held: [b.ownBundle, b.partnerJWTOnly],
                   .trustsNothing(partner)),
            decide("partner.example appears twice in the bundle map, with different CAs",
                   peer: "spiffe://partner.example/service-b", federatesWith: [partner],
                   held: [b.ownBundle, b.partnerBundle, b.partnerRotating], .ambiguous(partner)),
        ]
    }

    /// The bundles, made once per process; every CA is self-signed with a key of its own.
    struct Bundles: Sendable {
        let exampleOrg, partner, otherOrg, lookalike: TrustDomain
        let ownBundle, partnerBundle, partnerRotating, partnerClaimingOther, partnerWithOwnCA,
            otherBundle, partnerEmpty, partnerJWTOnly: HeldBundle
        let labels: [Certificate: String]

        static let shared: Bundles = {
            do { return try Bundles() } catch { fatalError("the grader's own test bundles could not be made: \(error)") }
        }()

        init() throws {
            exampleOrg = try TrustDomain("example.org")
            partner = try TrustDomain("partner.example")
            otherOrg = try TrustDomain("other.org")
            lookalike = try TrustDomain("partner.example.evil.com")
            let now = Date()
            /// A self-signed CA certificate carrying `uri` as its URI SAN, as a SPIRE CA carries
            /// its trust domain's ID (X509-SVID §3.2).
            func ca(_ commonName: String, uri: String) throws -> Certificate {
                let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
                let name = try DistinguishedName {
                    CountryName("US")
                    OrganizationName("SPIFFE")
                    CommonName(commonName)
                }
                return try Certificate(
                    version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
                    notValidBefore: now - 60, notValidAfter: now + 86_400,
                    issuer: name, subject: name,
                    signatureAlgorithm: .ecdsaWithSHA256,
                    extensions: try Certificate.Extensions([
                        try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
                        try Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
                        try Certificate.Extension(SubjectAlternativeNames([.uniformResourceIdentifier(uri)]), critical: false),
                    ]),
                    issuerPrivateKey: key)
            }
            let ownCA = try ca("example.org CA", uri: "spiffe://example.org")
            let partnerCA = try ca("partner.example CA", uri: "spiffe://partner.example")
            let partnerNextCA = try ca("partner.example CA (next)", uri: "spiffe://partner.example")
            let claimsOther = try ca("partner.example CA naming other.org", uri: "spiffe://other.org")
            let otherCA = try ca("other.org CA", uri: "spiffe://other.org")

            ownBundle = HeldBundle(trustDomain: exampleOrg, x509Authorities: [ownCA], jwtKeyIDs: ["own-jwt"])
            partnerBundle = HeldBundle(trustDomain: partner, x509Authorities: [partnerCA], jwtKeyIDs: ["partner-jwt"])
            partnerRotating = HeldBundle(trustDomain: partner, x509Authorities: [partnerCA, partnerNextCA], jwtKeyIDs: ["partner-jwt"])
            partnerClaimingOther = HeldBundle(trustDomain: partner, x509Authorities: [claimsOther])
            partnerWithOwnCA = HeldBundle(trustDomain: partner, x509Authorities: [partnerCA, ownCA])
            otherBundle = HeldBundle(trustDomain: otherOrg, x509Authorities: [otherCA])
            partnerEmpty = HeldBundle(trustDomain: partner, x509Authorities: [], jwtKeyIDs: [])
            partnerJWTOnly = HeldBundle(trustDomain: partner, x509Authorities: [], jwtKeyIDs: ["partner-jwt"])
            labels = [
                ownCA: "example.org CA", partnerCA: "partner.example CA", partnerNextCA: "partner.example's next CA",
                claimsOther: "a CA naming spiffe://other.org", otherCA: "other.org CA",
            ]
        }

        func label(_ certificate: Certificate) -> String {
            labels[certificate] ?? "a certificate the grader did not make"
        }

        /// "partner.example [partner.example CA; JWT partner-jwt]".
        func describe(_ bundle: HeldBundle) -> String {
            var contents = bundle.x509Authorities.map(label)
            if !bundle.jwtKeyIDs.isEmpty { contents.append("JWT " + bundle.jwtKeyIDs.joined(separator: ", ")) }
            return "\(bundle.trustDomain.name) [\(contents.isEmpty ? "no keys" : contents.joined(separator: "; "))]"
        }

        func describe(_ decision: PeerBundle) -> String {
            switch decision {
            case .validateWith(let bundle): return "validate with the bundle held for " + describe(bundle)
            default: return decision.description
            }
        }

        func list(_ held: [HeldBundle]) -> String {
            held.isEmpty ? "no bundles" : held.map(describe).joined(separator: ", ")
        }

        func list(_ trustDomains: [TrustDomain]) -> String {
            trustDomains.isEmpty ? "nobody" : trustDomains.map(\.name).joined(separator: ", ")
        }
    }
}
