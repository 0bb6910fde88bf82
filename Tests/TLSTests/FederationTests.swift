import Foundation
import TestSupport
import Testing

/// Two local agents of two trust domains, federated both ways through each other's bundle
/// endpoints (https_spiffe): py-spiffe, as a workload of one, finds the other's bundle in
/// `federated_bundles`, only when its entry federates with it; tls-client and tls-server complete
/// mTLS across the trust domains; a third trust domain, not federated, is refused.
@Suite("Federation between two local agents", .serialized)
struct FederationTests {
    func bundleEndpointPort(_ agent: AgentHarness) throws -> Int {
        let line = try #require(agent.stdout.split(separator: "\n").first { $0.hasPrefix("bundle endpoint: ") })
        return try #require(Int(line.split(separator: ":").last!.filter(\.isNumber)))
    }

    @Test("py-spiffe gets the partner's bundle in federated_bundles; mTLS across trust domains; an unfederated trust domain is refused")
    func twoTrustDomains() async throws {
        let a = try AgentHarness(), b = try AgentHarness()
        try await a.start(extraArguments: ["--trust-domain", "example.org", "--bundle-endpoint", "127.0.0.1:0"])
        try await b.start(extraArguments: ["--trust-domain", "partner.example", "--bundle-endpoint", "127.0.0.1:0"])
        defer { a.stop(); b.stop() }
        let demo = a.binary
        let me = Int(getuid())
        func run(_ args: [String]) async throws -> TestSupport.ProcessResult {
            let result = try await TestSupport.run(demo, args, deadline: 120)
            #expect(result.status == 0, "\(args): \(result)")
            return result
        }
        // Each side starts from the other's bundle obtained out of band (here: its CA file).
        for (local, remote, domain) in [(a, b, "partner.example"), (b, a, "example.org")] {
            _ = try await run(["federation", "create", "--data-dir", local.dataDirectory.path, "-trustDomain", domain,
                               "-bundleEndpointURL", "https://127.0.0.1:\(try bundleEndpointPort(remote))/",
                               "-bundleEndpointProfile", "https_spiffe", "-endpointSpiffeID", "spiffe://\(domain)/spire/server",
                               "-trustDomainBundlePath", remote.dataDirectory.appendingPathComponent("ca.pem").path])
        }
        _ = try await run(["entry", "create", "--data-dir", a.dataDirectory.path, "-spiffeID", "spiffe://example.org/service-a",
                           "-selector", "unix:uid:\(me)", "-federatesWith", "spiffe://partner.example"])
        _ = try await run(["entry", "create", "--data-dir", a.dataDirectory.path, "-spiffeID", "spiffe://example.org/batch",
                           "-selector", "unix:uid:\(1001)"])
        _ = try await run(["entry", "create", "--data-dir", b.dataDirectory.path, "-spiffeID", "spiffe://partner.example/service-b",
                           "-selector", "unix:uid:\(me)", "-federatesWith", "spiffe://example.org"])
        for agent in [a, b] {
            let served = try await TestSupport.poll(for: 60, every: .milliseconds(100)) {
                agent.log.contains("federation: serving the bundles of") ? true : nil
            }
            try #require(served == true, "the federation refresh never served the bundles:\n\(agent.log)")
        }
        #expect(a.log.contains("federation: fetched the bundle of partner.example from https://127.0.0.1:"), "\(a.log)")

        // py-spiffe as service-a: its own bundle and partner.example's, the very root B signs with.
        let seen = try await a.runPython(asUid: me, BundleProbe.program, [a.endpoint])
        #expect(seen.status == 0, "\(seen)")
        let partnerRoot = try await BundleProbe.fingerprint(b.dataDirectory.appendingPathComponent("ca.pem"))
        let ownRoot = try await BundleProbe.fingerprint(a.dataDirectory.appendingPathComponent("ca.pem"))
        #expect(seen.stdout.contains("svid spiffe://example.org/service-a"), "\(seen.stdout)")
        #expect(seen.stdout.contains("bundle example.org \(ownRoot)") && seen.stdout.contains("bundle partner.example \(partnerRoot)"), "\(seen.stdout)")
        // A workload whose entry does not federate gets no foreign bundle.
        let batch = try await a.runPython(asUid: 1001, BundleProbe.program, [a.endpoint])
        #expect(batch.status == 0 && batch.stdout.contains("svid spiffe://example.org/batch"), "\(batch)")
        #expect(!batch.stdout.contains("partner.example"), "\(batch.stdout)")

        // mTLS across: service-b serves (allowing example.org), service-a calls (expecting partner.example).
        let server = try BackgroundProcess("tls-server", demo, ["tls-server", "--live", "--socket", b.endpoint, "--listen", "127.0.0.1:0",
                                                                "--allow-td", "example.org"])
        defer { server.stop() }
        let port = try await listeningPort(server)
        let call = try await run(["tls-client", "--live", "--socket", a.endpoint, "--connect", "127.0.0.1:\(port)", "--expect-td", "partner.example"])
        #expect(call.stdout.contains("server spiffe://partner.example/service-b") && call.stdout.contains("I am spiffe://example.org/service-a"), "\(call.stdout)")
        #expect(call.stdout.contains("reply: hello from spiffe://partner.example/service-b"))
        _ = try await server.waitFor("client spiffe://example.org/service-a connected")

        // svid-exchange across: each side validates the other against that side's trust domain's bundle.
        let shared = try a.sharedDirectory("exchange")
        async let sideA = TestSupport.run(demo, ["svid-exchange", "--name", "a", "--dir", shared.path, "--live", "--socket", a.endpoint,
                                                      "--expect-td", "partner.example", "--timeout", "60"], deadline: 120)
        async let sideB = TestSupport.run(demo, ["svid-exchange", "--name", "b", "--dir", shared.path, "--live", "--socket", b.endpoint,
                                                      "--expect-td", "example.org", "--timeout", "60"], deadline: 120)
        let (exchangedA, exchangedB) = try await (sideA, sideB)
        #expect(exchangedA.status == 0 && exchangedA.stdout.contains("peer b is spiffe://partner.example/service-b: valid"), "\(exchangedA)")
        #expect(exchangedB.status == 0 && exchangedB.stdout.contains("peer a is spiffe://example.org/service-a: valid"), "\(exchangedB)")

        // other.org: nobody federates with it. openssl presents its SVID; the server has no bundle to check it by.
        let scratch = try TestSupport.makeTempDirectory(prefix: "fed-other")
        defer { try? FileManager.default.removeItem(at: scratch) }
        _ = try await run(["make-svid", "spiffe://other.org/intruder", "--out", scratch.path])
        let intruder = try await TestSupport.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-ign_eof",
                                                                   "-cert", scratch.appendingPathComponent("svid.0.pem").path,
                                                                   "-key", scratch.appendingPathComponent("svid.0.key").path],
                                                      stdin: "hello\n", deadline: 60)
        #expect(!intruder.stdout.contains("hello from spiffe://partner.example"), "\(intruder.stdout)")
        let refused = try await server.waitFor("no X.509 bundle for trust domain other.org", onStderr: true)
        #expect(refused.contains("refused"), "\(refused)")
        // And service-a, expecting partner.example, refuses a server of its own trust domain that is not one.
        let wrong = try await TestSupport.run(demo, ["tls-client", "--live", "--socket", a.endpoint, "--connect", "127.0.0.1:\(port)",
                                                          "--expect-td", "other.org"], deadline: 60)
        #expect(wrong.status != 0 && wrong.stderr.contains("not allowed"), "\(wrong)")
    }
}
