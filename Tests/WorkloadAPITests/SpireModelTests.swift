import Foundation
import TestSupport
import Testing

/// The SPIRE model end to end: `spiffe-demo server`, `spiffe-demo agent --server`, workloads as
/// uids 1000 and 1001, judged by py-spiffe and `cryptography` (software nobody here wrote).
@Suite("The SPIRE model: server, agent tier, workloads", .serialized)
struct SpireModelTests {
    /// Fetches as this uid; prints the SVID's ID, the SHA-256 of the bundle root its chain
    /// verifies to, the leaf's subject, the bundle size, or DENIED.
    static let fetch = #"""
import hashlib, json, sys, datetime
from cryptography.hazmat.primitives.serialization import Encoding
from spiffe import WorkloadApiClient
client = WorkloadApiClient(socket_path=sys.argv[1])
try:
    context = client.fetch_x509_context(timeout=20)
except Exception as e:
    print("DENIED" if "PERMISSION_DENIED" in str(e) else "ERROR " + type(e).__name__ + " " + str(e))
    sys.exit(0)
svid = context.default_svid
roots = context.x509_bundle_set.get_bundle_for_trust_domain(svid.spiffe_id.trust_domain).x509_authorities
leaf = svid.cert_chain[0]
signer = None
for root in roots:
    try:
        leaf.verify_directly_issued_by(root)
        signer = root
    except Exception:
        pass
now = datetime.datetime.now(datetime.timezone.utc)
assert leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc
print(json.dumps({
    "spiffe_id": str(svid.spiffe_id),
    "signer": hashlib.sha256(signer.public_bytes(Encoding.DER)).hexdigest() if signer else None,
    "subject": leaf.subject.rfc4514_string(),
    "roots": len(roots),
}))
"""#

    struct Fetched: Decodable {
        let spiffe_id: String
        let signer: String?
        let subject: String
        let roots: Int
    }

    /// py-spiffe's view of what the agent gives `uid`: nil when the answer is PermissionDenied.
    func fetch(_ spire: SpireHarness, uid: Int) async throws -> Fetched? {
        let result = try await spire.runPython(asUid: uid, Self.fetch, [spire.endpoint])
        let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        if line == "DENIED" { return nil }
        guard result.status == 0, line.hasPrefix("{") else { throw HarnessError("python as uid \(uid): \(result)") }
        return try JSONDecoder().decode(Fetched.self, from: Data(line.utf8))
    }

    /// Polls until `uid` is given the ID, for changes that arrive with the next sync, then
    /// returns py-spiffe's view. The polling is done by `spiffe-demo fetch --live` (a fraction of
    /// a Python start-up's CPU, which matters on a 2-core machine running the whole suite).
    func waitFor(_ spire: SpireHarness, uid: Int, id: String, deadline: TimeInterval = 60) async throws -> Fetched? {
        let end = Date().addingTimeInterval(deadline)
        var last = ""
        repeat {
            let result = try await TestSupport.run(
                "setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", try spire.binary,
                            "fetch", "--live", "--socket", spire.endpoint, "--timeout", "1"],
                currentDirectory: spire.root, deadline: 60)
            last = result.stdout + result.stderr
            if result.status == 0, result.stdout.contains("SPIFFE ID:\t\t\(id)\n") { return try await fetch(spire, uid: uid) }
            try await Task.sleep(for: .milliseconds(300))
        } while Date() < end
        throw HarnessError("uid \(uid) never got \(id); last: \(last)")
    }

    /// The SHA-256 of each certificate of a PEM bundle, as `openssl x509 -outform DER | sha256`.
    func fingerprints(_ pem: String) async throws -> [String] {
        let blocks = pem.components(separatedBy: "-----END CERTIFICATE-----").filter { $0.contains("BEGIN") }
        var fingerprints: [String] = []
        for block in blocks {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("fp-\(UUID().uuidString).pem")
            try Data((block + "-----END CERTIFICATE-----\n").utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let der = try await TestSupport.run("openssl", ["x509", "-in", file.path, "-outform", "DER", "-out", file.path + ".der"])
            guard der.status == 0 else { throw HarnessError("openssl: \(der)") }
            defer { try? FileManager.default.removeItem(atPath: file.path + ".der") }
            let digest = try await TestSupport.run("openssl", ["dgst", "-sha256", "-r", file.path + ".der"])
            fingerprints.append(String(digest.stdout.prefix { !$0.isWhitespace }))
        }
        return fingerprints
    }

    @Test("Two workloads get their IDs, signed by the server's CA, under the agent that attested with a join token")
    func workloadsGetServerSignedSVIDs() async throws {
        let spire = try SpireHarness()
        try await spire.startServer(["--key-manager", "disk"])
        let roots = try await fingerprints(try await spire.writeBundle())
        #expect(roots.count == 1)
        let token = try await spire.joinToken()
        let agent = try await spire.startAgent(["--join-token", token])
        let agentID = try await spire.agentID(agent)
        #expect(agentID == "spiffe://example.org/spire/agent/join_token/\(token)")

        try await spire.createEntry("spiffe://example.org/service-a", parent: agentID, uid: 1000)
        try await spire.createEntry("spiffe://example.org/service-b", parent: agentID, uid: 1001)
        let a = try #require(try await waitFor(spire, uid: 1000, id: "spiffe://example.org/service-a"))
        let b = try #require(try await waitFor(spire, uid: 1001, id: "spiffe://example.org/service-b"))
        // Signed directly by the server's self-signed CA, shaped as SPIRE shapes leaves.
        #expect(a.signer == roots[0])
        #expect(b.signer == roots[0])
        #expect(a.subject == "O=SPIRE,C=US")
        #expect(try await fetch(spire, uid: 1002) == nil)   // no entry: PermissionDenied

        // The entries name the agent as their parent; the agent is on the server's list.
        let entries = try await spire.demo(["entry", "show"] + spire.admin + ["-parentID", agentID])
        #expect(entries.hasPrefix("Found 2 entries"), "\(entries)")
        #expect(entries.components(separatedBy: "Parent ID        : \(agentID)").count - 1 == 2, "\(entries)")
        let agents = try await spire.demo(["agent", "list"] + spire.admin)
        #expect(agents.contains(agentID) && agents.contains("join_token"))
        // The issuance, traced in the two logs (Day 8's exercise).
        let server = spire.server!.stderr, agentLog = agent.stderr
        #expect(server.contains("node attested: \(agentID) (join_token)"))
        #expect(server.contains("SVID signed: spiffe://example.org/service-a"))
        #expect(agentLog.contains("CSRs sent:"))
        #expect(agentLog.contains("workload attested: "))
    }

    @Test("A spent join token is refused: the second agent exits non-zero with the server's reason")
    func spentJoinTokenIsRefused() async throws {
        let spire = try SpireHarness()
        try await spire.startServer()
        try await spire.writeBundle()
        let token = try await spire.joinToken()
        _ = try await spire.startAgent(["--join-token", token])
        let second = try spire.agentProcess(["--join-token", token])
        #expect(try await second.waitForExit(deadline: 60) != 0)
        let lines = second.stderr.split(separator: "\n").filter { !$0.contains(" info ") && !$0.contains(" debug ") }
        #expect(lines.count == 1, "\(second.stderr)")
        #expect(second.stderr.contains("join token does not exist or has already been used"), "\(second.stderr)")
        #expect(spire.server!.stderr.contains("node attestation refused"))
    }

    @Test("aws_iid: a document attests once; a replay and a forgery (another key) are refused")
    func instanceIdentityDocuments() async throws {
        let spire = try SpireHarness()
        let iid = spire.root.appendingPathComponent("iid").path
        try await spire.demo(["iid", "make", "--account", "123456789012", "--region", "us-east-1", "--instance", "i-0abc", "--out", iid])
        try await spire.startServer(["--aws-iid-cert", iid + "/aws-stand-in.pem", "--aws-iid-account", "123456789012"])
        try await spire.writeBundle()
        let agent = try await spire.startAgent(["--iid", iid])
        #expect(try await spire.agentID(agent) == "spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0abc")

        let replay = try spire.agentProcess(["--iid", iid])
        #expect(try await replay.waitForExit(deadline: 60) != 0)
        #expect(replay.stderr.contains("has already attested"), "\(replay.stderr)")

        // Same fields, another instance, signed with a key that is not the stand-in's.
        let forged = spire.root.appendingPathComponent("forged").path
        try await spire.demo(["iid", "make", "--account", "123456789012", "--region", "us-east-1", "--instance", "i-0def", "--out", forged])
        let forgery = try spire.agentProcess(["--iid", forged])
        #expect(try await forgery.waitForExit(deadline: 60) != 0)
        #expect(forgery.stderr.contains("signature does not verify"), "\(forgery.stderr)")

        // An account outside the allow-list, even with a valid signature.
        let other = spire.root.appendingPathComponent("iid").path
        try await spire.demo(["iid", "make", "--account", "999999999999", "--region", "us-east-1", "--instance", "i-0xyz", "--out", other])
        let outsider = try spire.agentProcess(["--iid", other])
        #expect(try await outsider.waitForExit(deadline: 60) != 0)
        #expect(outsider.stderr.contains("account 999999999999 is not one this server accepts"), "\(outsider.stderr)")
    }

    @Test("Server down: cached SVIDs still served to a new caller, new entries only once it is back; a disk restart keeps the CA and entries")
    func serverDownAndDiskRestart() async throws {
        let spire = try SpireHarness()
        try await spire.startServer(["--key-manager", "disk"])
        let bundleBefore = try await spire.writeBundle()
        let agent = try await spire.startAgent(["--join-token", try await spire.joinToken()])
        let agentID = try await spire.agentID(agent)
        let entryA = try await spire.createEntry("spiffe://example.org/service-a", parent: agentID, uid: 1000)
        _ = try await waitFor(spire, uid: 1000, id: "spiffe://example.org/service-a")

        await spire.stopServer()
        _ = try await agent.waitFor("server unreachable", onStderr: true, deadline: 30)
        // A process that never fetched before still gets the cached SVID.
        #expect(try await fetch(spire, uid: 1000)?.spiffe_id == "spiffe://example.org/service-a")

        // The server back on other ports, so the agent still cannot reach it: an entry created
        // there is unknown to the agent.
        try await spire.startServer(["--key-manager", "disk"], ports: (try freePort(), try freePort()))
        let entryB = try await spire.createEntry("spiffe://example.org/service-b", parent: agentID, uid: 1001)
        try await Task.sleep(for: .milliseconds(1_500))   // several sync intervals
        #expect(try await fetch(spire, uid: 1001) == nil)

        // Back where the agent expects it: the next sync brings the new entry.
        await spire.stopServer()
        try await spire.startServer(["--key-manager", "disk"])
        _ = try await agent.waitFor("server reachable again", onStderr: true, deadline: 30)
        #expect(try await waitFor(spire, uid: 1001, id: "spiffe://example.org/service-b")?.spiffe_id == "spiffe://example.org/service-b")

        // disk: same CA, same bundle, same entries after the restarts.
        #expect(try await spire.writeBundle() == bundleBefore)
        let entries = try await spire.demo(["entry", "show"] + spire.admin)
        #expect(entries.contains(entryA) && entries.contains(entryB))
        #expect(spire.server!.stderr.contains("CA loaded from disk"))
    }

    @Test("memory restart: a new CA, the old root kept beside it, and agents given the new bundle pass it to workloads")
    func memoryRestartMakesANewCA() async throws {
        let spire = try SpireHarness()
        try await spire.startServer(["--key-manager", "memory"])
        let first = try await fingerprints(try await spire.writeBundle())
        let agent = try await spire.startAgent(["--join-token", try await spire.joinToken()])
        let agentID = try await spire.agentID(agent)
        try await spire.createEntry("spiffe://example.org/service-a", parent: agentID, uid: 1000)
        let before = try #require(try await waitFor(spire, uid: 1000, id: "spiffe://example.org/service-a"))
        #expect(before.roots == 1)

        await spire.stopServer()
        try await spire.startServer(["--key-manager", "memory"])
        #expect(spire.server!.stderr.contains("new CA"))
        let second = try await fingerprints(try await spire.demo(["bundle", "show"] + spire.admin))
        #expect(second.count == 2)
        #expect(second.first == first.first)   // the old root stays until it expires
        #expect(second.last != first.first)

        // The agent knows only the old root, so the restarted server's certificate does not
        // verify: the agent keeps serving its cache and reports the server unreachable.
        _ = try await agent.waitFor("server unreachable", onStderr: true, deadline: 30)
        #expect(try await fetch(spire, uid: 1000)?.roots == 1)

        // The operator hands the agent the new bundle (its --trust-bundle file); the next sync
        // verifies the server and brings the bundle to the workloads.
        try await spire.writeBundle()
        _ = try await agent.waitFor("updated: 2 roots", onStderr: true, deadline: 30)
        let after = try #require(try await fetch(spire, uid: 1000))
        #expect(after.roots == 2)
        #expect(after.signer == first.first)   // its SVID is still the old CA's until it renews
    }
}
