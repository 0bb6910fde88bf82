import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import Testing
import TestSupport
import X509

/// Cross-checks with software nobody here wrote: the openssl CLI.
@Suite("openssl interop")
struct OpenSSLInteropTests {
    let web = try! SpiffeID("spiffe://example.org/web")

    @discardableResult
    func openssl(_ args: [String], in dir: URL) async throws -> String {
        let result = try await TestSupport.run("openssl", args, currentDirectory: dir, deadline: 60)
        #expect(result.status == 0, "openssl \(args.joined(separator: " ")): \(result)")
        return result.stdout + result.stderr
    }

    /// The `X509v3 …` extension headers and the line after each, from `openssl x509 -text`.
    func extensions(ofCertificateAt path: String, in dir: URL) async throws -> [(header: String, value: String)] {
        let lines = try await openssl(["x509", "-in", path, "-noout", "-text"], in: dir)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.indices.filter { lines[$0].hasPrefix("X509v3 ") && lines[$0] != "X509v3 extensions:" }
            .map { (lines[$0], lines[$0 + 1]) }
    }

    @Test("SVIDFiles writes SPIRE's names: svid.N.pem, svid.N.key (0600), bundle.N.pem, federated_bundle.N.M.pem")
    func spireFileNames() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "svid-files")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority(trustDomain: exampleOrg)
        let partner = try CertificateAuthority(trustDomain: try TrustDomain("partner.net"))
        let other = try CertificateAuthority(trustDomain: try TrustDomain("acme.com"))
        let api = try SpiffeID("spiffe://example.org/api")
        let context = X509Context(
            svids: [try ca.issueSVID(for: web), try ca.issueSVID(for: api)],
            bundles: [exampleOrg: ca.bundle, partner.trustDomain: partner.bundle, other.trustDomain: other.bundle])
        let written = try SVIDFiles.write(context, to: dir).map(\.lastPathComponent)
        #expect(Set(written) == [
            "svid.0.pem", "svid.0.key", "bundle.0.pem", "federated_bundle.0.0.pem", "federated_bundle.0.1.pem",
            "svid.1.pem", "svid.1.key", "bundle.1.pem", "federated_bundle.1.0.pem", "federated_bundle.1.1.pem",
        ])
        for n in 0...1 {
            #expect(try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("svid.\(n).key").path)[.posixPermissions] as? Int == 0o600)
            #expect(try await openssl(["verify", "-CAfile", "bundle.\(n).pem", "svid.\(n).pem"], in: dir).contains("OK"))
        }
        #expect(try await openssl(["x509", "-in", "svid.1.pem", "-noout", "-ext", "subjectAltName"], in: dir).contains("URI:spiffe://example.org/api"))
        // Federated bundles in a stable order (by trust domain): M = 0 is acme.com, M = 1 partner.net.
        #expect(try await openssl(["x509", "-in", "federated_bundle.0.0.pem", "-noout", "-ext", "subjectAltName"], in: dir).contains("spiffe://acme.com"))
        #expect(try await openssl(["x509", "-in", "federated_bundle.0.1.pem", "-noout", "-ext", "subjectAltName"], in: dir).contains("spiffe://partner.net"))
    }

    @Test("openssl verify accepts make-svid output, and x509 -text shows exactly the spec's extensions", arguments: KeyType.allCases)
    func verifyAndText(keyType: KeyType) async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "openssl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority(trustDomain: exampleOrg, keyType: keyType)
        let svid = try ca.issueSVID(for: web, keyType: keyType)
        try SVIDFiles.write(X509Context(svids: [svid], bundles: [exampleOrg: ca.bundle]), to: dir)

        let verify = try await openssl(["verify", "-CAfile", "bundle.0.pem", "svid.0.pem"], in: dir)
        #expect(verify.contains("svid.0.pem: OK"))

        let found = try await extensions(ofCertificateAt: "svid.0.pem", in: dir)
        #expect(found.map(\.header) == [
            "X509v3 Basic Constraints: critical",
            "X509v3 Key Usage: critical",
            "X509v3 Extended Key Usage:",
            "X509v3 Subject Alternative Name: critical",
        ])
        #expect(found.map(\.value) == [
            "CA:FALSE",
            "Digital Signature, Key Encipherment, Key Agreement",
            "TLS Web Server Authentication, TLS Web Client Authentication",
            "URI:spiffe://example.org/web",
        ])
        let text = try await openssl(["x509", "-in", "svid.0.pem", "-noout", "-subject"], in: dir)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "subject=")

        // The key file is PKCS#8 that openssl reads, and it belongs to the certificate.
        let keyPublic = try await openssl(["pkey", "-in", "svid.0.key", "-pubout"], in: dir)
        let certPublic = try await openssl(["x509", "-in", "svid.0.pem", "-noout", "-pubkey"], in: dir)
        #expect(keyPublic == certPublic)
    }

    @Test("openssl verify follows an intermediate in the chain file")
    func verifyIntermediate() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "openssl-int")
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = try CertificateAuthority(trustDomain: exampleOrg)
        let svid = try root.issueIntermediateCA().issueSVID(for: web)
        try SVIDFiles.write(X509Context(svids: [svid], bundles: [exampleOrg: root.bundle]), to: dir)
        try Data(try PEM.encode(Array(svid.chain.dropFirst())).utf8).write(to: dir.appendingPathComponent("chain.pem"))
        #expect(try await openssl(["verify", "-CAfile", "bundle.0.pem", "-untrusted", "chain.pem", "svid.0.pem"], in: dir).contains("OK"))
    }

    /// Makes a leaf with openssl: key, CSR with an empty subject, and `x509 -req` with `ext`.
    func opensslLeaf(in dir: URL, name: String, caCert: String, caKey: String, ext: String, curve: String = "P-256") async throws -> String {
        try ext.write(to: dir.appendingPathComponent("\(name).cnf"), atomically: true, encoding: .utf8)
        try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(curve)", "-out", "\(name).key"], in: dir)
        try await openssl(["req", "-new", "-key", "\(name).key", "-subj", "/", "-out", "\(name).csr"], in: dir)
        try await openssl(["x509", "-req", "-in", "\(name).csr", "-CA", caCert, "-CAkey", caKey, "-days", "1",
                     "-extfile", "\(name).cnf", "-extensions", "v3", "-out", "\(name).pem"], in: dir)
        return "\(name).pem"
    }

    static let goodExtensions = """
        [v3]
        subjectAltName=critical,URI:spiffe://example.org/web
        keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement
        extendedKeyUsage=serverAuth,clientAuth
        basicConstraints=critical,CA:FALSE
        """

    @Test("a leaf built by openssl, signed by our CA, passes all six checks")
    func opensslLeafPasses() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "openssl-leaf")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority(trustDomain: exampleOrg)
        let paths = try ca.save(to: dir)
        let leaf = try await opensslLeaf(in: dir, name: "leaf", caCert: paths.certificate.path, caKey: paths.key.path, ext: Self.goodExtensions)
        let data = try Data(contentsOf: dir.appendingPathComponent(leaf))
        let report = await SVIDValidator.validate(data: data, source: leaf, bundles: ca.bundle, expect: .id(web))
        #expect(report.isValid, "\(report.lines)")
    }

    @Test("openssl's own root and intermediate CA, openssl's leaf: passes, with the intermediate from the file")
    func opensslChainPasses() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "openssl-chain")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "root.key"], in: dir)
        try await openssl(["req", "-x509", "-new", "-key", "root.key", "-subj", "/O=Test/CN=openssl root", "-days", "2",
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                     "-out", "root.pem"], in: dir)
        let caExtensions = "[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectAltName=URI:spiffe://example.org\n"
        try caExtensions.write(to: dir.appendingPathComponent("ica.cnf"), atomically: true, encoding: .utf8)
        try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ica.key"], in: dir)
        try await openssl(["req", "-new", "-key", "ica.key", "-subj", "/O=Test/CN=openssl intermediate", "-out", "ica.csr"], in: dir)
        try await openssl(["x509", "-req", "-in", "ica.csr", "-CA", "root.pem", "-CAkey", "root.key", "-days", "1",
                     "-extfile", "ica.cnf", "-extensions", "v3", "-out", "ica.pem"], in: dir)
        let leaf = try await opensslLeaf(in: dir, name: "leaf", caCert: "ica.pem", caKey: "ica.key", ext: Self.goodExtensions)

        let root = try PEM.certificates(from: Data(contentsOf: dir.appendingPathComponent("root.pem")), source: "root.pem")
        let chainData = try Data(contentsOf: dir.appendingPathComponent(leaf)) + Data(contentsOf: dir.appendingPathComponent("ica.pem"))
        let bundle = X509Bundle(trustDomain: exampleOrg, authorities: root)
        let report = await SVIDValidator.validate(data: chainData, source: "chain", bundles: bundle, expect: .memberOf(exampleOrg))
        #expect(report.isValid, "\(report.lines)")
        #expect(report.validatedChain.count == 3)
        // Without the intermediate, check 5 names the missing issuer.
        let alone = await SVIDValidator.validate(data: try Data(contentsOf: dir.appendingPathComponent(leaf)), source: leaf, bundles: bundle, expect: .any)
        #expect(alone.failure?.check == .chain)
        #expect(alone.failure?.reason.contains("openssl intermediate") == true, "\(alone.lines)")
    }

    @Test("openssl-made bad leaves are rejected by the right check", arguments: [
        ("no URI SAN", "subjectAltName=critical,DNS:web.example.org\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE", SVIDCheck.spiffeID),
        ("two URI SANs", "subjectAltName=critical,URI:spiffe://example.org/a,URI:spiffe://example.org/b\nkeyUsage=critical,digitalSignature", .spiffeID),
        ("non-spiffe URI", "subjectAltName=critical,URI:https://example.org/web\nkeyUsage=critical,digitalSignature", .spiffeID),
        ("root path", "subjectAltName=critical,URI:spiffe://example.org\nkeyUsage=critical,digitalSignature", .spiffeID),
        ("cA true", "subjectAltName=critical,URI:spiffe://example.org/web\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:TRUE", .leafConstraints),
        ("keyCertSign", "subjectAltName=critical,URI:spiffe://example.org/web\nkeyUsage=critical,digitalSignature,keyCertSign", .keyUsage),
        ("cRLSign", "subjectAltName=critical,URI:spiffe://example.org/web\nkeyUsage=critical,digitalSignature,cRLSign", .keyUsage),
        ("missing digitalSignature", "subjectAltName=critical,URI:spiffe://example.org/web\nkeyUsage=critical,keyEncipherment", .keyUsage),
    ])
    func opensslBadLeaves(name: String, ext: String, check: SVIDCheck) async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "openssl-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority(trustDomain: exampleOrg)
        let paths = try ca.save(to: dir)
        let leaf = try await opensslLeaf(in: dir, name: "bad", caCert: paths.certificate.path, caKey: paths.key.path, ext: "[v3]\n" + ext + "\n")
        let report = await SVIDValidator.validate(data: try Data(contentsOf: dir.appendingPathComponent(leaf)), source: name, bundles: ca.bundle, expect: .any)
        #expect(report.failure?.check == check, "\(name): \(report.lines)")
    }

    @Test("SvidInfo's serial, fingerprint and dates agree with openssl")
    func infoMatchesOpenSSL() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "openssl-info")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority(trustDomain: exampleOrg, keyType: .rsa2048)
        let svid = try ca.issueSVID(for: web, keyType: .p384)
        try SVIDFiles.write(X509Context(svids: [svid], bundles: [exampleOrg: ca.bundle]), to: dir)
        let info = try SvidInfo(chain: svid.chain, bundle: ca.bundle)

        let serial = try await openssl(["x509", "-in", "svid.0.pem", "-noout", "-serial"], in: dir)
        #expect(serial.trimmingCharacters(in: .whitespacesAndNewlines) == "serial=" + info.leaf.serial.replacingOccurrences(of: ":", with: "").uppercased())
        let fingerprint = try await openssl(["x509", "-in", "svid.0.pem", "-noout", "-fingerprint", "-sha256"], in: dir)
        #expect(fingerprint.trimmingCharacters(in: .whitespacesAndNewlines) == "sha256 Fingerprint=" + info.leaf.sha256Fingerprint)
        let caFingerprint = try await openssl(["x509", "-in", "bundle.0.pem", "-noout", "-fingerprint", "-sha256"], in: dir)
        #expect(caFingerprint.contains(try #require(info.bundle?.first?.sha256Fingerprint)))
        let text = try await openssl(["x509", "-in", "svid.0.pem", "-noout", "-text"], in: dir)
        #expect(text.contains("Signature Algorithm: \(info.leaf.signatureAlgorithm)"))   // sha256WithRSAEncryption
        #expect(text.contains("Public-Key: (\(info.leaf.keySizeBits) bit)"))
        #expect(text.contains("NIST CURVE: P-384") && info.leaf.keyType == "EC P-384")
        let endDate = try await openssl(["x509", "-in", "svid.0.pem", "-noout", "-enddate", "-dateopt", "iso_8601"], in: dir)
        // openssl prints "notAfter=2025-01-31 12:00:00Z"
        #expect(endDate.contains(TimeText.iso(info.leaf.notAfter).replacingOccurrences(of: "T", with: " ")))
    }
}
