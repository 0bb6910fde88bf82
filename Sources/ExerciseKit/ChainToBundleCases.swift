import Crypto
import Foundation
import X509

/// The cases for `chain-to-bundle` (Day 17): the path from a leaf up to a CA of its bundle, built
/// by hand with RFC 5280's tests on every certificate that signs (§6.1.3, §6.1.4(k) and (n)).
public enum ChainToBundleCases {
    public static let exercise = Exercise(
        id: "chain-to-bundle", day: 17, title: "Build the path from the leaf to the bundle",
        file: "Sources/Exercises/ChainToBundle.swift",
        hints: [
            "A name is only a label its issuer wrote. Find the candidate by its subject, then ask the candidate's public key whether it made the current certificate's signature: Certificate.PublicKey has a method for exactly that question.",
            "Before a certificate may sign the one below it, RFC 5280 asks it three things (§6.1.3, §6.1.4). The extensions' basicConstraints and keyUsage answer two of them; `time`, not the clock, answers the third.",
            "At every step, look in the bundle before the presented list. And know what may never join a path: a certificate already in it, and one more than maximumLength allows, the bundle CA counted.",
        ])

    /// `implementation` gets the leaf, the presented certificates, the bundle's CAs, the
    /// validation time and the maximum length, and returns the path (leaf first) or nil.
    public static func cases(
        _ implementation: @escaping @Sendable (Certificate, [Certificate], [Certificate], Date, Int) throws(ExerciseError) -> [Certificate]?
    ) -> [GradingCase] {
        let pki = PKI.shared
        func build(
            _ name: String, _ leaf: Certificate, presented: [Certificate], bundle: [Certificate],
            at when: Date? = nil, maximumLength: Int = 8, expect expected: [Certificate]?
        ) -> GradingCase {
            let time = when ?? pki.now
            return GradingCase(name: name, expected: ChainToBundleCases.describe(expected)) {
                do throws(ExerciseError) {
                    let got = try implementation(leaf, presented, bundle, time, maximumLength)
                    return got == expected ? .passed : .failed(got: ChainToBundleCases.describe(got))
                } catch { return .notDone }
            }
        }
        let root = pki.root, intermediate = pki.intermediate
        return [
            build("a leaf signed by the bundle's CA itself, as SPIRE's self-signed CA signs them",
                  pki.direct, presented: [], bundle: [root], expect: [pki.direct, root]),
            build("a leaf, one intermediate and the bundle's root, as under an UpstreamAuthority",
                  pki.underIntermediate, presented: [intermediate], bundle: [root],
                  expect: [pki.underIntermediate, intermediate, root]),
            build("the peer also sent the root after its intermediate",
                  pki.underIntermediate, presented: [intermediate, root], bundle: [root],
                  expect: [pki.underIntermediate, intermediate, root]),
            build("two intermediates sent out of order beside an unrelated CA, in a path exactly maximumLength (4) long",
                  pki.underLower, presented: [intermediate, pki.unrelated, pki.lower], bundle: [root], maximumLength: 4,
                  expect: [pki.underLower, pki.lower, intermediate, root]),
            build("only the leaf was sent, not the intermediate that signed it",
                  pki.underIntermediate, presented: [], bundle: [root], expect: nil),
            build("the leaf's issuer has the bundle CA's name, but another key signed it",
                  pki.impostorSigned, presented: [], bundle: [root], expect: nil),
            build("the peer sent its own self-signed root, which is not in the bundle",
                  pki.underPeerRoot, presented: [pki.peerRoot], bundle: [root], expect: nil),
            build("a leaf forged with the key of a real leaf SVID (cA false), sent along with it",
                  pki.forgedByLeaf, presented: [pki.realLeaf], bundle: [root], expect: nil),
            build("an issuer whose key usage has keyCertSign, but whose basic constraints say cA false",
                  pki.underKeyCertSignNotCA, presented: [pki.keyCertSignNotCA], bundle: [root], expect: nil),
            build("an issuer with cA true, whose key usage lacks keyCertSign",
                  pki.underCAWithoutKeyCertSign, presented: [pki.caWithoutKeyCertSign], bundle: [root], expect: nil),
            build("the intermediate expired an hour ago, though the leaf is still valid",
                  pki.underExpiredIntermediate, presented: [pki.expiredIntermediate], bundle: [root], expect: nil),
            build("the same chain validated at a time two days ago, when the intermediate was still valid",
                  pki.underExpiredIntermediate, presented: [pki.expiredIntermediate], bundle: [root],
                  at: pki.now - 2 * 24 * 3600,
                  expect: [pki.underExpiredIntermediate, pki.expiredIntermediate, root]),
            build("the bundle's only CA expired yesterday",
                  pki.underExpiredRoot, presented: [], bundle: [pki.expiredRoot], expect: nil),
            build("a path of four certificates when maximumLength is 3",
                  pki.underLower, presented: [pki.lower, intermediate], bundle: [root], maximumLength: 3, expect: nil),
            build("two CAs that name each other as issuer: a loop that never reaches the bundle",
                  pki.underLoop, presented: [pki.loopA, pki.loopB], bundle: [root], expect: nil),
        ]
    }

    /// A path as its certificates' names, leaf first: `leaf under the intermediate <- SPIRE
    /// intermediate CA <- Bundle root CA`.
    static func describe(_ path: [Certificate]?) -> String {
        guard let path else { return "nil: no path reaches the bundle" }
        return path.map { String(describing: $0.subject).replacingOccurrences(of: "CN=", with: "") }.joined(separator: " <- ")
    }

    /// One small PKI, made once per process: a bundle root, intermediates below it, leaves, and
    /// the impostors and misfits the adversarial cases need. Each certificate's subject is a CN
    /// that says what it is, so a failure reads as a path of names.
    struct PKI: Sendable {
        let now: Date
        let root, intermediate, lower, unrelated: Certificate
        let direct, underIntermediate, underLower: Certificate
        let impostorSigned, peerRoot, underPeerRoot: Certificate
        let realLeaf, forgedByLeaf: Certificate
        let keyCertSignNotCA, underKeyCertSignNotCA, caWithoutKeyCertSign, underCAWithoutKeyCertSign: Certificate
        let expiredIntermediate, underExpiredIntermediate, expiredRoot, underExpiredRoot: Certificate
        let loopA, loopB, underLoop: Certificate

        static let shared: PKI = {
            do { return try PKI() } catch { fatalError("the grader's own test certificates could not be made: \(error)") }
        }()

        init() throws {
            let now = Date()
            self.now = now
            let hour: TimeInterval = 3600
            let day: TimeInterval = 24 * hour
            let caUsage = KeyUsage(keyCertSign: true, cRLSign: true)
            let leafUsage = KeyUsage(digitalSignature: true)
            let leafKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
            func newKey() -> Certificate.PrivateKey { Certificate.PrivateKey(P256.Signing.PrivateKey()) }
            /// A certificate named `subject` for `key`, naming `issuer` and signed by `signer`
            /// (by default its own name and key: self-signed).
            func certificate(
                _ subject: String, key: Certificate.PrivateKey, issuer: String? = nil, signer: Certificate.PrivateKey? = nil,
                ca: Bool, usage: KeyUsage, from notBefore: Date, until notAfter: Date
            ) throws -> Certificate {
                var extensions: [Certificate.Extension] = [
                    try Certificate.Extension(
                        ca ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : BasicConstraints.notCertificateAuthority,
                        critical: true),
                    try Certificate.Extension(usage, critical: true),
                ]
                if !ca {
                    extensions.append(try Certificate.Extension(
                        SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://example.org/exercise")]), critical: false))
                }
                return try Certificate(
                    version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
                    notValidBefore: notBefore, notValidAfter: notAfter,
                    issuer: try DistinguishedName { CommonName(issuer ?? subject) },
                    subject: try DistinguishedName { CommonName(subject) },
                    signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(extensions),
                    issuerPrivateKey: signer ?? key)
            }
            /// A leaf SVID valid for an hour (or from `notBefore`), issued under `issuer`'s name by `signer`.
            func leaf(_ subject: String, under issuer: String, signedBy signer: Certificate.PrivateKey, from notBefore: Date? = nil) throws -> Certificate {
                try certificate(subject, key: leafKey, issuer: issuer, signer: signer, ca: false, usage: leafUsage,
                                from: notBefore ?? now - 10, until: now + hour)
            }

            // The bundle's root, an intermediate below it (SPIRE's CA under an UpstreamAuthority),
            // and a second intermediate below that one.
            let rootKey = newKey(), intermediateKey = newKey(), lowerKey = newKey()
            root = try certificate("Bundle root CA", key: rootKey, ca: true, usage: caUsage, from: now - 30 * day, until: now + 30 * day)
            intermediate = try certificate("SPIRE intermediate CA", key: intermediateKey, issuer: "Bundle root CA", signer: rootKey,
                                           ca: true, usage: caUsage, from: now - day, until: now + day)
            lower = try certificate("Lower intermediate CA", key: lowerKey, issuer: "SPIRE intermediate CA", signer: intermediateKey,
                                    ca: true, usage: caUsage, from: now - day, until: now + day)
            unrelated = try certificate("Unrelated CA", key: newKey(), ca: true, usage: caUsage, from: now - day, until: now + day)
            direct = try leaf("leaf signed by the root", under: "Bundle root CA", signedBy: rootKey)
            underIntermediate = try leaf("leaf under the intermediate", under: "SPIRE intermediate CA", signedBy: intermediateKey)
            underLower = try leaf("leaf two intermediates down", under: "Lower intermediate CA", signedBy: lowerKey)

            // Names that lie: the bundle CA's name over another key, and the peer's own root.
            impostorSigned = try leaf("leaf signed by an impostor key", under: "Bundle root CA", signedBy: newKey())
            let peerRootKey = newKey()
            peerRoot = try certificate("Peer's own root CA", key: peerRootKey, ca: true, usage: caUsage, from: now - day, until: now + day)
            underPeerRoot = try leaf("leaf under the peer's own root", under: "Peer's own root CA", signedBy: peerRootKey)

            // Signers that are no CA, or half of one.
            let realLeafKey = newKey()
            realLeaf = try certificate("real leaf SVID", key: realLeafKey, issuer: "Bundle root CA", signer: rootKey,
                                       ca: false, usage: leafUsage, from: now - 10, until: now + hour)
            forgedByLeaf = try leaf("leaf forged with another leaf's key", under: "real leaf SVID", signedBy: realLeafKey)
            let keyCertSignKey = newKey()
            keyCertSignNotCA = try certificate("keyCertSign but cA false", key: keyCertSignKey, issuer: "Bundle root CA", signer: rootKey,
                                               ca: false, usage: KeyUsage(digitalSignature: true, keyCertSign: true),
                                               from: now - day, until: now + day)
            underKeyCertSignNotCA = try leaf("leaf under a signer that is not a CA", under: "keyCertSign but cA false", signedBy: keyCertSignKey)
            let noKeyCertSignKey = newKey()
            caWithoutKeyCertSign = try certificate("cA true but no keyCertSign", key: noKeyCertSignKey, issuer: "Bundle root CA", signer: rootKey,
                                                   ca: true, usage: KeyUsage(digitalSignature: true), from: now - day, until: now + day)
            underCAWithoutKeyCertSign = try leaf("leaf under a CA without keyCertSign", under: "cA true but no keyCertSign", signedBy: noKeyCertSignKey)

            // Time: an intermediate that expired an hour ago (its leaf, valid for three days, has
            // not), and a bundle CA that expired yesterday.
            let expiredKey = newKey()
            expiredIntermediate = try certificate("Expired intermediate CA", key: expiredKey, issuer: "Bundle root CA", signer: rootKey,
                                                  ca: true, usage: caUsage, from: now - 3 * day, until: now - hour)
            underExpiredIntermediate = try leaf("leaf under the expired intermediate", under: "Expired intermediate CA",
                                                signedBy: expiredKey, from: now - 3 * day)
            let expiredRootKey = newKey()
            expiredRoot = try certificate("Expired bundle CA", key: expiredRootKey, ca: true, usage: caUsage, from: now - 30 * day, until: now - day)
            underExpiredRoot = try leaf("leaf under the expired bundle CA", under: "Expired bundle CA", signedBy: expiredRootKey)

            // Two CAs that signed each other: a path builder without a guard goes round forever.
            let loopAKey = newKey(), loopBKey = newKey()
            loopA = try certificate("Loop CA A", key: loopAKey, issuer: "Loop CA B", signer: loopBKey,
                                    ca: true, usage: caUsage, from: now - day, until: now + day)
            loopB = try certificate("Loop CA B", key: loopBKey, issuer: "Loop CA A", signer: loopAKey,
                                    ca: true, usage: caUsage, from: now - day, until: now + day)
            underLoop = try leaf("leaf under the loop", under: "Loop CA A", signedBy: loopAKey)
        }
    }
}
