import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SpiffeBundles
import SpiffeIdentity
import SpiffeJWT
import SpiffeWorkloadAPI
import TestSupport
import Testing
import WorkloadAPIProto

/// The agent's JWT RPCs through the real binary: FetchJWTSVID, FetchJWTBundles and
/// ValidateJWTSVID, with the same attestation as the X.509 calls, checked by our own validator,
/// by `jwt-parse`, by py-spiffe (its client and its local validation) and by PyJWT.
@Suite("Workload API JWT-SVIDs end to end", .serialized)
struct AgentJWTTests {
    /// A client that gives up quickly on PermissionDenied, so a denial is seen as one.
    /// A client that waits up to 10 s for the agent: on a loaded 2-core machine the first
    /// connection alone can take longer than a second.
    static func client(_ agent: AgentHarness) throws -> WorkloadAPIClient {
        try WorkloadAPIClient(address: .unix(path: agent.socketPath), retry: .upTo(.seconds(10)))
    }

    /// Waits (up to 60 s) until the agent answers this process at all: its first answer needs a
    /// connection and the agent's hash of this test binary, and a loaded 2-core machine can take
    /// longer than any one call's budget for both.
    static func waitUntilAnswered(_ client: WorkloadAPIClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                _ = try await client.fetchJWTBundles()
                return
            } catch WorkloadAPIError.unavailable where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// A call expected to fail with a status clients retry (PermissionDenied): made with a 300 ms
    /// retry budget, and made again while the only failure is a connection not up yet.
    static func quickly<T: Sendable>(_ agent: AgentHarness, _ call: (WorkloadAPIClient) async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let client = try WorkloadAPIClient(address: .unix(path: agent.socketPath), retry: .upTo(.milliseconds(300)))
            defer { client.close() }
            do {
                return try await call(client)
            } catch WorkloadAPIError.unavailable where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    static func jsonObject(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("jwt-svid --live as uid 1000: the token's sub, aud and lifetime come from the entry; jwt-parse validates it against the written bundle")
    func cliFetchAndParse() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:1000"], jwtTTL: 120)
        try await agent.createEntry("spiffe://example.org/service-b", selectors: ["unix:uid:1001"])
        try await agent.start()
        defer { agent.stop() }

        let out = agent.root.appendingPathComponent("jwt-a")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        chown(out.path, 1000, 1000)
        let a = try await agent.runAs(uid: 1000, ["jwt-svid", "--live", "--socket", agent.endpoint,
                                            "--audience", "spiffe://example.org/service-b", "--write", out.path, "--json"])
        #expect(a.status == 0, "\(a)\n\(agent.log)")
        let fetched = try Self.jsonObject(Data(a.stdout.utf8))
        #expect(fetched["spiffe_id"] as? String == "spiffe://example.org/service-a")
        #expect(fetched["audience"] as? [String] == ["spiffe://example.org/service-b"])
        let token = try #require(fetched["token"] as? String)
        let parsed = try JWTToken.parse(token)
        // -jwtSVIDTTL 120 on the entry: exp - iat is the entry's lifetime, not the 5m default.
        let issuedAt = try #require(parsed.issuedAt), expiry = try #require(parsed.expiry)
        #expect(expiry.timeIntervalSince(issuedAt) == 120)
        #expect(parsed.algorithm == "ES256")
        #expect(parsed.type == "JWT")

        // The token file is a bearer credential: owner-only.
        let attributes = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("jwt_svid.token").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // jwt-parse, a separate process, validates it against the JWKS the agent served.
        let verdict = try await TestSupport.run(try agent.binaryPath, [
            "jwt-parse", out.appendingPathComponent("jwt_svid.token").path,
            "--bundle", out.appendingPathComponent("jwt_bundle.json").path, "--trust-domain", "example.org",
            "--audience", "spiffe://example.org/service-b", "--json",
        ], deadline: 120)
        #expect(verdict.status == 0, "\(verdict)")
        let report = try Self.jsonObject(Data(verdict.stdout.utf8))
        let validation = try #require(report["validation"] as? [String: Any])
        #expect(validation["valid"] as? Bool == true, "\(verdict.stdout)")
        #expect(validation["spiffe_id"] as? String == "spiffe://example.org/service-a")

        // The wrong audience is refused by the same validator.
        let wrong = try await TestSupport.run(try agent.binaryPath, [
            "jwt-parse", out.appendingPathComponent("jwt_svid.token").path,
            "--bundle", out.appendingPathComponent("jwt_bundle.json").path, "--trust-domain", "example.org",
            "--audience", "someone-else",
        ], deadline: 120)
        #expect(wrong.status != 0, "\(wrong)")

        // uid 1001 gets its own identity, with the default five-minute lifetime.
        let b = try await agent.runAs(uid: 1001, ["jwt-svid", "--live", "--socket", agent.endpoint, "--audience", "x", "--json"])
        #expect(b.status == 0, "\(b)\n\(agent.log)")
        let tokenB = try JWTToken.parse(try #require(try Self.jsonObject(Data(b.stdout.utf8))["token"] as? String))
        #expect(tokenB.subject == "spiffe://example.org/service-b")
        #expect(try #require(tokenB.expiry).timeIntervalSince(try #require(tokenB.issuedAt)) == 300)
    }

    @Test("FetchJWTSVID: one token per identity, spiffe_id picks one, foreign IDs and unregistered callers are denied, an empty audience is InvalidArgument")
    func fetchRules() async throws {
        let agent = try AgentHarness()
        // This test process runs as root: two entries match uid 0.
        try await agent.createEntry("spiffe://example.org/first", selectors: ["unix:uid:0"])
        try await agent.createEntry("spiffe://example.org/second", selectors: ["unix:uid:0"])
        try await agent.createEntry("spiffe://example.org/other", selectors: ["unix:uid:1000"])
        try await agent.start()
        defer { agent.stop() }
        let client = try Self.client(agent)
        defer { client.close() }
        try await Self.waitUntilAnswered(client)

        let all = try await client.fetchJWTSVID(audience: ["bob"])
        #expect(all.map(\.spiffeID.description) == ["spiffe://example.org/first", "spiffe://example.org/second"])
        for svid in all {
            #expect(try JWTToken.parse(svid.token).subject == svid.spiffeID.description)
        }

        let second = try await client.fetchJWTSVID(audience: ["bob"], spiffeID: try SpiffeID("spiffe://example.org/second"))
        #expect(second.map(\.spiffeID.description) == ["spiffe://example.org/second"])

        await Self.expect(.permissionDenied, "no identity issued") {
            _ = try await Self.quickly(agent) { try await $0.fetchJWTSVID(audience: ["bob"], spiffeID: try SpiffeID("spiffe://example.org/other")) }
        }
        await Self.expect(.invalidArgument, "audience") {
            _ = try await client.fetchJWTSVID(audience: [])
        }
        await Self.expect(.invalidArgument, "audience") {
            _ = try await client.fetchJWTSVID(audience: [""])
        }
        #expect(agent.log.contains("asked for a JWT-SVID for spiffe://example.org/other"), "\(agent.log)")

        // uid 1002 has no entry: the JWT calls deny it as the X.509 ones do.
        let denied = try await agent.runAs(uid: 1002, ["jwt-svid", "--live", "--socket", agent.endpoint, "--audience", "bob"])
        #expect(denied.status != 0)
        #expect(denied.stderr.contains("no identity issued"), "\(denied)")
    }

    @Test("FetchJWTBundles serves the key that signed the tokens; ValidateJWTSVID accepts them with their claims and refuses tampering and the wrong audience")
    func bundlesAndValidation() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/root", selectors: ["unix:uid:0"])
        try await agent.start()
        defer { agent.stop() }
        let client = try Self.client(agent)
        defer { client.close() }

        let token = try #require(try await client.fetchJWTSVID(audience: ["bob"]).first).token
        let bundles = try await client.fetchJWTBundles()
        let trustDomain = try TrustDomain("example.org")
        #expect(Array(bundles.keys) == [trustDomain])
        let bundle = try #require(bundles[trustDomain])
        #expect(bundle.authorities.keys.contains(try #require(try JWTToken.parse(token).keyID)))
        // Our own validator, from the fetched bundle alone.
        let svid = try JWTSVIDValidator(audience: "bob").validate(token, bundle: bundle, now: Date())
        #expect(svid.spiffeID.description == "spiffe://example.org/root")

        let validated = try await client.validateJWTSVID(token: token, audience: "bob")
        #expect(validated.spiffeID.description == "spiffe://example.org/root")
        let claims = try Self.jsonObject(validated.claimsJSON)
        #expect(claims["sub"] as? String == "spiffe://example.org/root")
        #expect(claims["aud"] as? [String] == ["bob"])
        let exp = try #require(claims["exp"] as? Double)
        #expect(exp == Double(Int64(exp)), "exp is a whole number of seconds")
        #expect(exp > Date().timeIntervalSince1970)

        await Self.expect(.invalidArgument, "audience") {
            _ = try await client.validateJWTSVID(token: token, audience: "alice")
        }
        // One flipped bit in the signature's last character.
        var tampered = Array(token)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
        await Self.expect(.invalidArgument, "signature") {
            _ = try await client.validateJWTSVID(token: String(tampered), audience: "bob")
        }
        await Self.expect(.invalidArgument, "svid must be specified") {
            _ = try await client.validateJWTSVID(token: "", audience: "bob")
        }
        // A token from a key the agent never had (same trust domain name) is refused.
        let stranger = try JWTAuthority(trustDomain: trustDomain)
        let forged = try stranger.issue(for: try SpiffeID("spiffe://example.org/root"), audience: ["bob"], now: Date())
        await Self.expect(.invalidArgument, "token is not valid") {
            _ = try await client.validateJWTSVID(token: forged, audience: "bob")
        }
    }

    @Test("every JWT call without the security header is InvalidArgument; an unregistered caller is denied bundles and validation too")
    func headerAndDenial() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/root", selectors: ["unix:uid:0"])
        try await agent.start()
        defer { agent.stop() }
        let token = try #require(try await Self.client(agent).fetchJWTSVID(audience: ["bob"]).first).token

        for metadata: Metadata in [[:], ["workload.spiffe.io": "false"]] {
            let codes = try await Self.rawJWTCodes(socket: agent.socketPath, metadata: metadata, token: token)
            #expect(codes == [.invalidArgument, .invalidArgument, .invalidArgument], "\(metadata): \(codes)")
        }
        // The same calls with the header succeed: the header was the only difference.
        let ok = try await Self.rawJWTCodes(socket: agent.socketPath, metadata: ["workload.spiffe.io": "true"], token: token)
        #expect(ok == [nil, nil, nil], "\(ok)")

        // uid 1002 has no entry: no bundle and no validation for it either (py-spiffe as the client).
        let code = """
            import sys
            from spiffe import WorkloadApiClient
            client = WorkloadApiClient(socket_path=sys.argv[1])
            for name, call in [("bundles", lambda: client.fetch_jwt_bundles(timeout=30)),
                               ("validate", lambda: client.validate_jwt_svid(sys.argv[2], "bob", timeout=30))]:
                try:
                    call()
                    print(name, "ALLOWED")
                except Exception as e:
                    print(name, str(e))
            """
        let denied = try await agent.runPython(asUid: 1002, code, [agent.endpoint, token])
        #expect(!denied.stdout.contains("ALLOWED"), "\(denied)")
        for name in ["bundles", "validate"] {
            let line = denied.stdout.split(separator: "\n").first { $0.hasPrefix(name + " ") } ?? ""
            #expect(line.contains("PERMISSION_DENIED") && line.contains("no identity issued"), "\(denied)")
        }
    }

    @Test("a JWT bundle watch ends with PermissionDenied when the caller's entry is deleted")
    func bundleWatchEndsWhenEntryGoes() async throws {
        let agent = try AgentHarness()
        let entryID = try await agent.createEntry("spiffe://example.org/root", selectors: ["unix:uid:0"])
        try await agent.start()
        defer { agent.stop() }
        let client = try Self.client(agent)
        defer { client.close() }
        var received: [[TrustDomain: JWTBundle]] = []
        var ended: WorkloadAPIError?
        do {
            for try await bundles in client.watchJWTBundles(retry: .upTo(.zero)) {
                received.append(bundles)
                if received.count == 1 {
                    let deleted = try await TestSupport.run(try agent.binaryPath, ["entry", "delete", "-entryID", entryID, "--data-dir", agent.dataDirectory.path])
                    #expect(deleted.status == 0, "\(deleted)")
                }
            }
        } catch let error as WorkloadAPIError {
            ended = error
        }
        #expect(received.count == 1, "the key did not change, so nothing was re-sent")
        #expect(received.first?.keys.map(\.name) == ["example.org"])
        #expect(ended == .permissionDenied("no identity issued"), "\(agent.log)")
    }

    /// FetchJWTSVID, FetchJWTBundles and ValidateJWTSVID with the generated client, so the test
    /// decides the metadata. Each entry is the call's error code, or nil when it succeeded.
    static func rawJWTCodes(socket: String, metadata: Metadata, token: String) async throws -> [RPCError.Code?] {
        try await withGRPCClient(
            transport: try .http2NIOPosix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
        ) { grpc in
            let service = Workload_SpiffeWorkloadAPI.Client(wrapping: grpc)
            func code(_ call: () async throws -> Void) async -> RPCError.Code? {
                do { try await call(); return nil } catch let error as RPCError { return error.code } catch { return .unknown }
            }
            var svidRequest = Workload_JWTSVIDRequest()
            svidRequest.audience = ["bob"]
            var validateRequest = Workload_ValidateJWTSVIDRequest()
            validateRequest.audience = "bob"
            validateRequest.svid = token
            return [
                await code { _ = try await service.fetchJWTSVID(svidRequest, metadata: metadata) },
                await code {
                    try await service.fetchJWTBundles(Workload_JWTBundlesRequest(), metadata: metadata) { response in
                        for try await _ in response.messages { return }
                    }
                },
                await code { _ = try await service.validateJWTSVID(validateRequest, metadata: metadata) },
            ]
        }
    }

    @Test("the JWT signing key survives a restart: a token minted before it still validates after")
    func keyPersists() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/root", selectors: ["unix:uid:0"])
        try await agent.start()
        let before = try await {
            let client = try Self.client(agent)
            defer { client.close() }
            return try #require(try await client.fetchJWTSVID(audience: ["bob"]).first).token
        }()
        await agent.stopped()
        let keyFiles = try FileManager.default.contentsOfDirectory(atPath: agent.dataDirectory.appendingPathComponent("jwt").path)
        #expect(keyFiles.count == 1)
        let mode = try FileManager.default.attributesOfItem(
            atPath: agent.dataDirectory.appendingPathComponent("jwt").appendingPathComponent(keyFiles[0]).path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        try await agent.start()
        defer { agent.stop() }
        let client = try Self.client(agent)
        defer { client.close() }
        let validated = try await client.validateJWTSVID(token: before, audience: "bob")
        #expect(validated.spiffeID.description == "spiffe://example.org/root")
        let after = try #require(try await client.fetchJWTSVID(audience: ["bob"]).first).token
        #expect(try JWTToken.parse(after).keyID == (try JWTToken.parse(before).keyID))
        #expect(keyFiles[0] == "\(try #require(try JWTToken.parse(before).keyID)).key")
    }

    static let pythonScript = #"""
import json, sys
import jwt  # PyJWT
from spiffe import WorkloadApiClient, JwtSvid, TrustDomain

socket, audience = sys.argv[1], sys.argv[2]
client = WorkloadApiClient(socket_path=socket)

svid = client.fetch_jwt_svid(audience={audience}, timeout=60)
bundles = client.fetch_jwt_bundles(timeout=60)
bundle = bundles.get_bundle_for_trust_domain(TrustDomain("example.org"))
assert bundle is not None, "no JWT bundle for example.org"

# py-spiffe's own validation, locally, with the fetched bundle.
local = JwtSvid.parse_and_validate(svid.token, bundle, {audience})
# And the agent's, over the Workload API.
remote = client.validate_jwt_svid(svid.token, audience, timeout=60)
rejected = None
try:
    client.validate_jwt_svid(svid.token, "not-" + audience, timeout=60)
except Exception as e:
    rejected = type(e).__name__

# PyJWT, knowing nothing of SPIFFE, checks the signature with the key the kid names in the JWKS
# the agent serves, and the audience and expiry.
import grpc
from spiffe._proto import workload_pb2, workload_pb2_grpc  # py-spiffe's generated stubs
channel = grpc.insecure_channel("unix:" + socket.replace("unix://", ""))
stub = workload_pb2_grpc.SpiffeWorkloadAPIStub(channel)
stream = stub.FetchJWTBundles(workload_pb2.JWTBundlesRequest(), metadata=[("workload.spiffe.io", "true")], timeout=60)
jwks = json.loads(next(iter(stream)).bundles["spiffe://example.org"])
stream.cancel()
kid = jwt.get_unverified_header(svid.token)["kid"]
keys = jwt.PyJWKSet.from_dict(jwks)
key = next(k for k in keys.keys if k.key_id == kid)
claims = jwt.decode(svid.token, key.key, algorithms=["ES256"], audience=audience)

print(json.dumps({
    "spiffe_id": str(svid.spiffe_id),
    "local": str(local.spiffe_id),
    "remote": str(remote.spiffe_id),
    "rejected": rejected,
    "pyjwt_sub": claims["sub"],
    "kids": sorted(k.key_id for k in keys.keys),
}))
client.close()
"""#

    @Test("py-spiffe as uid 1000 fetches a JWT-SVID and validates it locally and through the agent; PyJWT verifies it against the agent's JWKS")
    func pythonInterop() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:1000"])
        try await agent.start()
        defer { agent.stop() }
        let result = try await agent.runPython(asUid: 1000, Self.pythonScript, [agent.endpoint, "spiffe://example.org/service-b"])
        #expect(result.status == 0, "\(result)\n\(agent.log)")
        let line = try #require(result.stdout.split(separator: "\n").last)
        let report = try Self.jsonObject(Data(line.utf8))
        #expect(report["spiffe_id"] as? String == "spiffe://example.org/service-a")
        #expect(report["local"] as? String == "spiffe://example.org/service-a")
        #expect(report["remote"] as? String == "spiffe://example.org/service-a")
        #expect(report["pyjwt_sub"] as? String == "spiffe://example.org/service-a")
        #expect(report["rejected"] as? String == "ValidateJwtSvidError", "\(report)")
        let kids = try #require(report["kids"] as? [String])
        #expect(kids.count == 1)
        #expect(FileManager.default.fileExists(atPath: agent.dataDirectory.appendingPathComponent("jwt").appendingPathComponent("\(kids[0]).key").path))
    }

    /// Expects `body` to fail with a Workload API error of `code` whose message mentions `text`.
    static func expect(_ code: Code, _ text: String, sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected \(code), but the call succeeded", sourceLocation: sourceLocation)
        } catch let error as WorkloadAPIError {
            let (actual, message): (Code?, String) = switch error {
            case .invalidArgument(let m): (.invalidArgument, m)
            case .permissionDenied(let m): (.permissionDenied, m)
            default: (nil, "\(error)")
            }
            #expect(actual == code, "got \(error)", sourceLocation: sourceLocation)
            #expect(message.contains(text), "message: \(message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a WorkloadAPIError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    enum Code { case invalidArgument, permissionDenied }
}
