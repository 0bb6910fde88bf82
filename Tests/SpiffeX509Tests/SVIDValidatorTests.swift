import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import SwiftASN1
import Testing
import X509
import Crypto

/// The trust domain every corpus certificate claims, and a second one to federate with.
let exampleOrg = try! TrustDomain("example.org")
let partnerNet = try! TrustDomain("partner.net")

/// One certificate of the bad-certificate corpus: the bytes a validator is handed, the bundles
/// it holds, and the check that must reject it with words naming the problem.
struct CorpusCase: CustomTestStringConvertible, Sendable {
    let name: String
    let check: SVIDCheck
    let mentions: [String]
    let make: @Sendable (Date) throws -> (data: Data, bundles: [TrustDomain: X509Bundle])

    var testDescription: String { name }

    /// A leaf built from `spec` and signed by a fresh example.org CA, validated against that CA.
    static func leaf(_ name: String, _ check: SVIDCheck, _ mentions: [String], _ edit: @escaping @Sendable (inout LeafSpec, Date) -> Void) -> CorpusCase {
        CorpusCase(name: name, check: check, mentions: mentions) { now in
            let ca = try CertificateAuthority(trustDomain: exampleOrg, now: now)
            var spec = LeafSpec(notBefore: now - 10, notAfter: now + 3600)
            edit(&spec, now)
            let leaf = try spec.make(signedBy: ca)
            return (Data(try pem([leaf]).utf8), [exampleOrg: ca.bundle])
        }
    }

    static func bytes(_ name: String, _ mentions: [String], _ data: @escaping @Sendable () throws -> Data) -> CorpusCase {
        CorpusCase(name: name, check: .spiffeID, mentions: mentions) { now in
            let ca = try CertificateAuthority(trustDomain: exampleOrg, now: now)
            return (try data(), [exampleOrg: ca.bundle])
        }
    }
}

/// The corpus the issue lists, plus a few more that real deployments produce.
let corpus: [CorpusCase] = [
    .leaf("no URI SAN", .spiffeID, ["no URI SAN"]) { spec, _ in spec.uris = []; spec.dnsNames = ["web.example.org"] },
    .leaf("two URI SANs", .spiffeID, ["2 URI SANs", "exactly one"]) { spec, _ in
        spec.uris = ["spiffe://example.org/web", "spiffe://example.org/db"]
    },
    .leaf("non-spiffe URI", .spiffeID, ["https://example.org/web", "scheme must be spiffe"]) { spec, _ in
        spec.uris = ["https://example.org/web"]
    },
    .leaf("malformed SPIFFE ID", .spiffeID, ["not a valid SPIFFE ID", "'..' segments"]) { spec, _ in
        spec.uris = ["spiffe://example.org/a/../b"]
    },
    .leaf("root path", .spiffeID, ["no path"]) { spec, _ in spec.uris = ["spiffe://example.org"] },
    .leaf("empty subject, SAN not critical", .spiffeID, ["not critical", "4.1.2.6"]) { spec, _ in spec.sanCritical = false },
    .leaf("cA true", .leafConstraints, ["cA=true"]) { spec, _ in
        spec.basicConstraints = .isCertificateAuthority(maxPathLength: nil)
    },
    .leaf("keyCertSign", .keyUsage, ["keyCertSign"]) { spec, _ in
        spec.keyUsage = KeyUsage(digitalSignature: true, keyCertSign: true)
    },
    .leaf("cRLSign", .keyUsage, ["cRLSign"]) { spec, _ in
        spec.keyUsage = KeyUsage(digitalSignature: true, cRLSign: true)
    },
    .leaf("missing digitalSignature", .keyUsage, ["lacks digitalSignature", "keyEncipherment"]) { spec, _ in
        spec.keyUsage = KeyUsage(keyEncipherment: true)
    },
    .leaf("no key usage extension", .keyUsage, ["key usage extension is missing"]) { spec, _ in spec.keyUsage = nil },
    .leaf("key usage not critical", .keyUsage, ["not marked critical"]) { spec, _ in spec.keyUsageCritical = false },
    .leaf("expired", .validity, ["expired", "notAfter"]) { spec, now in
        spec.notBefore = now - 7200
        spec.notAfter = now - 3600
    },
    .leaf("not yet valid", .validity, ["not yet valid", "notBefore"]) { spec, now in
        spec.notBefore = now + 3600
        spec.notAfter = now + 7200
    },
    .leaf("unknown critical extension", .chain, ["critical extension", "1.2.3.4"]) { spec, _ in
        spec.extraExtensions = [Certificate.Extension(oid: [1, 2, 3, 4], critical: true, value: [0x05, 0x00])]
    },
    CorpusCase(name: "untrusted CA with the same trust-domain name", check: .chain,
               mentions: ["not a CA in the bundle of example.org"]) { now in
        let trusted = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let rogue = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let leaf = try rogue.issueSVID(for: try SpiffeID("spiffe://example.org/web"), now: now).leaf
        return (Data(try pem([leaf]).utf8), [exampleOrg: trusted.bundle])
    },
    CorpusCase(name: "impostor CA copying the trusted CA's name", check: .chain,
               mentions: ["did not sign", "impostor"]) { now in
        let trusted = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let impostor = try makeCA(trustDomain: exampleOrg, subject: trusted.certificate.subject, now: now)
        let leaf = try impostor.issueSVID(for: try SpiffeID("spiffe://example.org/web"), now: now).leaf
        return (Data(try pem([leaf]).utf8), [exampleOrg: trusted.bundle])
    },
    CorpusCase(name: "chained to another trust domain's bundle", check: .chain,
               mentions: ["no X.509 bundle for trust domain example.org", "only the bundle of example.org"]) { now in
        // partner.net's CA signs a leaf claiming example.org; the validator holds partner.net's
        // bundle only, and must not let it vouch for example.org.
        let partner = try makeCA(trustDomain: partnerNet, subject: try DistinguishedName { CommonName("partner CA") }, now: now)
        let leaf = try LeafSpec(notBefore: now - 10, notAfter: now + 3600).make(signedBy: partner)
        return (Data(try pem([leaf]).utf8), [partnerNet: partner.bundle])
    },
    CorpusCase(name: "signed by a federated trust domain's CA", check: .chain,
               mentions: ["'CN=partner CA'", "not a CA in the bundle of example.org"]) { now in
        let ours = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let partner = try makeCA(trustDomain: partnerNet, subject: try DistinguishedName { CommonName("partner CA") }, now: now)
        let leaf = try LeafSpec(notBefore: now - 10, notAfter: now + 3600).make(signedBy: partner)
        return (Data(try pem([leaf]).utf8), [exampleOrg: ours.bundle, partnerNet: partner.bundle])
    },
    CorpusCase(name: "bundle CA expired", check: .chain, mentions: ["CA certificate", "expired"]) { now in
        let old = try CertificateAuthority(trustDomain: exampleOrg, ttl: 3600, now: now - 7200)
        // A leaf that is itself within its window: only the CA is out of date.
        let leaf = try LeafSpec(notBefore: now - 10, notAfter: now + 600).make(signedBy: old)
        return (Data(try pem([leaf]).utf8), [exampleOrg: old.bundle])
    },
    CorpusCase(name: "intermediate missing from the chain", check: .chain,
               mentions: ["intermediate CA", "not a CA in the bundle"]) { now in
        let root = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let intermediate = try root.issueIntermediateCA(now: now)
        let leaf = try intermediate.issueSVID(for: try SpiffeID("spiffe://example.org/web"), now: now).leaf
        return (Data(try pem([leaf]).utf8), [exampleOrg: root.bundle])   // leaf alone, no intermediate
    },
    .bytes("corrupt DER", ["does not parse as X.509"]) {
        let ca = try CertificateAuthority(trustDomain: exampleOrg)
        var bytes = try der(try ca.issueSVID(for: try SpiffeID("spiffe://example.org/web")).leaf)
        bytes[bytes.count / 2] ^= 0xFF
        bytes.removeLast(7)
        return Data(bytes)
    },
    .bytes("DER with a flipped inner byte", ["does not parse as X.509"]) {
        // The outer length still fits, so only the inner structure is broken.
        let ca = try CertificateAuthority(trustDomain: exampleOrg)
        var bytes = try der(try ca.issueSVID(for: try SpiffeID("spiffe://example.org/web")).leaf)
        bytes[5] = 0x01
        return Data(bytes)
    },
    .bytes("PEM with garbage", ["does not parse as X.509"]) {
        Data("-----BEGIN CERTIFICATE-----\nthis is not base64 at all !!!\n-----END CERTIFICATE-----\n".utf8)
    },
    .bytes("PEM of random bytes", ["does not parse as X.509"]) {
        let random = (0..<300).map { _ in UInt8.random(in: 0...255) }
        return Data(("-----BEGIN CERTIFICATE-----\n" + Data(random).base64EncodedString(options: .lineLength64Characters) + "\n-----END CERTIFICATE-----\n").utf8)
    },
    .bytes("a private key instead of a certificate", ["PRIVATE KEY"]) {
        Data(try PEM.pkcs8PEM(try KeyType.p256.generate()).utf8)
    },
    .bytes("empty file", ["no certificate found"]) { Data() },
    .bytes("text without any PEM block", ["does not parse as X.509"]) { Data("hello, I am not a certificate\n".utf8) },
]

@Suite("SVIDValidator: the six checks")
struct SVIDValidatorTests {
    let web = try! SpiffeID("spiffe://example.org/web")

    @Test("a make-svid SVID passes all six checks, in order")
    func validSVID() async throws {
        let now = Date()
        let ca = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let svid = try ca.issueSVID(for: web, now: now)
        let report = await SVIDValidator.validate(chain: svid.chain, bundle: ca.bundle, expect: .id(web), at: now)
        #expect(report.isValid, "\(report.lines)")
        #expect(report.results.map(\.check) == SVIDCheck.allCases)
        #expect(report.results.allSatisfy { $0.outcome == .passed })
        #expect(report.spiffeID == web)
        #expect(report.validatedChain == [svid.leaf, ca.certificate])
        #expect(report.verdict.hasPrefix("VALID"))
        #expect(report.failure == nil)
        // Every line names its rule.
        for (line, check) in zip(report.lines, SVIDCheck.allCases) {
            #expect(line.hasPrefix("PASS \(check.rawValue) \(check.title)"))
            #expect(line.contains(check.rule))
        }
    }

    @Test("every key type passes", arguments: KeyType.allCases)
    func keyTypes(keyType: KeyType) async throws {
        let now = Date()
        let ca = try CertificateAuthority(trustDomain: exampleOrg, keyType: keyType, now: now)
        let svid = try ca.issueSVID(for: web, keyType: keyType, now: now)
        let report = await SVIDValidator.validate(chain: svid.chain, bundle: ca.bundle, expect: .memberOf(exampleOrg), at: now)
        #expect(report.isValid, "\(report.lines)")
    }

    @Test("the bad-certificate corpus: each rejected by the check that should catch it", arguments: corpus)
    func badCertificate(_ item: CorpusCase) async throws {
        let now = Date()
        let (data, bundles) = try item.make(now)
        let report = await SVIDValidator.validate(data: data, source: item.name, bundles: bundles, expect: .any, at: now)
        #expect(!report.isValid)
        let failure = try #require(report.failure, "\(report.lines)")
        #expect(failure.check == item.check, "\(item.name): \(failure)")
        for word in item.mentions {
            #expect(failure.reason.contains(word), "\(item.name): \"\(failure.reason)\" should mention \"\(word)\"")
        }
        // Checks before the failing one passed; the ones after it are skipped, never guessed.
        for result in report.results {
            if result.check < item.check { #expect(result.outcome == .passed) }
            if result.check > item.check { #expect(result.outcome == .skipped) }
        }
        #expect(report.results.count == 6)
        #expect(report.verdict.contains("REJECTED by \(item.check)"))
        #expect(!failure.reason.contains("\n"))
        #expect(!failure.reason.contains("Certificate("), "no certificate dumps in messages")
    }

    @Test("the corpus covers every case the issue lists")
    func corpusComplete() {
        let names = Set(corpus.map(\.name))
        for required in [
            "no URI SAN", "two URI SANs", "non-spiffe URI", "root path", "cA true", "keyCertSign", "cRLSign",
            "missing digitalSignature", "expired", "not yet valid", "untrusted CA with the same trust-domain name",
            "chained to another trust domain's bundle", "corrupt DER", "PEM with garbage", "empty file",
        ] {
            #expect(names.contains(required), "missing corpus case \(required)")
        }
    }

    @Test("intermediates sent with the leaf are used for path building")
    func intermediates() async throws {
        let now = Date()
        let root = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let first = try root.issueIntermediateCA(now: now)
        let second = try first.issueIntermediateCA(now: now)
        let svid = try second.issueSVID(for: web, now: now)
        #expect(svid.chain == [svid.leaf, second.certificate, first.certificate])
        #expect(second.bundle.authorities == [root.certificate])
        let report = await SVIDValidator.validate(chain: svid.chain, bundle: root.bundle, expect: .id(web), at: now)
        #expect(report.isValid, "\(report.lines)")
        #expect(report.validatedChain.count == 4)
        // Order of the intermediates in the file does not matter to the path builder.
        let shuffled = [svid.leaf, first.certificate, second.certificate]
        #expect(await SVIDValidator.validate(chain: shuffled, bundle: root.bundle, expect: .any, at: now).isValid)
    }

    @Test("an intermediate that is not a CA breaks the path, and the message says so")
    func intermediateNotCA() async throws {
        let now = Date()
        let root = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        // A leaf SVID (cA=false) abused as an intermediate: it signs another leaf.
        var middleSpec = LeafSpec(notBefore: now - 10, notAfter: now + 3600)
        middleSpec.subject = try DistinguishedName { CommonName("not a CA") }
        middleSpec.uris = ["spiffe://example.org/fake-ca"]
        let middleKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let middle = try middleSpec.make(issuer: root.certificate.subject, issuerKey: root.privateKey, key: middleKey)
        let leaf = try LeafSpec(notBefore: now - 10, notAfter: now + 600).make(issuer: middle.subject, issuerKey: middleKey)
        let report = await SVIDValidator.validate(chain: [leaf, middle], bundle: root.bundle, expect: .any, at: now)
        #expect(report.failure?.check == .chain)
        #expect(report.failure?.reason.contains("'CN=not a CA' signs certificates but is not a CA") == true, "\(report.lines)")
        // And CertificateAuthority refuses to sign with such a certificate in the first place.
        #expect(throws: X509Error.notACertificateAuthority("basic constraints do not say cA=true")) {
            try CertificateAuthority(trustDomain: exampleOrg, certificate: middle, privateKey: middleKey)
        }
    }

    @Test("the validity window is inclusive at both ends")
    func validityBoundaries() async throws {
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))   // certificates hold whole seconds
        let ca = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let svid = try ca.issueSVID(for: web, ttl: 600, now: now)
        let leaf = svid.leaf
        func check(_ time: Date) async -> ValidationReport {
            await SVIDValidator.validate(chain: svid.chain, bundle: ca.bundle, expect: .any, at: time)
        }
        #expect(await check(leaf.notValidBefore).isValid)
        #expect(await check(leaf.notValidAfter).isValid)
        #expect(await check(leaf.notValidAfter + 1).failure?.check == .validity)
        #expect(await check(leaf.notValidBefore - 1).failure?.check == .validity)
        #expect(leaf.notValidBefore == now - 10)
    }

    @Test("check 6: the expected ID or trust domain")
    func authorization() async throws {
        let now = Date()
        let ca = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let svid = try ca.issueSVID(for: web, now: now)
        let db = try SpiffeID("spiffe://example.org/db")
        func run(_ matcher: SpiffeIDMatcher) async -> ValidationReport {
            await SVIDValidator.validate(chain: svid.chain, bundle: ca.bundle, expect: matcher, at: now)
        }
        #expect(await run(.id(web)).isValid)
        #expect(await run(.oneOf([db, web])).isValid)
        #expect(await run(.memberOf(exampleOrg)).isValid)
        let wrongID = await run(.id(db))
        #expect(wrongID.failure?.check == .authorization)
        #expect(wrongID.failure?.reason.contains("expected exactly spiffe://example.org/db") == true)
        #expect(wrongID.results.prefix(5).allSatisfy { $0.outcome == .passed })
        let wrongTD = await run(.memberOf(partnerNet))
        #expect(wrongTD.failure?.check == .authorization)
        #expect(wrongTD.failure?.reason.contains("partner.net") == true)
    }

    @Test("a set of bundles: the leaf's own trust domain's bundle is chosen")
    func bundleSet() async throws {
        let now = Date()
        let ours = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let partner = try CertificateAuthority(trustDomain: partnerNet, now: now)
        let partnerSVID = try partner.issueSVID(for: try SpiffeID("spiffe://partner.net/api"), now: now)
        let bundles = [exampleOrg: ours.bundle, partnerNet: partner.bundle]
        let report = await SVIDValidator.validate(chain: partnerSVID.chain, bundles: bundles, expect: .memberOf(partnerNet), at: now)
        #expect(report.isValid, "\(report.lines)")
        // A single bundle answers only for its own trust domain.
        let single = await SVIDValidator.validate(chain: partnerSVID.chain, bundle: ours.bundle, expect: .any, at: now)
        #expect(single.failure?.check == .chain)
        #expect(single.failure?.reason.contains("no X.509 bundle for trust domain partner.net") == true)
    }

    @Test("SpiffeVerifierPolicy alone, inside a swift-certificates Verifier, enforces the leaf rules")
    func policyInVerifier() async throws {
        let now = Date()
        let ca = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let good = try LeafSpec(notBefore: now - 10, notAfter: now + 60).make(signedBy: ca)
        var caLeafSpec = LeafSpec(notBefore: now - 10, notAfter: now + 60)
        caLeafSpec.basicConstraints = .notCertificateAuthority
        caLeafSpec.keyUsage = KeyUsage(digitalSignature: true, keyCertSign: true)
        let bad = try caLeafSpec.make(signedBy: ca)
        var verifier = Verifier(rootCertificates: CertificateStore([ca.certificate])) {
            RFC5280Policy()
            SpiffeVerifierPolicy()
        }
        guard case .validCertificate = await verifier.validate(leaf: good, intermediates: CertificateStore()) else {
            Issue.record("a good SVID should verify")
            return
        }
        guard case .couldNotValidate(let failures) = await verifier.validate(leaf: bad, intermediates: CertificateStore()) else {
            Issue.record("a leaf with keyCertSign must not verify")
            return
        }
        #expect(failures.contains { String(describing: $0.policyFailureReason).contains("keyCertSign") })
    }

    @Test("the report's JSON summary carries the same checks")
    func summary() async throws {
        let now = Date()
        let ca = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let svid = try ca.issueSVID(for: web, now: now)
        let report = await SVIDValidator.validate(chain: svid.chain, bundle: ca.bundle, expect: .any, at: now + 7200)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let summary = try decoder.decode(ValidationReport.Summary.self, from: encoder.encode(report.summary))
        #expect(summary.valid == false)
        #expect(summary.checks.map(\.outcome) == [.passed, .passed, .passed, .failed, .skipped, .skipped])
        #expect(summary.spiffeID == web.description)
        #expect(summary.verdict == report.verdict)
    }
}
