import Foundation
import Logging
import SpiffeAgent
import SpiffeBundles
import SpiffeFormats
@testable import SpiffeFederation
import SpiffeIdentity
import SpiffeX509
import Synchronization
import TestSupport
import Testing

/// `bundle serve` and `bundle fetch`, the two profiles of SPIFFE_Federation §5.2, judged also by
/// curl and openssl: the bundle served is the trust domain's own, a Web PKI endpoint is checked
/// for its CA and its host, and a SPIFFE endpoint for exactly the configured SPIFFE ID.
@Suite("SPIFFE bundle endpoints", .serialized)
struct BundleEndpointTests {
    let demo = (try? TestSupport.product("spiffe-demo").path) ?? "spiffe-demo"

    func run(_ args: [String]) async throws -> TestSupport.ProcessResult {
        try await TestSupport.run(demo, args, deadline: 60)
    }

    func serve(_ args: [String]) async throws -> (BackgroundProcess, Int) {
        let server = try BackgroundProcess("bundle serve", demo, ["bundle", "serve", "--listen", "127.0.0.1:0"] + args)
        let port = try await listeningPort(server)
        return (server, port)
    }

    static func json(_ text: String) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
    }

    /// A CA (`ca.pem`) and a server certificate for 127.0.0.1 (`server.pem`, `server.key`) made by
    /// openssl in `dir`, as a public CA would.
    static func makeWebCertificates(in dir: URL) async throws {
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        for args in [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.pem"), "-subj", "/CN=test CA", "-days", "1"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=bundle endpoint"],
        ] {
            let made = try await TestSupport.run("openssl", args)
            try #require(made.status == 0, "\(made)")
        }
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: path("ext"), atomically: true, encoding: .utf8)
        let signed = try await TestSupport.run("openssl", ["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                                                               "-CAcreateserial", "-out", path("server.pem"), "-days", "1", "-extfile", path("ext")])
        try #require(signed.status == 0, "\(signed)")
    }

    @Test("https_web: curl --cacert gets the trust domain's SPIFFE bundle, the same bundle fetch reads; a wrong CA or host is refused")
    func webProfile() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "bundle-web")
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        try await Self.makeWebCertificates(in: dir)
        let (server, port) = try await serve(["--profile", "https_web", "--trust-domain", "partner.example", "--state", path("state"),
                                              "--cert", path("server.pem"), "--key", path("server.key")])
        defer { server.stop() }

        let curl = try await TestSupport.run("curl", ["-sS", "--fail", "--cacert", path("ca.pem"), "https://127.0.0.1:\(port)/"])
        #expect(curl.status == 0, "\(curl)")
        let fetched = try await run(["bundle", "fetch", "https://127.0.0.1:\(port)/", "--trust-domain", "partner.example",
                                     "--profile", "https_web", "--cacert", path("ca.pem")])
        #expect(fetched.status == 0, "\(fetched)")
        let shown = try await run(["bundle", "show", "--format", "jwks", "--trust-domain", "partner.example", "--state", path("state")])
        let served = try Self.json(curl.stdout)
        #expect(try Self.json(fetched.stdout) == served, "bundle fetch reads exactly what curl got")
        #expect(try Self.json(shown.stdout) == served, "the endpoint serves the trust domain's own bundle")
        #expect(served["spiffe_refresh_hint"] != nil && served["spiffe_sequence"] != nil)
        #expect(fetched.stderr.contains("bundle of partner.example from https://127.0.0.1:\(port)/ (https_web): 1 X.509 authority, 1 JWT authority"), "\(fetched.stderr)")

        let untrusted = try await TestSupport.run("curl", ["-sS", "--fail", "https://127.0.0.1:\(port)/"])
        #expect(untrusted.status == 60, "curl refuses a CA it does not trust: \(untrusted)")
        let noCA = try await run(["bundle", "fetch", "https://127.0.0.1:\(port)/", "--trust-domain", "partner.example", "--profile", "https_web"])
        #expect(noCA.status != 0 && noCA.stderr.contains("refused the bundle endpoint"), "\(noCA)")
        // The certificate names 127.0.0.1, not localhost, although localhost reaches the same address.
        let wrongHost = try await run(["bundle", "fetch", "https://localhost:\(port)/", "--trust-domain", "partner.example",
                                       "--profile", "https_web", "--cacert", path("ca.pem")])
        #expect(wrongHost.status != 0 && wrongHost.stderr.contains("does not name localhost"), "\(wrongHost)")
        let notFound = try await run(["bundle", "fetch", "https://127.0.0.1:\(port)/other", "--trust-domain", "partner.example",
                                      "--profile", "https_web", "--cacert", path("ca.pem")])
        #expect(notFound.stderr.contains("answered HTTP 404"), "\(notFound)")
        let plain = try await run(["bundle", "fetch", "http://127.0.0.1:\(port)/", "--trust-domain", "partner.example", "--profile", "https_web"])
        #expect(plain.stderr.contains("a bundle endpoint URL must be https"), "\(plain)")
    }

    @Test("https_spiffe: only an X509-SVID for the configured endpoint ID, valid against that trust domain's bundle, is accepted")
    func spiffeProfile() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "bundle-spiffe")
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let (server, port) = try await serve(["--profile", "https_spiffe", "--trust-domain", "partner.example", "--state", path("state")])
        defer { server.stop() }
        let url = "https://127.0.0.1:\(port)/"
        // The bootstrap bundle, obtained out of band (here: from the same state).
        let pem = try await run(["bundle", "show", "--trust-domain", "partner.example", "--state", path("state")])
        try pem.stdout.write(toFile: path("partner.pem"), atomically: true, encoding: .utf8)
        let other = try await run(["bundle", "show", "--trust-domain", "example.org", "--state", path("state")])
        try other.stdout.write(toFile: path("example.pem"), atomically: true, encoding: .utf8)
        let base = ["bundle", "fetch", url, "--trust-domain", "partner.example", "--profile", "https_spiffe"]

        let first = try await run(base + ["--endpoint-spiffe-id", "spiffe://partner.example/spire/server", "--bundle", path("partner.pem"),
                                          "--out", path("partner.json")])
        #expect(first.status == 0, "\(first)")
        let kept = try String(contentsOfFile: path("partner.json"), encoding: .utf8)
        #expect(kept.contains("\"use\" : \"x509-svid\"") && kept.contains("spiffe_sequence"))
        // Self-serving: the next fetch is authenticated by the bundle the first one kept.
        try FileManager.default.removeItem(atPath: path("partner.pem"))
        let second = try await run(base + ["--endpoint-spiffe-id", "spiffe://partner.example/spire/server", "--out", path("partner.json")])
        #expect(second.status == 0, "\(second)")

        let wrongID = try await run(base + ["--endpoint-spiffe-id", "spiffe://partner.example/bundle-server", "--out", path("partner.json")])
        #expect(wrongID.status != 0 && wrongID.stderr.contains("is authenticated but not allowed"), "\(wrongID)")
        let wrongBundle = try await run(base + ["--endpoint-spiffe-id", "spiffe://example.org/spire/server", "--bundle", path("example.pem")])
        #expect(wrongBundle.status != 0 && wrongBundle.stderr.contains("refused the bundle endpoint: authentication failed"), "\(wrongBundle)")
        let noBundle = try await run(base + ["--endpoint-spiffe-id", "spiffe://partner.example/spire/server"])
        #expect(noBundle.status != 0 && noBundle.stderr.contains("https_spiffe needs --bundle"), "\(noBundle)")

        // openssl sees the server's SVID, with no client certificate asked for.
        let sClient = try await TestSupport.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-showcerts"], stdin: "", deadline: 30)
        #expect(sClient.stdout.contains("Acceptable client certificate CA names") == false, "a bundle endpoint must not ask for a client certificate")
        #expect(!sClient.stdout.contains("Requested Signature Algorithms"), "\(sClient.stdout)")
    }

    @Test("Web PKI names: a wildcard covers one label, an address needs an iPAddress SAN, the CN counts only without SANs")
    func webPKINames() {
        #expect(WebPKIName.matches(pattern: "*.example.com", host: "bundle.example.com"))
        #expect(!WebPKIName.matches(pattern: "*.example.com", host: "a.bundle.example.com"))
        #expect(!WebPKIName.matches(pattern: "*.example.com", host: "example.com"))
        #expect(!WebPKIName.matches(pattern: "*.com", host: "example.com"))
        #expect(WebPKIName.matches(pattern: "bundle.example.com", host: "bundle.example.com."))
        #expect(WebPKIName.address("127.0.0.1") == [127, 0, 0, 1])
        #expect(WebPKIName.address("::1")?.count == 16 && WebPKIName.address("localhost") == nil)
    }

    /// What the endpoint serves, and how often it was asked; changed by the test as the partner
    /// rotates its CA.
    final class Partner: Sendable {
        let served: Mutex<SpiffeBundle>
        let requests = Mutex(0)
        init(_ bundle: SpiffeBundle) { served = Mutex(bundle) }
    }

    @Test("the agent's federation over https_web: fetched at once, again only after the refresh hint, and each fetch replaces the bundle held, never merged with the last")
    func refresherFollowsTheHint() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "federation-web")
        defer { try? FileManager.default.removeItem(at: dir) }
        func read(_ name: String) throws -> String { try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) }
        try await Self.makeWebCertificates(in: dir)

        let partnerDomain = try TrustDomain("partner.example")
        let before = try CertificateAuthority(trustDomain: partnerDomain)
        let after = try CertificateAuthority(trustDomain: partnerDomain)
        let partner = Partner(SpiffeBundle(trustDomain: partnerDomain, x509Authorities: [before.root], sequenceNumber: 1, refreshHint: 60))
        let server = try await BundleEndpointServer.bind(host: "127.0.0.1", port: 0,
                                                         authentication: .web(certificatePEM: try read("server.pem"), privateKeyPEM: try read("server.key"))) {
            partner.requests.withLock { $0 += 1 }
            return partner.served.withLock { $0 }
        }
        defer { server.close() }

        // Our side: a federation store with one https_web relationship, a refresher on a clock
        // the test moves, and a client that trusts the test CA as Web PKI.
        let store = FederationStore(directory: dir.appendingPathComponent("agent"))
        try store.create(try FederationRelationship(trustDomain: partnerDomain, bundleEndpointURL: "https://127.0.0.1:\(server.port)/",
                                                    bundleEndpointProfile: "https_web", endpointSPIFFEID: nil), bootstrap: nil)
        let clock = Mutex(Date())
        let delivered = Mutex<[TrustDomain: SpiffeBundle]>([:])
        var client = BundleEndpointClient()
        client.webRoots = try PEM.certificates(from: Data(try read("ca.pem").utf8), source: "ca.pem")
        let ownDomain = try TrustDomain("example.org")
        let refresher = FederationRefresher(
            store: store, trustDomain: ownDomain, ownBundle: { nil },
            delivery: .init(audience: "to the test") { bundles in delivered.withLock { $0 = bundles }; return true },
            client: client, logger: Logger(label: "test"), now: { clock.withLock { $0 } })
        func held() -> [String] { delivered.withLock { $0[partnerDomain]?.x509Authorities.map { "\($0.serialNumber)" } ?? [] } }

        // A new relationship is due at once.
        await refresher.refreshDue()
        #expect(partner.requests.withLock { $0 } == 1)
        #expect(held() == ["\(before.root.serialNumber)"])
        #expect(store.bundle(for: partnerDomain)?.sequenceNumber == 1)

        // The partner rotates; within the hint nothing is fetched, and the old bundle is served on.
        partner.served.withLock { $0 = SpiffeBundle(trustDomain: partnerDomain, x509Authorities: [after.root], sequenceNumber: 2, refreshHint: 60) }
        clock.withLock { $0 += 59 }
        await refresher.refreshDue()
        #expect(partner.requests.withLock { $0 } == 1, "fetched before the refresh hint had passed")
        #expect(held() == ["\(before.root.serialNumber)"])

        // Past the hint: fetched again, and the new bundle replaces the old one.
        clock.withLock { $0 += 2 }
        await refresher.refreshDue()
        #expect(partner.requests.withLock { $0 } == 2)
        #expect(held() == ["\(after.root.serialNumber)"], "the bundle held must be the endpoint's latest alone, not merged with the one before")
        #expect(store.bundle(for: partnerDomain)?.sequenceNumber == 2)
        #expect(store.bundle(for: partnerDomain)?.x509Authorities == [after.root])
    }
}
