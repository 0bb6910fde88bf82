import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import Testing
import TestSupport

/// spiffe-demo make-svid / inspect / validate, driven as a learner drives them: the real binary,
/// real files, and openssl as the independent judge.
@Suite("spiffe-demo make-svid, inspect, validate")
struct X509CLITests {
    /// A scratch directory and the commands run in it.
    struct Scratch {
        let dir: URL

        init() throws { dir = try TestSupport.makeTempDirectory(prefix: "x509-cli") }

        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        @discardableResult
        func demo(_ args: String...) async throws -> TestSupport.ProcessResult {
            try await demo(args)
        }

        @discardableResult
        func demo(_ args: [String]) async throws -> TestSupport.ProcessResult {
            try await TestSupport.run("spiffe-demo", args, currentDirectory: dir, deadline: 120)
        }

        /// Runs spiffe-demo and requires exit 0.
        @discardableResult
        func ok(_ args: String...) async throws -> TestSupport.ProcessResult {
            let result = try await demo(args)
            #expect(result.status == 0, "spiffe-demo \(args.joined(separator: " ")): \(result)")
            return result
        }

        @discardableResult
        func openssl(_ args: String...) async throws -> String {
            let result = try await TestSupport.run("openssl", args, currentDirectory: dir, deadline: 60)
            #expect(result.status == 0, "openssl \(args.joined(separator: " ")): \(result)")
            return result.stdout + result.stderr
        }

        func write(_ name: String, _ data: Data) throws {
            try data.write(to: dir.appendingPathComponent(name))
        }

        /// A leaf made by openssl (key, CSR with an empty subject, x509 -req) with `extensions`.
        func opensslLeaf(_ name: String, caCert: String, caKey: String, extensions: String) async throws {
            try write("\(name).cnf", Data(("[v3]\n" + extensions + "\n").utf8))
            try await openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(name).key")
            try await openssl("req", "-new", "-key", "\(name).key", "-subj", "/", "-out", "\(name).csr")
            try await openssl("x509", "-req", "-in", "\(name).csr", "-CA", caCert, "-CAkey", caKey, "-days", "1",
                        "-extfile", "\(name).cnf", "-extensions", "v3", "-out", "\(name).pem")
        }

        func remove() { try? FileManager.default.removeItem(at: dir) }
    }

    static let goodExtensions = """
        subjectAltName=critical,URI:spiffe://example.org/web
        keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement
        extendedKeyUsage=serverAuth,clientAuth
        basicConstraints=critical,CA:FALSE
        """

    // MARK: make-svid

    @Test("make-svid --out writes SPIRE's files; openssl verifies them and sees exactly the spec's extensions")
    func makeSVID() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let result = try await s.ok("make-svid", "spiffe://example.org/web", "--out", "out", "--save-ca", "ca")
        #expect(result.stdout.contains("SPIFFE ID            spiffe://example.org/web"))
        #expect(!result.stdout.contains("PRIVATE KEY") && !result.stderr.contains("PRIVATE KEY"))
        for (file, mode) in [("out/svid.0.pem", 0o644), ("out/svid.0.key", 0o600), ("out/bundle.0.pem", 0o644), ("ca/ca.key", 0o600)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: s.path(file))
            #expect(attributes[.posixPermissions] as? Int == mode, "\(file)")
        }
        #expect(try String(contentsOfFile: s.path("out/svid.0.key"), encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        await #expect(try s.openssl("verify", "-CAfile", "out/bundle.0.pem", "out/svid.0.pem").contains("out/svid.0.pem: OK"))

        let text = try await s.openssl("x509", "-in", "out/svid.0.pem", "-noout", "-text")
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let headers = text.indices.filter { text[$0].hasPrefix("X509v3 ") && text[$0] != "X509v3 extensions:" }
        #expect(headers.map { text[$0] } == [
            "X509v3 Basic Constraints: critical", "X509v3 Key Usage: critical",
            "X509v3 Extended Key Usage:", "X509v3 Subject Alternative Name: critical",
        ])
        #expect(headers.map { text[$0 + 1] } == [
            "CA:FALSE", "Digital Signature, Key Encipherment, Key Agreement",
            "TLS Web Server Authentication, TLS Web Client Authentication", "URI:spiffe://example.org/web",
        ])
        #expect(text.contains("Subject:"))   // openssl prints an empty subject as "Subject: "
        // The private key belongs to the certificate.
        await #expect(try s.openssl("pkey", "-in", "out/svid.0.key", "-pubout") == s.openssl("x509", "-in", "out/svid.0.pem", "-noout", "-pubkey"))
    }

    @Test("several SVIDs share one trust domain through --save-ca and --ca-cert/--ca-key")
    func sharedCA() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try await s.ok("make-svid", "spiffe://example.org/a", "--out", "a", "--save-ca", "ca")
        try await s.ok("make-svid", "spiffe://example.org/b", "--out", "b", "--ca-cert", "ca/ca.pem", "--ca-key", "ca/ca.key")
        #expect(try Data(contentsOf: s.dir.appendingPathComponent("a/bundle.0.pem")) == Data(contentsOf: s.dir.appendingPathComponent("b/bundle.0.pem")))
        await #expect(try s.openssl("verify", "-CAfile", "a/bundle.0.pem", "b/svid.0.pem").contains("OK"))
        let validated = try await s.ok("validate", "b/svid.0.pem", "--bundle", "a/bundle.0.pem", "--expect-id", "spiffe://example.org/b")
        #expect(validated.stdout.contains("VALID: spiffe://example.org/b passed all six checks"))
        // A CA of example.org will not sign for partner.net.
        let refused = try await s.demo("make-svid", "spiffe://partner.net/x", "--ca-cert", "ca/ca.pem", "--ca-key", "ca/ca.key")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("is the CA of trust domain example.org, not of partner.net"))
    }

    @Test("--key-type picks the algorithm of CA and leaf", arguments: [
        ("ec-p256", "NIST CURVE: P-256"), ("p384", "NIST CURVE: P-384"), ("rsa-2048", "Public-Key: (2048 bit)"), ("rsa2048", "sha256WithRSAEncryption"),
    ])
    func keyTypes(keyType: String, opensslSays: String) async throws {
        let s = try Scratch()
        defer { s.remove() }
        try await s.ok("make-svid", "spiffe://example.org/web", "--key-type", keyType, "--out", "out")
        await #expect(try s.openssl("x509", "-in", "out/svid.0.pem", "-noout", "-text").contains(opensslSays))
        await #expect(try s.openssl("verify", "-CAfile", "out/bundle.0.pem", "out/svid.0.pem").contains("OK"))
    }

    @Test("--ttl accepts 1h, 30m, 90s, 1h30m; notBefore is 10 s in the past", arguments: [("1h", 3600), ("30m", 1800), ("90s", 90), ("1h30m", 5400)])
    func ttl(text: String, seconds: Int) async throws {
        let s = try Scratch()
        defer { s.remove() }
        let result = try await s.ok("make-svid", "spiffe://example.org/web", "--ttl", text, "--json")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let info = try decoder.decode(SvidInfo.self, from: Data(result.stdout.utf8))
        #expect(info.leaf.notAfter.timeIntervalSince(info.leaf.notBefore) == TimeInterval(seconds + 10))
        #expect(abs(info.leaf.notBefore.timeIntervalSince(info.inspectedAt) + 10) <= 1)
        // The 24h CA outlives every one of these: no note about a lifetime cut short.
        #expect(!result.stderr.contains("cut to end"), "\(result.stderr)")
    }

    @Test("an SVID that would outlive its CA is cut to the CA's end, and the learner is told")
    func ttlCutByCA() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let result = try await s.ok("make-svid", "spiffe://example.org/web", "--ttl", "2h", "--ca-ttl", "1h", "--json")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let info = try decoder.decode(SvidInfo.self, from: Data(result.stdout.utf8))
        let ca = try #require(info.bundle?.first)
        #expect(info.leaf.notAfter == ca.notAfter)
        #expect(result.stderr.contains("so the SVID's lifetime was cut to end then"), "\(result.stderr)")
    }

    @Test("command-line mistakes are one line naming the mistake and where the help is; --help still prints help", arguments: [
        (["make-svid"], "Missing expected argument '<spiffe-id>'", "spiffe-demo make-svid --help"),
        (["validate", "x.pem", "--bogus"], "Unknown option '--bogus'", "spiffe-demo validate --help"),
        (["make-svid", "spiffe://example.org/web", "--key-type"], "Missing value for '--key-type <type>'", "spiffe-demo make-svid --help"),
    ])
    func parseErrorsAreOneLine(args: [String], message: String, help: String) async throws {
        let s = try Scratch()
        defer { s.remove() }
        let result = try await s.demo(args)
        #expect(result.status == 64, "\(result)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("spiffe-demo: \(message)"), "\(result.stderr)")
        #expect(result.stderr.contains("(see '\(help)')"), "\(result.stderr)")
        let helpText = try await s.demo(args[0], "--help")
        #expect(helpText.status == 0)
        #expect(helpText.stdout.contains("USAGE: spiffe-demo \(args[0])"))
    }

    @Test("a damaged CA key file is refused without a byte of the key in the message; a truncated PEM gets a reason in words")
    func damagedFilesKeepSecretsAndSpeakPlainly() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try await s.ok("make-svid", "spiffe://example.org/web", "--out", "out", "--save-ca", "ca")
        let key = try String(contentsOfFile: s.path("ca/ca.key"), encoding: .utf8)
        let keyLines = key.split(separator: "\n")
        // The BEGIN line and the first two base64 lines, no END line.
        try Data((keyLines.prefix(3).joined(separator: "\n") + "\n").utf8).write(to: s.dir.appendingPathComponent("cut.key"))
        let refused = try await s.demo("make-svid", "spiffe://example.org/x", "--ca-cert", "ca/ca.pem", "--ca-key", "cut.key")
        #expect(refused.status == 1)
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("cut.key: not a usable private key: a -----BEGIN----- line without its matching -----END----- line"), "\(refused.stderr)")
        for line in keyLines.dropFirst().prefix(2) {
            #expect(!refused.stderr.contains(line.prefix(16)), "key material in the error: \(refused.stderr)")
            #expect(!refused.stdout.contains(line.prefix(16)))
        }

        let certificate = try String(contentsOfFile: s.path("out/svid.0.pem"), encoding: .utf8)
        try Data((certificate + "-----BEGIN CERTIFICATE-----\nMIIB\n").utf8).write(to: s.dir.appendingPathComponent("trunc.pem"))
        let truncated = try await s.demo("inspect", "trunc.pem")
        #expect(truncated.status == 1)
        #expect(truncated.stderr == "spiffe-demo: trunc.pem: not valid PEM: a -----BEGIN----- line without its matching -----END----- line, a second block inside one, or a body that is not base64\n", "\(truncated.stderr)")

        // A key pasted twice is two blocks, and said so, without a byte of either.
        try Data((key + key).utf8).write(to: s.dir.appendingPathComponent("twice.key"))
        let twice = try await s.demo("make-svid", "spiffe://example.org/x", "--ca-cert", "ca/ca.pem", "--ca-key", "twice.key")
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("twice.key: not a usable private key: it holds 2 PEM blocks ('PRIVATE KEY', 'PRIVATE KEY'); a key file holds exactly one"), "\(twice.stderr)")
        for line in keyLines.dropFirst().prefix(2) {
            #expect(!twice.stderr.contains(line.prefix(16)), "key material in the error: \(twice.stderr)")
        }

        // A certificate whose key is of no supported algorithm: words, not the library's file:line.
        try await s.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-keyout", "ed.key", "-nodes", "-subj", "/CN=k1", "-days", "1",
                      "-addext", "subjectAltName=URI:spiffe://example.org/ed", "-out", "ed.pem")
        let ed = try await s.demo("inspect", "ed.pem")
        #expect(ed.status == 1, "\(ed)")
        #expect(!ed.stderr.contains(".swift:") && !ed.stderr.contains("CertificateError"), "\(ed.stderr)")
    }

    @Test("make-svid --out naming a file is refused before anything is printed")
    func outIsAFile() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try Data("x".utf8).write(to: s.dir.appendingPathComponent("taken"))
        let result = try await s.demo("make-svid", "spiffe://example.org/web", "--out", "taken")
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        #expect(result.stderr.contains("--out taken is a file"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    // MARK: inspect

    @Test("inspect prints the table; --json is one object with the same data; both agree with openssl")
    func inspect() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try await s.ok("make-svid", "spiffe://example.org/web", "--out", "out")
        let table = try await s.ok("inspect", "out/svid.0.pem", "--bundle", "out/bundle.0.pem").stdout
        let json = try await s.ok("inspect", "out/svid.0.pem", "--bundle", "out/bundle.0.pem", "--json").stdout
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let info = try decoder.decode(SvidInfo.self, from: Data(json.utf8))
        #expect(info.spiffeID == "spiffe://example.org/web")
        #expect(info.bundle?.count == 1)
        for value in [info.leaf.serial, info.leaf.sha256Fingerprint, info.leaf.issuer, TimeText.iso(info.leaf.notAfter),
                      "EC P-256, 256 bits", "ecdsa-with-SHA256", "URI:spiffe://example.org/web (critical)",
                      "digitalSignature, keyEncipherment, keyAgreement (critical)", "serverAuth, clientAuth",
                      "CA=FALSE (critical)", "Chain length", try #require(info.bundle?.first?.sha256Fingerprint)] {
            #expect(table.contains(value), "table lacks \(value)")
        }
        let fingerprint = try await s.openssl("x509", "-in", "out/svid.0.pem", "-noout", "-fingerprint", "-sha256")
        #expect(fingerprint.contains(info.leaf.sha256Fingerprint))
        // Without --bundle, the bundle.0.pem next to svid.0.pem is used, and the learner is told.
        let sibling = try await s.ok("inspect", "out/svid.0.pem")
        // Equal but for the time left on the leaf and the CAs, which may tick between the runs.
        func timeless(_ text: String) -> [String] {
            text.split(separator: "\n").filter { !$0.hasPrefix("Time left") }.map { line in
                guard let range = line.range(of: ": valid, ") else { return String(line) }
                return String(line[..<range.upperBound])
            }
        }
        #expect(timeless(sibling.stdout) == timeless(table))
        #expect(sibling.stdout.contains("Time left"))
        #expect(sibling.stderr.contains("bundle.0.pem"))
    }

    @Test("inspect --live says it needs a Workload API endpoint, in one line")
    func inspectLive() async throws {
        let s = try Scratch()
        defer { s.remove() }
        let result = try await TestSupport.run("spiffe-demo", ["inspect", "--live"], unsetting: ["SPIFFE_ENDPOINT_SOCKET"], currentDirectory: s.dir)
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("endpoint"))
        #expect(result.stdout.isEmpty)
    }

    // MARK: validate

    @Test("validate: six PASS lines and exit 0; --at, --expect-id, --expect-td fail the right check with exit 1")
    func validate() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try await s.ok("make-svid", "spiffe://example.org/web", "--out", "out")
        let good = try await s.ok("validate", "out/svid.0.pem", "--bundle", "out/bundle.0.pem", "--expect-td", "example.org")
        let lines = good.stdout.split(separator: "\n")
        #expect(lines.count == 7)
        for n in 1...6 { #expect(lines[n - 1].hasPrefix("PASS \(n) ")) }
        #expect(lines[6].hasPrefix("VALID"))

        for (args, check) in [
            (["--at", "+2h"], 4), (["--at", "-1h"], 4), (["--expect-id", "spiffe://example.org/db"], 6), (["--expect-td", "partner.net"], 6),
        ] {
            let result = try await s.demo(["validate", "out/svid.0.pem", "--bundle", "out/bundle.0.pem"] + args)
            #expect(result.status == 1, "\(args): \(result)")
            #expect(result.stdout.contains("FAIL \(check) "), "\(args): \(result)")
            #expect(result.stdout.contains("REJECTED by check \(check)"), "\(args): \(result)")
        }
        let json = try await s.demo("validate", "out/svid.0.pem", "--bundle", "out/bundle.0.pem", "--at", "+2h", "--json")
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        #expect((object["checks"] as? [Any])?.count == 6)
    }

    @Test("a leaf made by openssl itself, signed by make-svid's CA, passes validate")
    func opensslLeafPasses() async throws {
        let s = try Scratch()
        defer { s.remove() }
        try await s.ok("make-svid", "spiffe://example.org/other", "--save-ca", "ca")
        try await s.opensslLeaf("leaf", caCert: "ca/ca.pem", caKey: "ca/ca.key", extensions: Self.goodExtensions)
        let result = try await s.ok("validate", "leaf.pem", "--bundle", "ca/ca.pem", "--expect-id", "spiffe://example.org/web")
        #expect(result.stdout.contains("VALID"))
    }

    /// The bad-certificate corpus as files: (file name, how it is made, check, words the message must contain).
    @Test("the bad-certificate corpus through the CLI: each rejected by the right check, with its name, none crashing")
    func corpus() async throws {
        let s = try Scratch()
        defer { s.remove() }
        // The CA was made two days ago (with the library, to backdate it) and lives three days, so
        // it can sign an SVID that expired an hour ago; make-svid then signs with it from disk.
        let ca = try CertificateAuthority(trustDomain: TrustDomain("example.org"), ttl: 3 * 86_400, now: Date() - 2 * 86_400)
        try ca.save(to: s.dir.appendingPathComponent("ca"))
        try await s.ok("make-svid", "spiffe://example.org/seed", "--out", "seed", "--ca-cert", "ca/ca.pem", "--ca-key", "ca/ca.key")
        let leafOK = "subjectAltName=critical,URI:spiffe://example.org/web\n"
        let bad: [(String, String)] = [
            ("no-uri-san", "subjectAltName=critical,DNS:web.example.org\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE"),
            ("two-uri-sans", "subjectAltName=critical,URI:spiffe://example.org/a,URI:spiffe://example.org/b\nkeyUsage=critical,digitalSignature"),
            ("non-spiffe-uri", "subjectAltName=critical,URI:https://example.org/web\nkeyUsage=critical,digitalSignature"),
            ("root-path", "subjectAltName=critical,URI:spiffe://example.org\nkeyUsage=critical,digitalSignature"),
            ("ca-true", leafOK + "keyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:TRUE"),
            ("keycertsign", leafOK + "keyUsage=critical,digitalSignature,keyCertSign"),
            ("crlsign", leafOK + "keyUsage=critical,digitalSignature,cRLSign"),
            ("no-digitalsignature", leafOK + "keyUsage=critical,keyEncipherment"),
        ]
        for (name, extensions) in bad {
            try await s.opensslLeaf(name, caCert: "ca/ca.pem", caKey: "ca/ca.key", extensions: extensions)
        }

        // Expired and not yet valid: signed by the same CA, with the library.
        let web = try SpiffeID("spiffe://example.org/web")
        try s.write("expired.pem", Data(try PEM.encode(ca.issueSVID(for: web, ttl: 3600, now: Date() - 7200).chain).utf8))
        try s.write("not-yet-valid.pem", Data(try PEM.encode(ca.issueSVID(for: web, ttl: 600, now: Date() + 3600).chain).utf8))

        // A different CA that calls itself example.org too; and a partner.net CA.
        try await s.ok("make-svid", "spiffe://example.org/web", "--out", "rogue")
        try await s.ok("make-svid", "spiffe://partner.net/api", "--save-ca", "partner")
        try await s.opensslLeaf("other-td", caCert: "partner/ca.pem", caKey: "partner/ca.key", extensions: Self.goodExtensions)

        // Broken bytes.
        var der = Array(try Data(contentsOf: s.dir.appendingPathComponent("seed/svid.0.pem")))
        der = Array(Data(base64Encoded: String(decoding: der, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined())!)
        der[der.count / 2] ^= 0xFF
        der.removeLast(5)
        try s.write("corrupt.der", Data(der))
        try s.write("garbage.pem", Data("-----BEGIN CERTIFICATE-----\nnot base64 at all !!!\n-----END CERTIFICATE-----\n".utf8))
        try s.write("empty.pem", Data())

        let cases: [(file: String, bundle: String, check: Int, mentions: String)] = [
            ("no-uri-san.pem", "ca/ca.pem", 1, "no URI SAN"),
            ("two-uri-sans.pem", "ca/ca.pem", 1, "2 URI SANs"),
            ("non-spiffe-uri.pem", "ca/ca.pem", 1, "scheme must be spiffe"),
            ("root-path.pem", "ca/ca.pem", 1, "no path"),
            ("ca-true.pem", "ca/ca.pem", 2, "cA=true"),
            ("keycertsign.pem", "ca/ca.pem", 3, "keyCertSign"),
            ("crlsign.pem", "ca/ca.pem", 3, "cRLSign"),
            ("no-digitalsignature.pem", "ca/ca.pem", 3, "lacks digitalSignature"),
            ("expired.pem", "ca/ca.pem", 4, "expired"),
            ("not-yet-valid.pem", "ca/ca.pem", 4, "not yet valid"),
            ("rogue/svid.0.pem", "ca/ca.pem", 5, "not a CA in the bundle of example.org"),
            ("other-td.pem", "partner/ca.pem", 5, "no X.509 bundle for trust domain example.org"),
            ("corrupt.der", "ca/ca.pem", 1, "does not parse as X.509"),
            ("garbage.pem", "ca/ca.pem", 1, "does not parse as X.509"),
            ("empty.pem", "ca/ca.pem", 1, "no certificate found"),
        ]
        for item in cases {
            let result = try await s.demo("validate", item.file, "--bundle", item.bundle)
            #expect(result.status == 1, "\(item.file): \(result)")
            #expect(!result.timedOut)
            let verdict = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
            #expect(verdict.hasPrefix("REJECTED by check \(item.check) "), "\(item.file): \(result)")
            #expect(verdict.contains(item.mentions), "\(item.file): \(verdict)")
            #expect(result.stdout.contains("FAIL \(item.check) "), "\(item.file)")
            #expect(result.stderr.isEmpty, "\(item.file): \(result.stderr)")
        }
    }

    // MARK: bad input

    @Test("bad command-line input: one line on stderr, nothing on stdout, non-zero exit", arguments: [
        ["make-svid", "spiffe://example.org/a/"],
        ["make-svid", "not-an-id"],
        ["make-svid", "spiffe://example.org"],
        ["make-svid", "spiffe://example.org/a", "--ttl", "soon"],
        ["make-svid", "spiffe://example.org/a", "--key-type", "dsa"],
        ["make-svid", "spiffe://example.org/a", "--ca-cert", "missing.pem", "--ca-key", "missing.key"],
        ["make-svid", "spiffe://example.org/a", "--ca-cert", "adir", "--ca-key", "adir"],
        ["validate", "missing.pem", "--bundle", "missing.pem"],
        ["validate", "adir", "--bundle", "adir"],
        ["validate", "cert.pem", "--bundle", "adir"],
        ["validate", "cert.pem", "--bundle", "missing.pem"],
        ["validate", "cert.pem"],
        ["validate", "cert.pem", "--bundle", "cert.pem", "--expect-id", "spiffe://Example.org/a"],
        ["validate", "cert.pem", "--bundle", "cert.pem", "--expect-td", "example.org", "--expect-id", "spiffe://example.org/a"],
        ["validate", "cert.pem", "--bundle", "cert.pem", "--at", "tomorrow"],
        ["inspect", "missing.pem"],
        ["inspect", "adir"],
        ["inspect"],
        ["inspect", "cert.pem", "--bundle", "adir"],
    ])
    func badInput(args: [String]) async throws {
        let s = try Scratch()
        defer { s.remove() }
        try FileManager.default.createDirectory(at: s.dir.appendingPathComponent("adir"), withIntermediateDirectories: true)
        try await s.ok("make-svid", "spiffe://example.org/web", "--out", "good")
        try FileManager.default.copyItem(atPath: s.path("good/svid.0.pem"), toPath: s.path("cert.pem"))
        let result = try await s.demo(args)
        #expect(result.status != 0, "\(args): \(result)")
        #expect(result.stdout.isEmpty, "\(args): \(result)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(args): \(result)")
        #expect(lines.first?.hasPrefix("spiffe-demo: ") == true, "\(args): \(result)")
        #expect(!result.stderr.contains("PRIVATE KEY"))
    }
}
