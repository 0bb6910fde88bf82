// Sources/ExerciseKit/PublishedChainCases.swift
import Crypto
import Foundation
import X509

/// The cases for `published-chain` (Day 18): the path from a peer's presented certificate list
/// (RFC 8446 §4.4.2) to a CA of the bundle, built only from what the peer sent.
public enum PublishedChainCases {
    public static let exercise = Exercise(
        id: "published-chain", day: 18, title: "Did the peer publish its whole chain?",
        file: "Sources/Exercises/PublishedChain.swift",
        hints: [
            "Stand on the certificate at the top of your path and ask who could have issued it: first the bundle's CAs, then the other certificates the peer sent. What must the very first certificate be before you start?",
            "\"Issued by\" is two tests. A name can be copied by anyone who makes a certificate; ask the candidate's public key about the signature (isValidSignature(_:for:)).",
            "Sometimes two presented certificates both pass for the same step, and only one of them leads to the bundle. Remember what is already on your path, and be ready to try the next candidate.",
        ])

    /// `implementation` returns the path leaf → … → bundle CA, or nil when there is none.
    public static func cases(
        _ implementation: @escaping @Sendable ([Certificate], [Certificate]) throws(ExerciseError) -> [Certificate]?
    ) -> [GradingCase] {
        let c = Chains.shared
        func path(_ name: String, sent presented: [Certificate], bundle: [Certificate], _ expected: [Certificate]?) -> GradingCase {
            let wanted = expected.map { "the path " + c.describe($0) } ?? "nil: the bundle cannot be reached from what was sent"
            return GradingCase(name: name, expected: "\(wanted) (sent: \(c.list(presented)); bundle: \(c.list(bundle)))") {
                do throws(ExerciseError) {
                    let got = try implementation(presented, bundle)
                    return got == expected ? .passed : .failed(got: got.map { "the path " + c.describe($0) } ?? "nil")
                } catch { return .notDone }
            }
        }
        let bundle = [c.root]
        return [
            path("a leaf signed by the bundle's CA itself, sent alone (SPIRE without an UpstreamAuthority)",
                 sent: [c.directLeaf], bundle: bundle, [c.directLeaf, c.root]),
            path("leaf and SPIRE's intermediate CA, the intermediate signed by the bundle's root (an UpstreamAuthority)",
                 sent: [c.leaf, c.intermediate], bundle: bundle, [c.leaf, c.intermediate, c.root]),
            path("the root sent along as well: allowed, and the path ends at the bundle's root",
                 sent: [c.leaf, c.intermediate, c.root], bundle: bundle, [c.leaf, c.intermediate, c.root]),
            path("the bundle holds two CAs while a CA rotation is under way, and the chain leads to the second",
                 sent: [c.leaf, c.intermediate], bundle: [c.previousRoot, c.root], [c.leaf, c.intermediate, c.root]),
            path("two intermediates sent in the wrong order (a receiver should cope)",
                 sent: [c.deepLeaf, c.upperIntermediate, c.lowerIntermediate], bundle: bundle,
                 [c.deepLeaf, c.lowerIntermediate, c.upperIntermediate, c.root]),
            path("an unrelated CA certificate sent between the leaf and its intermediate",
                 sent: [c.leaf, c.unrelated, c.intermediate], bundle: bundle, [c.leaf, c.intermediate, c.root]),
            path("only the leaf sent, though an intermediate signed it (cert_chain()[0] alone)",
                 sent: [c.leaf], bundle: bundle, nil),
            path("no certificate at all", sent: [], bundle: bundle, nil),
            path("the intermediate sent first and the leaf second: the sender's own certificate must come first",
                 sent: [c.intermediate, c.leaf], bundle: bundle, nil),
            path("a complete chain up to a root the peer sent itself, which is not in the bundle",
                 sent: [c.rogueLeaf, c.rogueIntermediate, c.rogueRoot], bundle: bundle, nil),
            path("names that chain up to the bundle's root, but a signature that does not: a lookalike intermediate",
                 sent: [c.lookalikeLeaf, c.lookalike], bundle: bundle, nil),
            path("a lookalike with the intermediate's name sent before the real intermediate",
                 sent: [c.leaf, c.lookalike, c.intermediate], bundle: bundle, [c.leaf, c.intermediate, c.root]),
            path("an intermediate that is not a CA (cA false), signed by the bundle's root",
                 sent: [c.leafBelowNonCA, c.nonCA], bundle: bundle, nil),
            path("two CAs that name each other as issuer, neither in the bundle (a loop)",
                 sent: [c.loopLeaf, c.loopA, c.loopB], bundle: bundle, nil),
            path("an old cross-signed copy of the intermediate (same name and key, retired issuer) sent before the current one",
                 sent: [c.leaf, c.crossSigned, c.intermediate], bundle: bundle, [c.leaf, c.intermediate, c.root]),
        ]
    }

    /// The certificates, made once per process. Every one is inside its validity window, so
    /// only names, keys, signatures and basic constraints tell them apart.
    struct Chains: Sendable {
        let root, previousRoot, intermediate, leaf, directLeaf: Certificate
        let upperIntermediate, lowerIntermediate, deepLeaf, unrelated: Certificate
        let rogueRoot, rogueIntermediate, rogueLeaf, lookalike, lookalikeLeaf: Certificate
        let nonCA, leafBelowNonCA, loopA, loopB, loopLeaf, crossSigned: Certificate
        let labels: [Certificate: String]

        static let shared: Chains = {
            do { return try Chains() } catch { fatalError("the grader's own test chains could not be made: \(error)") }
        }()

        /// A path, leaf first: "leaf → SPIRE intermediate → bundle root".
        func describe(_ path: [Certificate]) -> String {
            if path.isEmpty { return "(empty)" }
            return path.map(label).joined(separator: " → ")
        }

        /// A list of certificates as sent or held: "leaf, SPIRE intermediate".
        func list(_ certificates: [Certificate]) -> String {
            certificates.isEmpty ? "nothing" : certificates.map(label).joined(separator: ", ")
        }

        func label(_ certificate: Certificate) -> String {
            labels[certificate] ?? "a certificate the grader did not make"
        }

        init() throws {
            let now = Date()
            func key() -> Certificate.PrivateKey { Certificate.PrivateKey(P256.Signing.PrivateKey()) }
            func name(_ commonName: String) throws -> DistinguishedName {
                try DistinguishedName {
                    OrganizationName("example.org")
                    CommonName(commonName)
                }
            }
            func certificate(
                subject: DistinguishedName, key: Certificate.PrivateKey, issuer: DistinguishedName,
                signedBy issuerKey: Certificate.PrivateKey, extensions: [Certificate.Extension]
            ) throws -> Certificate {
                try Certificate(
                    version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
                    notValidBefore: now - 10, notValidAfter: now + 3600,
                    issuer: issuer, subject: subject,
                    signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(extensions),
                    issuerPrivateKey: issuerKey)
            }
            func ca(_ subject: DistinguishedName, key: Certificate.PrivateKey, issuer: DistinguishedName, signedBy issuerKey: Certificate.PrivateKey) throws -> Certificate {
                try certificate(subject: subject, key: key, issuer: issuer, signedBy: issuerKey, extensions: [
                    try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
                    try Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
                ])
            }
            func makeLeaf(_ path: String, issuer: DistinguishedName, signedBy issuerKey: Certificate.PrivateKey) throws -> Certificate {
                try certificate(subject: DistinguishedName(), key: key(), issuer: issuer, signedBy: issuerKey, extensions: [
                    try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true),
                    try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true),
                    try Certificate.Extension(SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://example.org" + path)]), critical: true),
                ])
            }

            // The bundle's root, and the one it replaces during a CA rotation.
            let rootKey = key(), previousKey = key()
            root = try ca(try name("Exercise root CA"), key: rootKey, issuer: try name("Exercise root CA"), signedBy: rootKey)
            previousRoot = try ca(try name("Exercise root CA (previous)"), key: previousKey,
                                  issuer: try name("Exercise root CA (previous)"), signedBy: previousKey)
            // SPIRE's CA under an UpstreamAuthority: an intermediate signed by the root.
            let intermediateKey = key()
            intermediate = try ca(try name("SPIRE intermediate CA"), key: intermediateKey, issuer: root.subject, signedBy: rootKey)
            leaf = try makeLeaf("/ns/prod/sa/provisioning", issuer: intermediate.subject, signedBy: intermediateKey)
            directLeaf = try makeLeaf("/ns/prod/sa/billing", issuer: root.subject, signedBy: rootKey)
            // Two levels: root → upper → lower → leaf.
            let upperKey = key(), lowerKey = key()
            upperIntermediate = try ca(try name("upstream intermediate CA"), key: upperKey, issuer: root.subject, signedBy: rootKey)
            lowerIntermediate = try ca(try name("SPIRE CA below the upstream intermediate"), key: lowerKey,
                                       issuer: upperIntermediate.subject, signedBy: upperKey)
            deepLeaf = try makeLeaf("/ns/prod/sa/reports", issuer: lowerIntermediate.subject, signedBy: lowerKey)
            let unrelatedKey = key()
            unrelated = try ca(try name("unrelated CA"), key: unrelatedKey, issuer: try name("unrelated CA"), signedBy: unrelatedKey)
            // A whole chain of the peer's own, up to a root the bundle does not hold.
            let rogueRootKey = key(), rogueIntermediateKey = key()
            rogueRoot = try ca(try name("the peer's own root CA"), key: rogueRootKey, issuer: try name("the peer's own root CA"), signedBy: rogueRootKey)
            rogueIntermediate = try ca(try name("intermediate below the peer's own root"), key: rogueIntermediateKey,
                                       issuer: rogueRoot.subject, signedBy: rogueRootKey)
            rogueLeaf = try makeLeaf("/ns/prod/sa/provisioning", issuer: rogueIntermediate.subject, signedBy: rogueIntermediateKey)
            // The intermediate's name and the root's name as issuer, but signed by a key nobody trusts.
            let lookalikeKey = key()
            lookalike = try ca(intermediate.subject, key: lookalikeKey, issuer: root.subject, signedBy: key())
            lookalikeLeaf = try makeLeaf("/ns/prod/sa/provisioning", issuer: intermediate.subject, signedBy: lookalikeKey)
            // Signed by the root, but a leaf-like certificate: cA false.
            let nonCAKey = key()
            nonCA = try certificate(subject: try name("not a CA"), key: nonCAKey, issuer: root.subject, signedBy: rootKey, extensions: [
                try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true),
                try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true),
            ])
            leafBelowNonCA = try makeLeaf("/ns/prod/sa/provisioning", issuer: nonCA.subject, signedBy: nonCAKey)
            // A and B sign each other.
            let loopAKey = key(), loopBKey = key()
            loopA = try ca(try name("loop CA A"), key: loopAKey, issuer: try name("loop CA B"), signedBy: loopBKey)
            loopB = try ca(try name("loop CA B"), key: loopBKey, issuer: try name("loop CA A"), signedBy: loopAKey)
            loopLeaf = try makeLeaf("/ns/prod/sa/provisioning", issuer: loopA.subject, signedBy: loopAKey)
            // The intermediate's name and key, issued earlier by a root that has since left the bundle.
            crossSigned = try ca(intermediate.subject, key: intermediateKey, issuer: try name("retired root CA"), signedBy: key())

            labels = [
                root: "bundle root", previousRoot: "previous root", intermediate: "SPIRE intermediate",
                leaf: "leaf", directLeaf: "leaf signed by the root",
                upperIntermediate: "upper intermediate", lowerIntermediate: "lower intermediate", deepLeaf: "leaf",
                unrelated: "unrelated CA",
                rogueRoot: "peer's own root", rogueIntermediate: "intermediate below the peer's root", rogueLeaf: "leaf",
                lookalike: "lookalike intermediate", lookalikeLeaf: "leaf",
                nonCA: "intermediate with cA false", leafBelowNonCA: "leaf",
                loopA: "loop CA A", loopB: "loop CA B", loopLeaf: "leaf",
                crossSigned: "cross-signed copy of the intermediate",
            ]
        }
    }
}
