import Foundation
import Testing
import TestSupport

/// `spiffe-demo oidc-discovery --serve` against software nobody here wrote: PyJWT's PyJWKClient
/// finds the keys through the served discovery document, as a cloud IAM does, accepts the
/// JWT-SVID and refuses a token signed by a key the bundle does not hold. Over HTTP (an http
/// issuer with --allow-insecure-http) and over HTTPS (a throwaway CA the client is told to trust).
@Suite("OIDC discovery served to PyJWT")
struct OIDCDiscoveryServeTests {
    static let relyingParty = #"""
        import json, ssl, sys, urllib.request
        import jwt
        issuer, audience, cafile = sys.argv[1], sys.argv[2], sys.argv[3]
        context = ssl.create_default_context(cafile=cafile) if cafile else None
        config = json.load(urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=10, context=context))
        assert config["issuer"] == issuer, config
        assert config["jwks_uri"] == issuer + "/keys", config
        client = jwt.PyJWKClient(config["jwks_uri"], cache_keys=False, timeout=10, ssl_context=context)
        for name, token in zip(sys.argv[4::2], sys.argv[5::2]):
            try:
                key = client.get_signing_key_from_jwt(token)
                claims = jwt.decode(token, key.key, algorithms=["ES256", "RS256"], audience=audience, issuer=issuer)
                print(name, "accepted", claims["sub"])
            except Exception as error:
                print(name, "refused", type(error).__name__)
        """#

    func demo(_ args: [String]) async throws -> TestSupport.ProcessResult {
        try await TestSupport.run("spiffe-demo", args, deadline: 60)
    }

    /// Mints a JWT-SVID for STS with `issuer`, signed by the trust domain kept in `state`.
    func token(issuer: String, state: URL, into directory: URL) async throws -> String {
        let minted = try await demo(["jwt-svid", "--audience", "sts.amazonaws.com", "--issuer", issuer,
                               "--state", state.path, "--write", directory.path])
        #expect(minted.status == 0, "\(minted)")
        return try String(contentsOf: directory.appendingPathComponent("jwt_svid.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts the provider on a free port (trying a few), returning it once it listens.
    func serve(https: Bool, state: URL) async throws -> (BackgroundProcess, String) {
        for _ in 0..<5 {
            let port = Int.random(in: 20_000...60_000)
            let issuer = "\(https ? "https" : "http")://127.0.0.1:\(port)"
            var args = ["oidc-discovery", "--issuer", issuer, "--serve", "127.0.0.1:\(port)", "--state", state.path]
            if !https { args.append("--allow-insecure-http") }
            let server = try BackgroundProcess("oidc-discovery", try TestSupport.product("spiffe-demo").path, args)
            if (try? await server.waitFor("serving \(issuer)", onStderr: true, deadline: 30)) != nil { return (server, issuer) }
            await server.stopped()
        }
        throw TestFailure("oidc-discovery --serve did not start on any of five ports")
    }

    struct TestFailure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    @Test("PyJWKClient accepts the JWT-SVID through discovery and refuses a key not in the bundle", arguments: [false, true])
    func pyjwtThroughDiscovery(https: Bool) async throws {
        let root = try TestSupport.makeTempDirectory(prefix: "oidc-serve")
        defer { try? FileManager.default.removeItem(at: root) }
        let state = root.appendingPathComponent("state"), stranger = root.appendingPathComponent("stranger")
        let (server, issuer) = try await serve(https: https, state: state)
        defer { server.stop() }
        let good = try await token(issuer: issuer, state: state, into: root.appendingPathComponent("good"))
        let foreign = try await token(issuer: issuer, state: stranger, into: root.appendingPathComponent("foreign"))
        let cafile = https ? state.appendingPathComponent("oidc-serving-ca.pem").path : ""
        if https { #expect(FileManager.default.fileExists(atPath: cafile), "the throwaway CA is written for clients to trust") }

        let result = try await TestSupport.run(try TestSupport.python().path,
                                         ["-c", Self.relyingParty, issuer, "sts.amazonaws.com", cafile, "svid", good, "foreign", foreign],
                                         deadline: 60)
        #expect(result.status == 0, "\(result)\n\(server.stderr)")
        #expect(result.stdout.contains("svid accepted spiffe://example.org/"), "\(result.stdout)")
        #expect(result.stdout.contains("foreign refused PyJWKClientError"), "\(result.stdout)")

        // Without trusting the throwaway CA, HTTPS is refused: the server really speaks TLS.
        if https {
            let untrusted = try await TestSupport.run(try TestSupport.python().path,
                                                ["-c", Self.relyingParty, issuer, "sts.amazonaws.com", "", "svid", good], deadline: 60)
            #expect(untrusted.status != 0 && untrusted.stderr.contains("CERTIFICATE_VERIFY_FAILED"), "\(untrusted)")
        }
    }

    @Test("unknown paths are 404, other methods 405, and an https issuer refuses --tls-cert without --tls-key")
    func httpSurfaceAndErrors() async throws {
        let root = try TestSupport.makeTempDirectory(prefix: "oidc-serve-errors")
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, issuer) = try await serve(https: false, state: root.appendingPathComponent("state"))
        defer { server.stop() }
        let missing = try await TestSupport.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", issuer + "/nope"], deadline: 30)
        #expect(missing.stdout == "404", "\(missing)")
        let post = try await TestSupport.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", issuer + "/keys"], deadline: 30)
        #expect(post.stdout == "405", "\(post)")
        let keys = try await TestSupport.run("curl", ["-s", issuer + "/keys"], deadline: 30)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(keys.stdout.utf8)) as? [String: Any])
        let list = try #require(object["keys"] as? [[String: Any]])
        #expect(!list.isEmpty && list.allSatisfy { $0["use"] == nil && $0["kid"] != nil }, "no SPIFFE use values for OIDC clients: \(list)")

        let half = try await demo(["oidc-discovery", "--issuer", "https://127.0.0.1:1", "--serve", "127.0.0.1:1", "--tls-cert", "/nonexistent"])
        #expect(half.status == 1)
        #expect(half.stderr.contains("--tls-cert and --tls-key go together"), "\(half)")
        let bad = try await demo(["oidc-discovery", "--issuer", "http://127.0.0.1:1", "--allow-insecure-http", "--serve", "nonsense"])
        #expect(bad.status == 1 && bad.stderr.contains("give HOST:PORT"), "\(bad)")
    }
}
