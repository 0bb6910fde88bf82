import Crypto
import Foundation
import SpiffeIdentity
import X509

/// The cases for `leaf-key-usage` (Day 3): the key usage rule of check 3, X509-SVID §4.3.
public enum LeafKeyUsageCases {
    public static let exercise = Exercise(
        id: "leaf-key-usage", day: 3, title: "The validator's key-usage check: a leaf SVID's key usage",
        file: "Sources/Exercises/LeafKeyUsage.swift",
        hints: [
            "leaf.extensions[oid: .X509ExtensionID.keyUsage] is the raw extension, nil when there is none; its .critical says whether it is marked critical.",
            "try? KeyUsage(ext) decodes it (nil if it does not parse); its digitalSignature, keyCertSign and cRLSign say what the key may do.",
            "Four ways to fail: no extension, not critical, digitalSignature missing, keyCertSign or cRLSign present. keyEncipherment and keyAgreement are allowed.",
        ])

    /// `implementation` returns nil when the leaf meets the rule, or why it does not.
    public static func cases(_ implementation: @escaping @Sendable (Certificate) throws(ExerciseError) -> String?) -> [GradingCase] {
        func meets(_ name: String, _ leaf: Certificate) -> GradingCase {
            GradingCase(name: name, expected: "nil: the leaf meets the rule") {
                do throws(ExerciseError) {
                    let problem = try implementation(leaf)
                    return problem == nil ? .passed : .failed(got: "a problem: \"\(problem!)\"")
                } catch { return .notDone }
            }
        }
        func breaks(_ name: String, _ leaf: Certificate) -> GradingCase {
            GradingCase(name: name, expected: "a problem: this leaf breaks the rule") {
                do throws(ExerciseError) {
                    return try implementation(leaf) == nil ? .failed(got: "nil (accepted)") : .passed
                } catch { return .notDone }
            }
        }
        let leaves = Leaves.shared
        return [
            meets("key usage as SPIRE issues it: digitalSignature, keyEncipherment, keyAgreement, critical", leaves.spire),
            meets("digitalSignature alone, critical", leaves.digitalSignatureOnly),
            breaks("no key usage extension at all", leaves.noKeyUsage),
            breaks("the right bits, but the extension is not marked critical", leaves.notCritical),
            breaks("keyCertSign set: the leaf's key could sign certificates", leaves.keyCertSign),
            breaks("cRLSign set: the leaf's key could sign revocation lists", leaves.cRLSign),
            breaks("no digitalSignature (keyEncipherment and keyAgreement only): the key cannot sign a TLS handshake", leaves.noDigitalSignature),
            breaks("a Web-PKI-style CA key usage: digitalSignature, keyCertSign and cRLSign", leaves.caLike),
        ]
    }

    /// The leaves, made once per process with one key: only their extensions differ.
    struct Leaves: Sendable {
        let spire, digitalSignatureOnly, noKeyUsage, notCritical, keyCertSign, cRLSign, noDigitalSignature, caLike: Certificate

        static let shared: Leaves = {
            do { return try Leaves() } catch { fatalError("the grader's own test leaves could not be made: \(error)") }
        }()

        init() throws {
            let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
            let id = try SpiffeID("spiffe://example.org/exercise")
            func leaf(_ usage: KeyUsage?, critical: Bool = true) throws -> Certificate {
                var extensions: [Certificate.Extension] = [
                    try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true),
                    try Certificate.Extension(SubjectAlternativeNames([.uniformResourceIdentifier(id.description)]), critical: true),
                ]
                if let usage { extensions.append(try Certificate.Extension(usage, critical: critical)) }
                let now = Date()
                return try Certificate(
                    version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
                    notValidBefore: now - 10, notValidAfter: now + 3600,
                    issuer: try DistinguishedName { CommonName("Exercise CA") }, subject: DistinguishedName(),
                    signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(extensions),
                    issuerPrivateKey: key)
            }
            spire = try leaf(KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true))
            digitalSignatureOnly = try leaf(KeyUsage(digitalSignature: true))
            noKeyUsage = try leaf(nil)
            notCritical = try leaf(KeyUsage(digitalSignature: true), critical: false)
            keyCertSign = try leaf(KeyUsage(digitalSignature: true, keyCertSign: true))
            cRLSign = try leaf(KeyUsage(digitalSignature: true, cRLSign: true))
            noDigitalSignature = try leaf(KeyUsage(keyEncipherment: true, keyAgreement: true))
            caLike = try leaf(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
        }
    }
}
