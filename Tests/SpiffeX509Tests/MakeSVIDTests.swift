import Crypto
import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import SwiftASN1
import Testing
import TestSupport
import X509

@Suite("make-svid: SVIDs shaped as the spec and SPIRE shape them")
struct MakeSVIDTests {
    let web = try! SpiffeID("spiffe://example.org/ns/prod/sa/web")

    @Test("the leaf has exactly the four extensions, an empty subject and SPIRE's timing", arguments: KeyType.allCases)
    func shape(keyType: KeyType) throws {
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down))
        let ca = try CertificateAuthority(trustDomain: exampleOrg, keyType: keyType, now: now)
        let svid = try ca.issueSVID(for: web, keyType: keyType, ttl: 1800, now: now)
        let leaf = svid.leaf
        #expect(svid.spiffeID == web)
        #expect(svid.chain == [leaf])
        #expect(leaf.version == .v3)
        #expect(leaf.subject.isEmpty)
        #expect(leaf.issuer == ca.certificate.subject)
        #expect(leaf.notValidBefore == now - 10)
        #expect(leaf.notValidAfter == now + 1800)
        #expect(leaf.signatureAlgorithm == keyType.signatureAlgorithm)
        #expect(KeyType(of: leaf.publicKey) == keyType)
        #expect(!leaf.serialNumber.bytes.isEmpty && leaf.serialNumber.bytes.count <= 20)

        let extensions = Array(leaf.extensions)
        #expect(extensions.map(\.oid) == [
            .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage,
            .X509ExtensionID.extendedKeyUsage, .X509ExtensionID.subjectAlternativeName,
        ])
        #expect(extensions.map(\.critical) == [true, true, false, true])
        #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
        let usage = try #require(try leaf.extensions.keyUsage)
        #expect(usage.names == ["digitalSignature", "keyEncipherment", "keyAgreement"])
        #expect(try Array(#require(try leaf.extensions.extendedKeyUsage)) == [.serverAuth, .clientAuth])
        #expect(try Array(#require(try leaf.extensions.subjectAlternativeNames)) == [.uniformResourceIdentifier(web.description)])
        #expect(leaf.publicKey == svid.privateKey.publicKey)
    }

    @Test("serial numbers are random, positive and at most 20 octets in DER (RFC 5280 §4.1.2.2)")
    func serials() throws {
        let ca = try CertificateAuthority(trustDomain: exampleOrg)
        let leaves = try (0..<64).map { _ in try ca.issueSVID(for: web).leaf }
        #expect(Set(leaves.map(\.serialNumber)).count == 64)
        for leaf in leaves {
            // The INTEGER as DER writes it: a top bit set would need a 21st, zero octet.
            var serializer = DER.Serializer()
            try serializer.serialize(leaf)
            let reparsed = try Certificate(derEncoded: serializer.serializedBytes)
            #expect(reparsed.serialNumber.bytes.count <= 20 && reparsed.serialNumber.bytes.first.map { $0 & 0x80 == 0 } == true,
                    "\(reparsed.serialNumber)")
        }
        #expect(ca.certificate.serialNumber.bytes.count <= 20 && ca.certificate.serialNumber.bytes[0] & 0x80 == 0)
    }

    @Test("the SVID never outlives its CA")
    func clampedToCA() throws {
        let now = Date()
        let ca = try CertificateAuthority(trustDomain: exampleOrg, ttl: 600, now: now)
        let svid = try ca.issueSVID(for: web, ttl: 3600, now: now)
        #expect(svid.leaf.notValidAfter == ca.certificate.notValidAfter)
    }

    @Test("no SVIDs for the trust domain's root ID or for another trust domain")
    func refusals() throws {
        let ca = try CertificateAuthority(trustDomain: exampleOrg)
        #expect(throws: X509Error.self) { try ca.issueSVID(for: try SpiffeID("spiffe://example.org")) }
        #expect(throws: X509Error.self) { try ca.issueSVID(for: try SpiffeID("spiffe://partner.net/web")) }
    }

    @Test("the CA is a CA: cA true, keyCertSign, its SPIFFE ID without a path")
    func caShape() throws {
        let ca = try CertificateAuthority(trustDomain: exampleOrg)
        #expect(try ca.certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
        #expect(try ca.certificate.extensions.keyUsage?.keyCertSign == true)
        #expect(try CertificateNames.spiffeID(of: ca.certificate).isTrustDomainRoot)
        #expect(ca.bundle.authorities == [ca.certificate])
        #expect(ca.chainAboveLeaf.isEmpty)
    }

    @Test("wire form round trip: DER chain and PKCS#8 key", arguments: KeyType.allCases)
    func wireForm(keyType: KeyType) throws {
        let ca = try CertificateAuthority(trustDomain: exampleOrg, keyType: keyType)
        let svid = try ca.issueSVID(for: web, keyType: keyType)
        let again = try X509SVID(chainDER: try svid.chainDER(), privateKeyDER: try svid.privateKeyDER())
        #expect(again.spiffeID == web)
        #expect(again.chain == svid.chain)
        #expect(again.privateKey.publicKey == svid.privateKey.publicKey)
    }

    @Test("SVIDFiles writes SPIRE's file names; the key is PKCS#8 and 0600", arguments: KeyType.allCases)
    func files(keyType: KeyType) throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "svidfiles")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority(trustDomain: exampleOrg, keyType: keyType)
        let svid = try ca.issueSVID(for: web, keyType: keyType)
        let written = try SVIDFiles.write(X509Context(svids: [svid], bundles: [exampleOrg: ca.bundle]), to: dir)
        #expect(written.map(\.lastPathComponent) == ["svid.0.pem", "svid.0.key", "bundle.0.pem"])
        let keyPath = dir.appendingPathComponent("svid.0.key").path
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let keyText = try String(contentsOfFile: keyPath, encoding: .utf8)
        #expect(keyText.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try PEM.privateKey(from: Data(keyText.utf8), source: keyPath).publicKey == svid.leaf.publicKey)
        let bundle = try PEM.certificates(from: Data(contentsOf: dir.appendingPathComponent("bundle.0.pem")), source: "bundle")
        #expect(bundle == [ca.certificate])
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["bundle.0.pem", "svid.0.key", "svid.0.pem"])
    }

    @Test("a saved CA loads back and signs SVIDs of the same trust domain")
    func saveAndLoad() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "ca")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority(trustDomain: exampleOrg)
        let paths = try ca.save(to: dir)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: paths.key.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let loaded = try CertificateAuthority.load(certificateFile: paths.certificate, keyFile: paths.key, trustDomain: nil)
        #expect(loaded.trustDomain == exampleOrg)
        #expect(loaded.certificate == ca.certificate)
        let svid = try loaded.issueSVID(for: web)
        #expect(await SVIDValidator.validate(chain: svid.chain, bundle: ca.bundle, expect: .any).isValid)
        // The CA names its trust domain; it will not sign for another.
        #expect(throws: X509Error.self) {
            try CertificateAuthority.load(certificateFile: paths.certificate, keyFile: paths.key, trustDomain: partnerNet)
        }
        // Saving again keeps the old key as a backup rather than losing it.
        try CertificateAuthority(trustDomain: exampleOrg).save(to: dir)
        #expect(FileManager.default.fileExists(atPath: paths.key.path + ".bak"))
    }

    @Test("an intermediate CA saved to disk loads with its root, and its SVIDs carry the intermediate")
    func intermediateOnDisk() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "ica")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = try CertificateAuthority(trustDomain: exampleOrg)
        let intermediate = try root.issueIntermediateCA()
        let paths = try intermediate.save(to: dir)
        let loaded = try CertificateAuthority.load(certificateFile: paths.certificate, keyFile: paths.key, trustDomain: nil)
        #expect(loaded.root == root.certificate)
        #expect(loaded.intermediates.isEmpty)
        let svid = try loaded.issueSVID(for: web)
        #expect(svid.chain == [svid.leaf, intermediate.certificate])
        #expect(await SVIDValidator.validate(chain: svid.chain, bundle: root.bundle, expect: .any).isValid)
    }

    @Test("missing files and directories give one-line errors")
    func inputFiles() throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "input")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: X509Error.fileProblem(path: dir.path + "/nope.pem", reason: "no such file")) {
            try InputFile.read(dir.appendingPathComponent("nope.pem"))
        }
        #expect(throws: X509Error.fileProblem(path: dir.path, reason: "is a directory, not a file")) {
            try InputFile.read(dir)
        }
    }
}
