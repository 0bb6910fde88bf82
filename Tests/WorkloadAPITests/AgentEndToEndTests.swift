import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SpiffeAgent
import SpiffeFormats
import SpiffeIdentity
import SpiffeWorkloadAPI
import SpiffeX509
import TestSupport
import Testing
import WorkloadAPIProto

/// The real agent binary, real clients, real uids: these tests run as root and drop to uid
/// 1000/1001/1002 with setpriv, so attestation sees genuinely different callers.
@Suite("Workload API end to end", .serialized)
struct AgentEndToEndTests {
    /// The JSON `fetch --json` prints.
    struct Fetched: Decodable {
        struct SVID: Decodable {
            let spiffe_id: String
            let serial: String
        }
        let svids: [SVID]
        let bundles: [String: Int]
    }

    static func decode(_ stdout: String) throws -> Fetched {
        try JSONDecoder().decode(Fetched.self, from: Data(stdout.utf8))
    }

    @Test("uids 1000 and 1001 each get their own SPIFFE ID; files are SPIRE's and verify with openssl")
    func twoUidsGetTheirOwnIdentities() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:1000"])
        try await agent.createEntry("spiffe://example.org/service-b", selectors: ["unix:uid:1001"])
        try await agent.start()
        defer { agent.stop() }

        for (uid, expected) in [(1000, "spiffe://example.org/service-a"), (1001, "spiffe://example.org/service-b")] {
            let out = agent.root.appendingPathComponent("out-\(uid)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
            let result = try await agent.runAs(uid: uid, ["fetch", "--live", "--json", "--socket", agent.endpoint, "--write", out.path])
            #expect(result.status == 0, "\(result)\n\(agent.log)")
            let fetched = try Self.decode(result.stdout)
            #expect(fetched.svids.map(\.spiffe_id) == [expected])
            #expect(fetched.bundles == ["spiffe://example.org": 1])

            // SPIRE's file names; the key is PKCS#8 and readable by its owner only.
            let key = out.appendingPathComponent("svid.0.key").path
            let attributes = try FileManager.default.attributesOfItem(atPath: key)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            #expect((attributes[.ownerAccountID] as? Int) == uid)
            #expect(try String(contentsOfFile: key, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let verify = try await TestSupport.run("openssl", [
                "verify", "-CAfile", out.appendingPathComponent("bundle.0.pem").path,
                out.appendingPathComponent("svid.0.pem").path,
            ])
            #expect(verify.status == 0, "\(verify)")
            let san = try await TestSupport.run("openssl", ["x509", "-in", out.appendingPathComponent("svid.0.pem").path, "-noout", "-ext", "subjectAltName"])
            #expect(san.stdout.contains("URI:\(expected)"), "\(san)")
        }
        #expect(agent.log.contains("uid=1000"))
        #expect(agent.log.contains("uid=1001"))
    }

    @Test("inspect --live shows the SVID the agent hands uid 1000")
    func inspectLive() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:1000"])
        try await agent.start()
        defer { agent.stop() }
        let result = try await agent.runAs(uid: 1000, ["inspect", "--live", "--socket", agent.endpoint, "--json"])
        #expect(result.status == 0, "\(result)\n\(agent.log)")
        #expect(result.stdout.contains("spiffe://example.org/service-a"), "\(result)")
        let denied = try await agent.runAs(uid: 1001, ["inspect", "--live", "--socket", agent.endpoint])
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("no identity issued"), "\(denied)")
    }

    @Test("an unregistered uid gets PermissionDenied: no identity issued")
    func unregisteredUidIsDenied() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:1000"])
        try await agent.start()
        defer { agent.stop() }

        let result = try await agent.runAs(uid: 1002, ["fetch", "--live", "--socket", agent.endpoint, "--timeout", "3"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("PermissionDenied"), "\(result)")
        #expect(result.stderr.contains("no identity issued"), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test("selectors are ANDed; path and sha256 come from /proc/<pid>/exe (cross-checked with sha256sum)")
    func pathAndHashSelectors() async throws {
        let agent = try AgentHarness()
        let binary = try agent.binaryPath
        let sum = try await TestSupport.run("sha256sum", [binary])
        let hash = String(sum.stdout.prefix(64))
        #expect(hash.count == 64, "\(sum)")
        // uid 1000 AND this exact executable path; uid 1001 AND the executable's hash.
        try await agent.createEntry("spiffe://example.org/by-path", selectors: ["unix:uid:1000", "unix:path:\(binary)"])
        try await agent.createEntry("spiffe://example.org/by-hash", selectors: ["unix:uid:1001", "unix:sha256:\(hash)"])
        // AND: this one needs uid 1000 and gid 1001 together, which no caller here has.
        try await agent.createEntry("spiffe://example.org/never", selectors: ["unix:uid:1000", "unix:gid:1001"])
        try await agent.start()
        defer { agent.stop() }

        let a = try await agent.runAs(uid: 1000, ["fetch", "--live", "--json", "--socket", agent.endpoint])
        #expect(a.status == 0, "\(a)\n\(agent.log)")
        #expect(try Self.decode(a.stdout).svids.map(\.spiffe_id) == ["spiffe://example.org/by-path"])
        let b = try await agent.runAs(uid: 1001, ["fetch", "--live", "--json", "--socket", agent.endpoint])
        #expect(b.status == 0, "\(b)\n\(agent.log)")
        #expect(try Self.decode(b.stdout).svids.map(\.spiffe_id) == ["spiffe://example.org/by-hash"])
    }

    @Test("a call without the workload.spiffe.io header gets InvalidArgument")
    func headerlessCallIsInvalidArgument() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/root", selectors: ["unix:uid:0"])
        try await agent.start()
        defer { agent.stop() }

        let code = try await Self.rawFetchStatus(socket: agent.socketPath, metadata: [:])
        #expect(code == .invalidArgument)
        // The same call with the header succeeds: the header was the only difference.
        let ok = try await Self.rawFetchStatus(socket: agent.socketPath, metadata: ["workload.spiffe.io": "true"])
        #expect(ok == nil)
    }

    @Test("a client cannot forge its credentials through the reserved metadata key")
    func credentialsCannotBeForged() async throws {
        let agent = try AgentHarness()
        // Only uid 1000 has an identity; this test process runs as root (uid 0).
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:1000"])
        try await agent.start()
        defer { agent.stop() }

        let me = getpid()
        let start = PeerCredentials.startTime(ofProcess: me) ?? 0
        let forged = PeerCredentials(pid: me, uid: 1000, gid: 1000, startTime: start).description
        let code = try await Self.rawFetchStatus(socket: agent.socketPath, metadata: [
            "workload.spiffe.io": "true",
            PeerCredentialsPipeline.metadataKey: .string(forged),
        ])
        #expect(code == .permissionDenied)
        #expect(!agent.log.contains("uid=1000"), "the forged uid reached the RPC:\n\(agent.log)")
        #expect(agent.log.contains("no identity issued for pid=\(me) uid=0"), "\(agent.log)")
    }

    @Test("a 5-second TTL rotates at least once on an open watch stream")
    func rotationReachesWatchStream() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/short", selectors: ["unix:uid:0"], ttl: 5)
        try await agent.start()
        defer { agent.stop() }

        let client = try WorkloadAPIClient(address: .unix(path: agent.socketPath))
        defer { client.close() }
        var serials: [String] = []
        let deadline = Date().addingTimeInterval(60)   // a hang guard, not a timing assertion
        for try await context in client.watchX509Context() {
            let svid = try #require(context.defaultSVID)
            #expect(svid.spiffeID.description == "spiffe://example.org/short")
            let serial = svid.leaf.serialNumber.description
            if serials.last != serial { serials.append(serial) }
            if serials.count >= 3 || Date() > deadline { break }
        }
        #expect(serials.count >= 3, "saw \(serials.count) SVIDs on the stream:\n\(agent.log)")
        #expect(Set(serials).count == serials.count)
    }

    @Test("the CLI watch (as uid 1000) prints each rotation")
    func cliWatchPrintsRotations() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:1000"], ttl: 5)
        try await agent.start()
        defer { agent.stop() }

        // Three states: the first, then two rotations (every 2.5 s). Only content is asserted.
        let result = try await agent.runAs(uid: 1000, ["fetch", "--live", "--watch", "--count", "3", "--json", "--socket", agent.endpoint])
        #expect(result.status == 0, "\(result)\n\(agent.log)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let states = try lines.map { try Self.decode($0) }
        #expect(states.count == 3, "\(result)\n\(agent.log)")
        #expect(Set(states.compactMap { $0.svids.first?.serial }).count == states.count)
        #expect(states.allSatisfy { $0.svids.first?.spiffe_id == "spiffe://example.org/service-a" })
        // Serials as openssl prints them: every byte two hex digits, so 0a is never just a.
        for serial in states.compactMap({ $0.svids.first?.serial }) {
            #expect(serial.split(separator: ":").allSatisfy { $0.count == 2 && $0.allSatisfy(\.isHexDigit) }, "\(serial)")
        }
        #expect(!agent.log.contains { $0 == "\u{1B}" })
        for line in agent.log.split(separator: "\n") where line.contains("serial ") {
            let serial = line.split(separator: "serial ")[1].prefix { $0 != "," && $0 != ")" }
            #expect(serial.split(separator: ":").allSatisfy { $0.count == 2 }, "\(line)")
        }
    }

    @Test("entries are picked up without a restart; deleting one ends the stream with PermissionDenied")
    func entriesReloadWithoutRestart() async throws {
        let agent = try AgentHarness()
        try await agent.start()
        defer { agent.stop() }

        let client = try WorkloadAPIClient(address: .unix(path: agent.socketPath), retry: .upTo(.milliseconds(300)))
        defer { client.close() }
        await #expect(throws: WorkloadAPIError.permissionDenied("no identity issued")) {
            _ = try await client.fetchX509Context()
        }
        let entryID = try await agent.createEntry("spiffe://example.org/late", selectors: ["unix:uid:0"])
        // PermissionDenied is retried: the client keeps asking until the agent has reloaded.
        let patient = try WorkloadAPIClient(address: .unix(path: agent.socketPath), retry: .upTo(.seconds(60)))
        defer { patient.close() }
        let context = try await patient.fetchX509Context()
        #expect(context.defaultSVID?.spiffeID.description == "spiffe://example.org/late")

        // A watch with no retries left ends with the agent's error once the entry is deleted.
        var received = 0
        var ended: WorkloadAPIError?
        do {
            for try await _ in patient.watchX509Context(retry: .upTo(.zero)) {
                received += 1
                if received == 1 {
                    let deleted = try await TestSupport.run(try agent.binaryPath, ["entry", "delete", "-entryID", entryID, "--data-dir", agent.dataDirectory.path])
                    #expect(deleted.status == 0, "\(deleted)")
                }
            }
        } catch let error as WorkloadAPIError {
            ended = error
        }
        #expect(received >= 1)
        #expect(ended == .permissionDenied("no identity issued"), "\(agent.log)")
    }

    @Test("FetchX509Bundles and its watch give the agent's CA, keyed by trust domain")
    func x509Bundles() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/root", selectors: ["unix:uid:0"])
        try await agent.start()
        defer { agent.stop() }
        let client = try WorkloadAPIClient(address: .unix(path: agent.socketPath), retry: .upTo(.milliseconds(300)))
        defer { client.close() }
        let td = try TrustDomain("example.org")
        let bundles = try await client.fetchX509Bundles()
        #expect(Array(bundles.keys) == [td])
        let onDisk = try PEM.certificates(from: try Data(contentsOf: agent.dataDirectory.appendingPathComponent("ca.pem")), source: "ca.pem")
        #expect(bundles[td]?.authorities == onDisk)
        for try await watched in client.watchX509Bundles(retry: .upTo(.zero)) {
            #expect(watched[td]?.authorities == onDisk)
            break
        }
    }

    @Test("InvalidArgument is not retried, even by a client told to retry for ever")
    func invalidArgumentIsFinal() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/root", selectors: ["unix:uid:0"])
        try await agent.start()
        defer { agent.stop() }
        let client = try WorkloadAPIClient(address: .unix(path: agent.socketPath), retry: .forever)
        defer { client.close() }
        // An empty audience is InvalidArgument: a retrying client would never return.
        let outcome = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                do { _ = try await client.fetchJWTSVID(audience: []); return "succeeded" } catch { return "\(error)" }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return "still retrying after 60 s"
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        #expect(outcome.contains("audience must be specified"), "\(outcome)")
    }

    @Test("an X509Source keeps its SVID while the agent restarts, then picks up the new one")
    func sourceReconnectsAfterRestart() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/steady", selectors: ["unix:uid:0"])
        try await agent.start()

        let source = X509Source(client: try WorkloadAPIClient(address: .unix(path: agent.socketPath)))
        defer { source.close() }
        try await source.waitUntilReady(timeout: .seconds(60))
        let first = try source.x509SVID().leaf.serialNumber
        let updates = source.updates()

        await agent.stopped()
        // While the agent is down the source still answers with what it has.
        #expect(try source.x509SVID().leaf.serialNumber == first)
        try await agent.start()
        defer { agent.stop() }

        // A new agent process mints a new SVID (same CA, kept in the data directory).
        var newer: X509Context?
        for await context in updates where context.defaultSVID?.leaf.serialNumber != first {
            newer = context
            break
        }
        let svid = try #require(newer?.defaultSVID)
        #expect(svid.spiffeID.description == "spiffe://example.org/steady")
        #expect(try source.x509SVID().leaf.serialNumber == svid.leaf.serialNumber)
        #expect(source.updateCount >= 2)
        #expect(agent.log.components(separatedBy: "trust domain example.org").count == 2)
    }

    /// A FetchX509SVID call made with the generated client directly, so the test decides the
    /// metadata (our WorkloadAPIClient always sends the header). Returns the error code, or nil
    /// when the first message arrived.
    static func rawFetchStatus(socket: String, metadata: Metadata) async throws -> RPCError.Code? {
        try await withGRPCClient(
            transport: try .http2NIOPosix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        ) { grpc in
            let service = Workload_SpiffeWorkloadAPI.Client(wrapping: grpc)
            do {
                return try await service.fetchX509SVID(Workload_X509SVIDRequest(), metadata: metadata) { response in
                    for try await _ in response.messages { return nil }
                    return RPCError.Code.unknown
                }
            } catch let error as RPCError {
                return error.code
            }
        }
    }
}
