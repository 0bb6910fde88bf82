import Foundation
import SpiffeExchange
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import TestSupport
import Testing

/// The commands in simulated mode (no agent): processes share a trust domain through the CA kept
/// in a directory, created race-free however many start at once.
@Suite("tls-server, tls-client and svid-exchange, simulated", .serialized)
struct SimulatedCLITests {
    @Test("svid-exchange a and b started at the same moment share one CA and both find the peer valid")
    func concurrentExchange() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "exchange")
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = try TestSupport.product("spiffe-demo").path
        let sides = try ["a", "b"].map { name in
            try BackgroundProcess("svid-exchange \(name)", binary, ["svid-exchange", "--name", name, "--dir", dir.path, "--state", dir.appendingPathComponent("state").path, "--timeout", "60"])
        }
        defer { sides.forEach { $0.stop() } }
        var statuses: [Int32] = []
        for side in sides { statuses.append(try await side.waitForExit()) }
        #expect(statuses == [0, 0], "\(sides.map { $0.stdout + $0.stderr })")
        #expect(sides[0].stdout.contains("peer b is spiffe://example.org/service-b: valid"), "\(sides[0].stdout)")
        #expect(sides[1].stdout.contains("peer a is spiffe://example.org/service-a: valid"), "\(sides[1].stdout)")
        // One trust domain with one CA, and nothing left behind by the loser of the race.
        let entries = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(entries == ["state", "svid-a.pem", "svid-b.pem"], "\(entries)")
        let domain = dir.appendingPathComponent("state/trust-domains/example.org")
        let files = try FileManager.default.contentsOfDirectory(atPath: domain.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files == ["ca.key", "ca.pem", "jwt", "state.json"] || files == ["ca.key", "ca.pem", "state.json"], "\(files)")
        let sequence = try String(contentsOf: domain.appendingPathComponent("state.json"), encoding: .utf8)
        #expect(sequence.contains("\"spiffe_sequence\" : 1"), "one CA was made, once: \(sequence)")
    }

    @Test("a peer file signed by a CA outside the bundle fails check 5, and svid-exchange exits 1")
    func forgedPeerFile() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "exchange")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Someone drops a leaf for the right ID, signed by a CA of their own.
        let rogue = try CertificateAuthority(trustDomain: try TrustDomain("example.org"))
        let forged = try rogue.issueSVID(for: try SpiffeID("spiffe://example.org/service-b"))
        try Data(try PEM.encode([forged.leaf]).utf8).write(to: dir.appendingPathComponent("svid-b.pem"))

        let result = try await TestSupport.run("spiffe-demo", ["svid-exchange", "--name", "a", "--dir", dir.path, "--state", dir.appendingPathComponent("state").path], deadline: 60)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("FAIL 5 chain to bundle"), "\(result)")
        #expect(result.stderr.contains("peer b (spiffe://example.org/service-b) is NOT valid: REJECTED by check 5 (chain to bundle)"), "\(result)")
    }

    @Test("a peer file much older than this side's start is used, with a note that it is probably left over")
    func leftoverPeerFileIsNoted() async throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "exchange")
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = try TestSupport.product("spiffe-demo").path
        let sides = try ["a", "b"].map { name in
            try BackgroundProcess("svid-exchange \(name)", binary, ["svid-exchange", "--name", name, "--dir", dir.path, "--state", dir.appendingPathComponent("state").path, "--timeout", "60"])
        }
        var statuses: [Int32] = []
        for side in sides { statuses.append(try await side.waitForExit()) }
        #expect(statuses == [0, 0])
        // b's file from that run, as if it had been there for two hours.
        let peer = dir.appendingPathComponent("svid-b.pem")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: peer.path)
        let alone = try await TestSupport.run(binary, ["svid-exchange", "--name", "a", "--dir", dir.path, "--state", dir.appendingPathComponent("state").path, "--timeout", "60"], deadline: 120)
        #expect(alone.status == 0, "\(alone)")
        #expect(alone.stderr.contains("note: svid-b.pem was written 2h"), "\(alone.stderr)")
        #expect(alone.stderr.contains("left over from an earlier run"), "\(alone.stderr)")
        // A fresh peer file (the normal case) gets no such note.
        #expect(!sides[0].stderr.contains("left over"), "\(sides[0].stderr)")
    }

    @Test("a peer file this user cannot read is reported at once, in one line, not waited on")
    func unreadablePeerFile() async throws {
        let sandbox = try AgentHarness()   // only for its world-reachable copy of the binary
        let dir = try sandbox.sharedDirectory("exchange")
        // Root leaves a peer file readable by root alone; side a runs as uid 1000.
        let peer = dir.appendingPathComponent("svid-b.pem")
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: peer)
        chmod(peer.path, 0o600)
        let result = try await sandbox.runAs(uid: 1000, ["svid-exchange", "--name", "a", "--dir", dir.path, "--state", dir.appendingPathComponent("state").path, "--timeout", "60"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("svid-b.pem: the file exists but is not readable by this user"), "\(result)")
        #expect(!result.stderr.contains("waited"), "\(result)")
    }

    @Test("simulated tls-server renews its SVID at half its TTL; the client sees a new serial from the same server")
    func simulatedRotation() async throws {
        let state = try TestSupport.makeTempDirectory(prefix: "tls-state")
        defer { try? FileManager.default.removeItem(at: state) }
        let binary = try TestSupport.product("spiffe-demo").path
        let server = try BackgroundProcess("tls-server", binary,
            ["tls-server", "--listen", "127.0.0.1:0", "--state-dir", state.path, "--svid-ttl", "4", "--allow-id", "spiffe://example.org/client"])
        defer { server.stop() }
        let port = try await listeningPort(server)
        let client = try await TestSupport.run("spiffe-demo", ["tls-client", "--connect", "127.0.0.1:\(port)", "--state", state.path,
            "--expect-id", "spiffe://example.org/server", "--count", "8", "--interval", "0.5",
            "--write-peer", state.appendingPathComponent("peers").path], deadline: 120)
        #expect(client.status == 0, "\(client)\n\(server.stderr)")
        // --write-peer kept what the server sent on each connection, and its bundle: openssl
        // (nobody here wrote it) verifies the first and the last against that bundle.
        let peers = state.appendingPathComponent("peers")
        for n in [1, 8] {
            // -no_check_time: a 4 s SVID may have expired since; the chain is what is checked.
            let verify = try await TestSupport.run("openssl", ["verify", "-no_check_time", "-CAfile", peers.appendingPathComponent("bundle.pem").path,
                                                         peers.appendingPathComponent("server.\(n).pem").path], deadline: 60)
            #expect(verify.status == 0, "\(verify)")
        }
        #expect(try String(contentsOf: peers.appendingPathComponent("server.1.pem"), encoding: .utf8)
                != String(contentsOf: peers.appendingPathComponent("server.8.pem"), encoding: .utf8), "a rotation between them")
        let serials = client.stdout.split(separator: "\n").compactMap { line -> Substring? in
            guard let range = line.range(of: "certificate serial ") else { return nil }
            return line[range.upperBound...].split(separator: ",").first
        }
        #expect(serials.count == 8, "\(client)")
        #expect(Set(serials).count >= 2, "\(serials)")
        #expect(server.isRunning)
    }

    @Test("conflicting or malformed options are one-line errors")
    func optionErrors() async throws {
        let both = try await TestSupport.run("spiffe-demo", ["tls-server", "--allow-id", "spiffe://example.org/a", "--allow-td", "example.org",
                                                       "--state-dir", "/nonexistent/never-created"])
        #expect(both.status == 1)
        #expect(both.stderr == "tls-server: use one of --allow-id (repeatable), --allow-td or --allow-any, not several\n", "\(both)")
        let badAddress = try await TestSupport.run("spiffe-demo", ["tls-client", "--connect", "localhost"])
        #expect(badAddress.status == 1)
        #expect(badAddress.stderr == "tls-client: --connect localhost: expected host:port, e.g. 127.0.0.1:7443\n", "\(badAddress)")
        let badName = try await TestSupport.run("spiffe-demo", ["svid-exchange", "--name", "c", "--dir", NSTemporaryDirectory()])
        #expect(badName.status == 1)
        #expect(badName.stderr == "svid-exchange: --name must be a or b, not 'c'\n", "\(badName)")
        let state = try TestSupport.makeTempDirectory(prefix: "tls-state")
        defer { try? FileManager.default.removeItem(at: state) }
        let nothingThere = try await TestSupport.run("spiffe-demo", ["tls-client", "--connect", "127.0.0.1:\(try freePort())",
                                                               "--state-dir", state.path])
        #expect(nothingThere.status == 1)
        #expect(nothingThere.stderr.contains("\ntls-client: cannot connect: "), "\(nothingThere)")
    }
}
