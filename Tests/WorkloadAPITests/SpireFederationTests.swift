import Foundation
import TestSupport
import Testing

/// Two SPIRE-model deployments of two trust domains, federated both ways as SPIRE federates: each
/// server publishes its bundle on a bundle endpoint (https_spiffe), holds a federation
/// relationship with the other, fetches the other's bundle into its datastore, and hands it to
/// its agent by sync (GetFederatedBundle), which gives it only to workloads whose entries
/// federate with that trust domain. Judged by py-spiffe, openssl and the toolkit's mTLS.
@Suite("Federation between two SPIRE-model deployments", .serialized)
struct SpireFederationTests {
    /// The bundle endpoint URL a server printed on its ready line.
    func bundleEndpoint(_ spire: SpireHarness) throws -> String {
        let ready = try #require(spire.server?.stdout.split(separator: "\n").first { $0.hasPrefix("ready: ") })
        let field = try #require(ready.split(separator: " ").first { $0.hasPrefix("bundle-endpoint=") })
        return String(field.dropFirst("bundle-endpoint=".count))
    }

    /// `spiffe-demo <args>` that must fail; returns its stderr.
    func refused(_ spire: SpireHarness, _ args: [String]) async throws -> String {
        let result = try await TestSupport.run(try spire.binary, args, currentDirectory: spire.root, deadline: 120)
        #expect(result.status != 0, "\(args) should have failed: \(result)")
        return result.stderr
    }

    /// Polls a log until it contains `text`.
    func waitForLog(_ process: BackgroundProcess, _ text: String) async throws {
        _ = try await process.waitFor(text, onStderr: true, deadline: 90)
    }

    @Test("each server fetches the other's bundle; agents sync it to federating workloads only; mTLS across the two trust domains")
    func twoDeployments() async throws {
        let a = try SpireHarness(), b = try SpireHarness()
        try await a.startServer(["--bundle-endpoint", "127.0.0.1:0"])
        try await b.startServer(["--trust-domain", "partner.example", "--bundle-endpoint", "127.0.0.1:0"])
        try await a.writeBundle()
        try await b.writeBundle()
        let serverA = try #require(a.server), serverB = try #require(b.server)

        // An entry may federate only with a trust domain whose bundle the server holds (as SPIRE).
        let early = try await refused(a, ["entry", "create"] + a.admin + [
            "-parentID", "spiffe://example.org/host", "-spiffeID", "spiffe://example.org/early",
            "-selector", "unix:uid:1000", "-federatesWith", "spiffe://partner.example"])
        #expect(early.contains("holds no bundle of partner.example"), "\(early)")
        // A self-serving https_spiffe endpoint needs the other side's bundle for the first fetch.
        let unauthenticated = try await refused(a, ["federation", "create"] + a.admin + [
            "-trustDomain", "partner.example", "-bundleEndpointURL", try bundleEndpoint(b),
            "-bundleEndpointProfile", "https_spiffe", "-endpointSpiffeID", "spiffe://partner.example/spire/server"])
        #expect(unauthenticated.contains("obtained out of band"), "\(unauthenticated)")
        let own = try await refused(a, ["federation", "create"] + a.admin + [
            "-trustDomain", "example.org", "-bundleEndpointURL", try bundleEndpoint(a), "-bundleEndpointProfile", "https_web"])
        #expect(own.contains("own trust domain"), "\(own)")
        // As SPIRE's server: a first bundle must be of the relationship's own trust domain.
        let mismatched = try await refused(a, ["federation", "create"] + a.admin + [
            "-trustDomain", "partner.example", "-bundleEndpointURL", try bundleEndpoint(b),
            "-bundleEndpointProfile", "https_spiffe", "-endpointSpiffeID", "spiffe://third.example/spire/server",
            "-trustDomainBundlePath", b.bundleFile.path])
        #expect(mismatched.contains("must be of the relationship's trust domain (partner.example)"), "\(mismatched)")

        // Each side starts from the other's bundle obtained out of band (`bundle show`).
        for (local, remote, domain) in [(a, b, "partner.example"), (b, a, "example.org")] {
            try await local.demo(["federation", "create"] + local.admin + [
                "-trustDomain", domain, "-bundleEndpointURL", try bundleEndpoint(remote),
                "-bundleEndpointProfile", "https_spiffe", "-endpointSpiffeID", "spiffe://\(domain)/spire/server",
                "-trustDomainBundlePath", remote.bundleFile.path])
        }
        try await waitForLog(serverA, "federation: fetched the bundle of partner.example from \(try bundleEndpoint(b))")
        try await waitForLog(serverB, "federation: fetched the bundle of example.org from \(try bundleEndpoint(a))")
        let listed = try await a.demo(["federation", "list"] + a.admin)
        #expect(listed.hasPrefix("Found 1 federation relationship\n"), "\(listed)")
        #expect(listed.contains("Endpoint SPIFFE ID        : spiffe://partner.example/spire/server"), "\(listed)")
        #expect(listed.contains("Bundle held               : 1 X.509 authority"), "\(listed)")

        // One agent per trust domain; service-a federates with partner.example, batch does not.
        let agentA = try await a.startAgent(["--join-token", try await a.joinToken()])
        let agentB = try await b.startAgent(["--join-token", try await b.joinToken(), "--trust-domain", "partner.example"])
        let idA = try await a.agentID(agentA), idB = try await b.agentID(agentB)
        try await a.demo(["entry", "create"] + a.admin + ["-parentID", idA, "-spiffeID", "spiffe://example.org/service-a",
                                                         "-selector", "unix:uid:1000", "-federatesWith", "spiffe://partner.example"])
        try await a.demo(["entry", "create"] + a.admin + ["-parentID", idA, "-spiffeID", "spiffe://example.org/batch",
                                                         "-selector", "unix:uid:1001"])
        try await b.demo(["entry", "create"] + b.admin + ["-parentID", idB, "-spiffeID", "spiffe://partner.example/service-b",
                                                         "-selector", "unix:uid:1000", "-federatesWith", "example.org"])
        try await waitForLog(agentA, "federated bundles synced: partner.example")
        try await waitForLog(agentB, "federated bundles synced: example.org")

        // py-spiffe as service-a: its own bundle and partner.example's, the very root B's server signs with.
        let partnerRoot = try await BundleProbe.fingerprint(b.bundleFile)
        let ownRoot = try await BundleProbe.fingerprint(a.bundleFile)
        let seen = try await a.runPython(asUid: 1000, BundleProbe.program, [a.endpoint])
        #expect(seen.stdout.contains("svid spiffe://example.org/service-a"), "\(seen)")
        #expect(seen.stdout.contains("bundle example.org \(ownRoot)") && seen.stdout.contains("bundle partner.example \(partnerRoot)"), "\(seen.stdout)")
        let batch = try await a.runPython(asUid: 1001, BundleProbe.program, [a.endpoint])
        #expect(batch.stdout.contains("svid spiffe://example.org/batch"), "\(batch)")
        #expect(!batch.stdout.contains("partner.example"), "\(batch.stdout)")

        // mTLS across: service-b serves (allowing example.org), service-a calls (expecting partner.example).
        let demo = try a.binary
        let server = try BackgroundProcess("tls-server", "/usr/bin/setpriv", ["--reuid=1000", "--regid=1000", "--clear-groups", demo,
            "tls-server", "--live", "--socket", b.endpoint, "--listen", "127.0.0.1:0", "--allow-td", "example.org"])
        defer { server.stop() }
        let port = try await listeningPort(server)
        let call = try await TestSupport.run("setpriv", ["--reuid=1000", "--regid=1000", "--clear-groups", demo,
            "tls-client", "--live", "--socket", a.endpoint, "--connect", "127.0.0.1:\(port)", "--expect-td", "partner.example"], deadline: 120)
        #expect(call.status == 0, "\(call)")
        #expect(call.stdout.contains("server spiffe://partner.example/service-b") && call.stdout.contains("I am spiffe://example.org/service-a"), "\(call.stdout)")
        _ = try await server.waitFor("client spiffe://example.org/service-a connected")
        // batch holds no partner.example bundle: it cannot authenticate B's server.
        let stranger = try await TestSupport.run("setpriv", ["--reuid=1001", "--regid=1001", "--clear-groups", demo,
            "tls-client", "--live", "--socket", a.endpoint, "--connect", "127.0.0.1:\(port)", "--expect-td", "partner.example"], deadline: 120)
        #expect(stranger.status != 0 && stranger.stderr.contains("no X.509 bundle for trust domain partner.example"), "\(stranger)")

        // Deleting the relationship stops the refreshing, and the bundle stays held, as in SPIRE.
        try await a.demo(["federation", "delete"] + a.admin + ["-id", "partner.example"])
        #expect(try await a.demo(["federation", "list"] + a.admin).hasPrefix("Found 0 federation relationships"))
        let again = try await a.runPython(asUid: 1000, BundleProbe.program, [a.endpoint])
        #expect(again.stdout.contains("bundle partner.example \(partnerRoot)"), "\(again.stdout)")
        let gone = try await refused(a, ["federation", "delete"] + a.admin + ["-id", "partner.example"])
        #expect(gone.contains("no federation relationship with partner.example"), "\(gone)")
    }

    @Test("a datastore written before federation still opens: it federates with nobody")
    func datastoreFromBeforeFederation() async throws {
        let spire = try SpireHarness()
        try await spire.startServer(["--key-manager", "disk"])
        try await spire.createEntry("spiffe://example.org/kept", parent: "spiffe://example.org/host", uid: 1000)
        await spire.stopServer()
        // Remove the two keys federation added, as an older toolkit wrote the file.
        let file = spire.dataDirectory.appendingPathComponent("datastore.json")
        var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(document.removeValue(forKey: "federationRelationships") != nil)
        #expect(document.removeValue(forKey: "federatedBundles") != nil)
        try JSONSerialization.data(withJSONObject: document).write(to: file)

        try await spire.startServer(["--key-manager", "disk"])
        #expect(try await spire.demo(["federation", "list"] + spire.admin).hasPrefix("Found 0 federation relationships"))
        #expect(try await spire.demo(["entry", "show"] + spire.admin).contains("spiffe://example.org/kept"))
    }
}
