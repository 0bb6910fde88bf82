import Foundation
@testable import SpiffeAgent
import SpiffeIdentity
import SpiffeWorkloadAPI
import SpiffeX509
import TestSupport
import Testing
import WorkloadAPIProto

@Suite("Agent building blocks")
struct AgentUnitTests {
    let td = try! TrustDomain("example.org")
    var agentID: SpiffeID { AgentDataDirectory.agentID(in: td) }

    func entry(_ path: String, _ selectors: [String], ttl: Int = 3600) throws -> RegistrationEntry {
        try RegistrationEntry(
            spiffeID: try SpiffeID(trustDomain: td, path: path), parentID: agentID,
            selectors: try selectors.map { (s: String) throws(AgentError) in try Selector(s) }, x509SVIDTTL: ttl)
    }

    @Test("selectors split at the first colon only")
    func selectorParsing() throws {
        let selector = try Selector("unix:path:/usr/bin/a:b")
        #expect(selector.type == "unix")
        #expect(selector.value == "path:/usr/bin/a:b")
        #expect(selector.description == "unix:path:/usr/bin/a:b")
        #expect(throws: AgentError.self) { try Selector("unix") }
        #expect(throws: AgentError.self) { try Selector(":uid:1") }
    }

    @Test("an entry matches when ALL its selectors are the workload's (AND)")
    func andSemantics() throws {
        let entry = try entry("/web", ["unix:uid:1000", "unix:gid:1000"])
        let both: Set<Selector> = [.unix("uid", "1000"), .unix("gid", "1000"), .unix("user", "alice")]
        let one: Set<Selector> = [.unix("uid", "1000"), .unix("gid", "27")]
        #expect(entry.matches(both))
        #expect(!entry.matches(one))
        #expect(throws: AgentError.self) { try self.entry("/none", []) }
    }

    @Test("the entry store: create, duplicate refused, delete, file mode 0600")
    func entryStore() throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "entries")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = EntryStore(directory: dir.appendingPathComponent("data"))
        #expect(try store.load().isEmpty)
        let a = try entry("/a", ["unix:uid:1000"])
        try store.create(a)
        #expect(throws: AgentError.entryExists(a.entryID)) { try store.create(try self.entry("/a", ["unix:uid:1000"])) }
        try store.create(try entry("/b", ["unix:uid:1001"]))
        #expect(try store.load().map(\.spiffeID.path) == ["/a", "/b"])
        let mode = try FileManager.default.attributesOfItem(atPath: store.file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let stamp = store.stamp()
        try store.delete(entryID: a.entryID)
        #expect(store.stamp() != stamp)
        #expect(try store.load().map(\.spiffeID.path) == ["/b"])
        #expect(throws: AgentError.entryNotFound("nope")) { try store.delete(entryID: "nope") }
    }

    @Test("an entries.json edited to hold an entry that entry create refuses is refused on load, not served",
          arguments: [("selectors", "[]", "at least one -selector"), ("x509SVIDTTL", "-5", "TTLs must be positive"),
                      ("federatesWith", "[\"example.org\"]", "own trust domain")])
    func storedEntriesPassTheSameRules(field: String, value: String, reason: String) throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "entries-edit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = EntryStore(directory: dir.appendingPathComponent("data"))
        try store.create(try entry("/a", ["unix:uid:1000"]))
        // The edit a learner (or a fuzzer) might make by hand; an entry with no selectors would
        // match every workload on the machine.
        var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: store.file)) as? [String: Any])
        var entries = try #require(document["entries"] as? [[String: Any]])
        entries[0][field] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        document["entries"] = entries
        try JSONSerialization.data(withJSONObject: document).write(to: store.file)
        #expect {
            _ = try store.load()
        } throws: { error in
            "\(error)".contains("entries.json is not valid") && "\(error)".contains(reason)
        }
    }

    @Test("the CA is kept in the data directory (key 0600) and its trust domain is enforced")
    func caPersistence() throws {
        let dir = try TestSupport.makeTempDirectory(prefix: "agent-ca")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = AgentDataDirectory(dir.appendingPathComponent("data"))
        let first = try data.loadOrCreateCA(trustDomain: td, now: Date())
        let again = try data.loadOrCreateCA(trustDomain: nil, now: Date())
        #expect(first.certificate == again.certificate)
        let keyMode = try FileManager.default.attributesOfItem(atPath: data.url.appendingPathComponent("ca.key").path)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        #expect(throws: AgentError.self) { try data.loadOrCreateCA(trustDomain: try TrustDomain("other.org"), now: Date()) }
        // An expired CA is replaced, same trust domain.
        let later = try data.loadOrCreateCA(trustDomain: nil, now: first.certificate.notValidAfter + 1)
        #expect(later.certificate != first.certificate)
        #expect(later.trustDomain == td)
    }

    @Test("SVIDs rotate at half their lifetime, on a fake clock")
    func rotationAtHalfTTL() throws {
        let t0 = Date(timeIntervalSince1970: 2_000_000_000)
        let ca = try CertificateAuthority(trustDomain: td, now: t0)
        let cache = SVIDCache(ca: ca)
        let a = try entry("/a", ["unix:uid:1000"], ttl: 100)
        let changes = try cache.refresh(entries: [a], now: t0)
        #expect(changes.count == 1)
        let selectors: Set<Selector> = [.unix("uid", "1000")]
        let first = try #require(cache.identities(for: selectors).first)
        #expect(first.rotateAt == t0 + 50)
        #expect(first.svid.leaf.notValidAfter == t0 + 100)

        #expect(try cache.refresh(now: t0 + 49).isEmpty)
        #expect(cache.identities(for: selectors).first?.svid.leaf.serialNumber == first.svid.leaf.serialNumber)
        let version = cache.version
        #expect(try cache.refresh(now: t0 + 50).count == 1)
        #expect(cache.version == version + 1)
        #expect(cache.identities(for: selectors).first?.svid.leaf.serialNumber != first.svid.leaf.serialNumber)

        // Removing the entry removes the SVID; the workload has no identity any more.
        #expect(try cache.refresh(entries: [], now: t0 + 60) == [.removed(a.spiffeID, entryID: a.entryID)])
        #expect(cache.identities(for: selectors).isEmpty)
    }

    @Test("several matching entries give several SVIDs, oldest entry first; foreign entries are skipped")
    func severalEntries() throws {
        let t0 = Date()
        let cache = SVIDCache(ca: try CertificateAuthority(trustDomain: td, now: t0))
        let a = try entry("/a", ["unix:uid:1000"])
        let b = try entry("/b", ["unix:gid:1000"])
        let foreign = try RegistrationEntry(spiffeID: try SpiffeID("spiffe://other.org/x"), parentID: agentID, selectors: [.unix("uid", "1000")])
        let otherParent = try RegistrationEntry(spiffeID: try SpiffeID("spiffe://example.org/y"), parentID: try SpiffeID("spiffe://example.org/spire/agent/elsewhere"), selectors: [.unix("uid", "1000")])
        let changes = try cache.refresh(entries: [a, b, foreign, otherParent], now: t0)
        #expect(changes.filter { if case .skipped = $0 { return true } else { return false } }.count == 2)
        let ids = cache.identities(for: [.unix("uid", "1000"), .unix("gid", "1000")]).map(\.svid.spiffeID.path)
        #expect(ids == ["/a", "/b"])
    }

    @Test("peer credentials: encoding round-trips; start time of a live process; Groups: parsing")
    func peerCredentials() throws {
        let credentials = PeerCredentials(pid: 42, uid: 1000, gid: 1001, startTime: 123456)
        #expect(PeerCredentials(encoded: credentials.description) == credentials)
        #expect(PeerCredentials(encoded: "pid=1 uid=0") == nil)
        #expect(PeerCredentials(encoded: "pid=1 uid=0 gid=0 start=x") == nil)
        let mine = try #require(PeerCredentials.startTime(ofProcess: getpid()))
        #expect(mine > 0)
        #expect(PeerCredentials.startTime(ofProcess: getpid()) == mine)
        #expect(PeerCredentials.startTime(ofProcess: 0x3FFF_FFFF) == nil)
        #expect(UnixWorkloadAttestor.supplementaryGroups(status: "Name:\tx\nGroups:\t4 27 1000 \nNgid:\t0\n") == [4, 27, 1000])
        #expect(UnixWorkloadAttestor.supplementaryGroups(status: "Groups:\t\n").isEmpty)
    }

    @Test("attesting this process: uid/gid, path and hash of /proc/self/exe, and the PID-reuse guard")
    func attestSelf() async throws {
        let me = getpid()
        let start = try #require(PeerCredentials.startTime(ofProcess: me))
        let attestor = UnixWorkloadAttestor()
        let selectors = try attestor.attest(PeerCredentials(pid: me, uid: getuid(), gid: getgid(), startTime: start))
        #expect(selectors.contains(.unix("uid", String(getuid()))))
        #expect(selectors.contains(.unix("gid", String(getgid()))))
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #expect(selectors.contains(.unix("path", exe)))
        let sum = try await TestSupport.run("sha256sum", [exe])
        #expect(selectors.contains(.unix("sha256", String(sum.stdout.prefix(64)))))
        // A different start time means /proc describes another process: refuse.
        #expect(throws: AgentError.self) {
            try attestor.attest(PeerCredentials(pid: me, uid: getuid(), gid: getgid(), startTime: start + 1))
        }
    }
}

@Suite("Decoding Workload API responses")
struct WorkloadAPIResponseTests {
    func response(for id: String, ca: CertificateAuthority) throws -> Workload_X509SVIDResponse {
        let svid = try ca.issueSVID(for: try SpiffeID(id))
        var wire = Workload_X509SVID()
        wire.spiffeID = id
        wire.x509Svid = Data(try svid.chainDER())
        wire.x509SvidKey = Data(try svid.privateKeyDER())
        wire.bundle = Data(try ca.bundle.der())
        var response = Workload_X509SVIDResponse()
        response.svids = [wire]
        return response
    }

    @Test("a well-formed response becomes an X509Context")
    func decodes() throws {
        let ca = try CertificateAuthority(trustDomain: try TrustDomain("example.org"))
        let partner = try CertificateAuthority(trustDomain: try TrustDomain("partner.org"))
        var response = try response(for: "spiffe://example.org/a", ca: ca)
        response.federatedBundles = ["spiffe://partner.org": Data(try partner.bundle.der())]
        let context = try WorkloadAPIResponse.x509Context(from: response)
        #expect(context.defaultSVID?.spiffeID.description == "spiffe://example.org/a")
        #expect(Set(context.bundles.keys.map(\.name)) == ["example.org", "partner.org"])
    }

    @Test("empty svids, a mismatched spiffe_id, a foreign key, a bad bundle key are rejected")
    func rejects() throws {
        let ca = try CertificateAuthority(trustDomain: try TrustDomain("example.org"))
        #expect(throws: WorkloadAPIError.self) { try WorkloadAPIResponse.x509Context(from: Workload_X509SVIDResponse()) }

        var lying = try response(for: "spiffe://example.org/a", ca: ca)
        lying.svids[0].spiffeID = "spiffe://example.org/admin"
        #expect(throws: WorkloadAPIError.self) { try WorkloadAPIResponse.x509Context(from: lying) }

        var wrongKey = try response(for: "spiffe://example.org/a", ca: ca)
        wrongKey.svids[0].x509SvidKey = try response(for: "spiffe://example.org/b", ca: ca).svids[0].x509SvidKey
        #expect(throws: WorkloadAPIError.self) { try WorkloadAPIResponse.x509Context(from: wrongKey) }

        var badKey = try response(for: "spiffe://example.org/a", ca: ca)
        badKey.federatedBundles = ["partner.org/x": Data(try ca.bundle.der())]
        #expect(throws: WorkloadAPIError.self) { try WorkloadAPIResponse.x509Context(from: badKey) }
    }
}
