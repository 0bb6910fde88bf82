import Foundation
import SpiffeIdentity
import SpiffeX509
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Day 14 and Day 18 as the course runs them: the local agent, workloads as uid 1000 and 1001
/// (and an intruder as 1002) via setpriv, SVIDs fetched live over the Workload API.
@Suite("mTLS and SVID exchange with the local agent", .serialized)
struct AgentTLSTests {
    static let a = "spiffe://example.org/service-a"   // uid 1000
    static let b = "spiffe://example.org/service-b"   // uid 1001
    static let intruder = "spiffe://example.org/intruder"   // uid 1002

    /// An agent with entries for uids 1000, 1001 and 1002.
    func agent(ttl: Int? = nil) async throws -> AgentHarness {
        let agent = try AgentHarness()
        try await agent.createEntry(Self.a, uid: 1000, ttl: ttl)
        try await agent.createEntry(Self.b, uid: 1001, ttl: ttl)
        try await agent.createEntry(Self.intruder, uid: 1002, ttl: ttl)
        try await agent.start()
        return agent
    }

    func startServer(_ agent: AgentHarness, uid: Int = 1000, allow: [String] = ["--allow-id", b]) async throws -> (BackgroundProcess, Int) {
        let server = try agent.spawn("tls-server", uid: uid,
            ["tls-server", "--live", "--socket", agent.endpoint, "--listen", "127.0.0.1:0"] + allow)
        return (server, try await listeningPort(server))
    }

    @Test("the README's example service (the library products) serves mTLS with an SVID from the agent; tls-client completes the exchange")
    func exampleService() async throws {
        let agent = try await agent()
        let port = try freePort()
        let service = try agent.spawnWorkload("spiffe-example-service", uid: 1000, [String(port), Self.b])
        defer { service.stop() }
        try await service.waitFor("listening on 127.0.0.1:\(port) as \(Self.a)")

        let client = try await agent.runAs(uid: 1001, ["tls-client", "--live", "--socket", agent.endpoint,
                                               "--connect", "127.0.0.1:\(port)", "--expect-id", Self.a])
        #expect(client.status == 0, "\(client)\n\(service.stdout)\(service.stderr)\n\(agent.log)")
        #expect(client.stdout.contains("reply: hello from \(Self.a)"), "\(client)")
        try await service.waitFor("client \(Self.b) connected from 127.0.0.1:")

        // Its authorizer is the one it was given: uid 1002's valid SVID is authenticated, not allowed.
        let intruder = try await agent.runAs(uid: 1002, ["tls-client", "--live", "--socket", agent.endpoint,
                                                 "--connect", "127.0.0.1:\(port)", "--expect-id", Self.a])
        #expect(intruder.status == 1, "\(intruder)")
        try await service.waitFor("\(Self.intruder) is authenticated but not allowed")
    }

    @Test("tls-server as uid 1000 and tls-client as uid 1001 each print the other's ID; uid 1002 is refused")
    func serverAndClientAsTwoUids() async throws {
        let agent = try await agent()
        let (server, port) = try await startServer(agent)
        defer { server.stop() }
        #expect(server.stdout.contains("listening on 127.0.0.1:\(port) as \(Self.a)"))

        let client = try await agent.runAs(uid: 1001, ["tls-client", "--live", "--socket", agent.endpoint,
                                               "--connect", "127.0.0.1:\(port)", "--expect-id", Self.a])
        #expect(client.status == 0, "\(client)\n\(server.stderr)\n\(agent.log)")
        #expect(client.stdout.contains("server \(Self.a) (certificate serial"), "\(client)")
        #expect(client.stdout.contains("I am \(Self.b)"), "\(client)")
        #expect(client.stdout.contains("reply: hello from \(Self.a)"), "\(client)")
        try await server.waitFor("client \(Self.b) connected from 127.0.0.1:")

        // uid 1002 has a perfectly valid SVID of the same trust domain: authentication passes,
        // authorization does not. Under TLS 1.3 the client learns it only on its first read.
        let intruder = try await agent.runAs(uid: 1002, ["tls-client", "--live", "--socket", agent.endpoint,
                                                 "--connect", "127.0.0.1:\(port)", "--expect-id", Self.a])
        #expect(intruder.status == 1, "\(intruder)")
        #expect(!intruder.stdout.contains("reply:"), "\(intruder)")
        #expect(intruder.stderr.contains("refused our certificate"), "\(intruder)")
        try await server.waitFor("authorization failed: \(Self.intruder) is authenticated but not allowed (allowed: exactly \(Self.b))", onStderr: true)
        #expect(!server.stdout.contains("client \(Self.intruder) connected"))

        // The server is still serving, and stops cleanly on SIGTERM.
        #expect(server.isRunning)
        #expect(await server.stopped(signal: SIGTERM) == 0, "\(server.stderr)")
        #expect(server.stderr.contains("tls-server: stopped"))
    }

    @Test("svid-exchange a (uid 1000) and b (uid 1001), started together, both find the peer valid")
    func svidExchangeLive() async throws {
        let agent = try await agent()
        let directory = try agent.sharedDirectory("exchange")
        let sides = try [(1000, "a"), (1001, "b")].map { uid, name in
            try agent.spawn("svid-exchange \(name)", uid: uid, ["svid-exchange", "--live", "--socket", agent.endpoint,
                                                               "--name", name, "--dir", directory.path, "--timeout", "60"])
        }
        defer { sides.forEach { $0.stop() } }
        var statuses: [Int32] = []
        for side in sides { statuses.append(try await side.waitForExit()) }
        #expect(statuses == [0, 0], "a: \(sides[0].stdout)\(sides[0].stderr)\nb: \(sides[1].stdout)\(sides[1].stderr)")
        #expect(sides[0].stdout.contains("I am \(Self.a)"))
        #expect(sides[0].stdout.contains("peer b is \(Self.b): valid"), "\(sides[0].stdout)")
        #expect(sides[1].stdout.contains("I am \(Self.b)"))
        #expect(sides[1].stdout.contains("peer a is \(Self.a): valid"), "\(sides[1].stdout)")
        for side in sides {
            #expect(side.stdout.contains("PASS 5 chain to bundle"), "\(side.stdout)")
            #expect(!side.stdout.contains("FAIL"), "\(side.stdout)")
        }
        // Each leaf is world-readable (the peer is another user); no key was published.
        for name in ["a", "b"] {
            let path = directory.appendingPathComponent("svid-\(name).pem").path
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o644)
            #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("PRIVATE KEY"))
        }
    }

    @Test("svid-exchange without a peer gives up after its timeout and says what to start")
    func svidExchangeTimesOut() async throws {
        let agent = try await agent()
        let directory = try agent.sharedDirectory("lonely")
        let result = try await agent.runAs(uid: 1000, ["svid-exchange", "--live", "--socket", agent.endpoint,
                                               "--name", "a", "--dir", directory.path, "--timeout", "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("peer b did not publish \(directory.path)/svid-b.pem within 1 s; start `svid-exchange --name b` with the same --dir"), "\(result)")
    }

    @Test("with a 6-second SVID TTL the client sees the server's serial change; the server keeps running; no handshake fails")
    func rotationWithoutRestart() async throws {
        let agent = try await agent(ttl: 6)
        let (server, port) = try await startServer(agent)
        defer { server.stop() }
        let pid = server.pid

        // 30 connections, half a second apart: several of the server's rotations (every ~3 s).
        let client = try await agent.runAs(uid: 1001, ["tls-client", "--live", "--socket", agent.endpoint,
            "--connect", "127.0.0.1:\(port)", "--expect-id", Self.a, "--count", "30", "--interval", "0.5"])
        #expect(client.status == 0, "some handshake failed:\n\(client)\n\(server.stderr)")
        let serverLines = client.stdout.split(separator: "\n").filter { $0.contains("] server \(Self.a) (certificate serial ") }
        #expect(serverLines.count == 30, "\(client)")
        let serials = serverLines.compactMap { line -> String? in
            guard let range = line.range(of: "certificate serial ") else { return nil }
            return line[range.upperBound...].split(separator: ",").first.map(String.init)
        }
        #expect(Set(serials).count >= 2, "the server's serial never changed: \(serials)")
        #expect(client.stdout.components(separatedBy: "reply: hello from \(Self.a)").count == 31)
        // One server process served them all.
        #expect(server.isRunning && server.pid == pid)
        #expect(!server.stderr.contains("refused"), "\(server.stderr)")
        #expect(server.stdout.components(separatedBy: "client \(Self.b) connected").count == 31)
    }

    @Test("openssl s_client with an SVID from `fetch --live --write` talks to tls-server; another trust domain is refused")
    func opensslClientWithFetchedSVID() async throws {
        let agent = try await agent()
        let files = try agent.sharedDirectory("fetched")
        let fetched = try await agent.runAs(uid: 1001, ["fetch", "--live", "--socket", agent.endpoint, "--write", files.path])
        #expect(fetched.status == 0, "\(fetched)")
        let (server, port) = try await startServer(agent)
        defer { server.stop() }

        let cert = files.appendingPathComponent("svid.0.pem").path
        let key = files.appendingPathComponent("svid.0.key").path
        let bundle = files.appendingPathComponent("bundle.0.pem").path
        let ok = try await TestSupport.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-ign_eof",
            "-cert", cert, "-key", key, "-CAfile", bundle, "-verify_return_error"], stdin: "hello\n", deadline: 60)
        #expect(ok.stdout.contains("Verify return code: 0 (ok)"), "\(ok)")
        #expect(ok.stdout.contains("hello from \(Self.a)"), "\(ok)")
        try await server.waitFor("client \(Self.b) connected")

        // A certificate for the allowed ID, but from another trust domain's CA.
        let otherTD = try TrustDomain("other.org")
        let otherCA = try CertificateAuthority(trustDomain: otherTD)
        let foreign = agent.root.appendingPathComponent("foreign")
        try SVIDFiles.write(X509Context(svids: [try otherCA.issueSVID(for: try SpiffeID("spiffe://other.org/service-b"))],
                                        bundles: [otherTD: otherCA.bundle]), to: foreign)
        let refused = try await TestSupport.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-ign_eof",
            "-cert", foreign.appendingPathComponent("svid.0.pem").path, "-key", foreign.appendingPathComponent("svid.0.key").path,
            "-CAfile", bundle], stdin: "hello\n", deadline: 60)
        #expect(!refused.stdout.contains("hello from"), "\(refused)")
        try await server.waitFor("spiffe://other.org/service-b is not a valid X509-SVID: check 5 (chain to bundle) failed", onStderr: true)
    }
}
