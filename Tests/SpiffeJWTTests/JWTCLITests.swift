import Foundation
import SpiffeIdentity
import SpiffeJWT
import Testing
import TestSupport

/// The JWT subcommands of the real `spiffe-demo` binary, each in its own state directory.
@Suite("spiffe-demo jwt-svid, jwt-parse, bundle show, oidc-discovery")
struct JWTCLITests {
    let state: URL

    init() throws {
        state = try TestSupport.makeTempDirectory(prefix: "jwt-cli")
    }

    @discardableResult
    func demo(_ args: [String], stdin: String? = nil) async throws -> TestSupport.ProcessResult {
        try await TestSupport.run("spiffe-demo", args, env: ["SPIFFE_DEMO_STATE": state.path], stdin: stdin, deadline: 120)
    }

    @Test("jwt-svid mints a token that jwt-parse validates with the written bundle")
    func mintAndValidate() async throws {
        let out = state.appendingPathComponent("out")
        let minted = try await demo(["jwt-svid", "--audience", "bob", "--spiffe-id", "spiffe://example.org/web", "--write", out.path])
        #expect(minted.status == 0, "\(minted)")
        let token = minted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.split(separator: ".").count == 3 && !token.contains("\n"))
        #expect(minted.stderr.contains("created JWT authority ec-p256"))

        // The token file is a bearer credential: owner-only. The bundle is public.
        let tokenFile = out.appendingPathComponent("jwt_svid.token")
        let mode = { (url: URL) in (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue }
        #expect(try mode(tokenFile) == 0o600)
        #expect(try String(contentsOf: tokenFile, encoding: .utf8) == token + "\n")
        let bundleFile = out.appendingPathComponent("jwt_bundle.json")
        #expect(try mode(bundleFile) == 0o644)

        let valid = try await demo(["jwt-parse", tokenFile.path, "--bundle", bundleFile.path, "--trust-domain", "example.org", "--audience", "bob"])
        #expect(valid.status == 0, "\(valid)")
        #expect(valid.stdout.contains("VALID: a JWT-SVID for spiffe://example.org/web"))
        #expect(valid.stdout.contains("(trust domain example.org; 1 JWT authority)"))
        // Without --trust-domain the token's own sub would choose whose keys vouch for it.
        let unnamed = try await demo(["jwt-parse", tokenFile.path, "--bundle", bundleFile.path, "--audience", "bob"])
        #expect(unnamed.status == 1)
        #expect(unnamed.stderr.hasPrefix("jwt-parse: --bundle needs --trust-domain"))
        let piped = try await demo(["jwt-parse", "-", "--bundle", bundleFile.path, "--audience", "bob", "--trust-domain", "example.org"], stdin: token)
        #expect(piped.status == 0, "\(piped)")
        // Pinned to another trust domain, the same bundle vouches for nothing in example.org.
        let pinned = try await demo(["jwt-parse", "-", "--bundle", bundleFile.path, "--audience", "bob", "--trust-domain", "other.org"], stdin: token)
        #expect(pinned.status == 1)
        #expect(pinned.stderr.contains("belongs to trust domain 'other.org', but the subject is in 'example.org'"))

        // A second token comes from the same authority: same kid, no new keys.
        let again = try await demo(["jwt-svid", "--audience", "bob", "--spiffe-id", "spiffe://example.org/web"])
        #expect(!again.stderr.contains("created"))
        #expect(try JWTToken.parse(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).keyID
                == (try JWTToken.parse(token).keyID))
    }

    @Test("jwt-parse without a bundle shows the claims and says nothing was verified")
    func parseOnly() async throws {
        // Minted and read on a clock of their own, ten seconds apart, so a loaded machine's delays
        // between the runs cannot move the times shown.
        let minted = Int(Date().timeIntervalSince1970)
        let token = try await demo(["jwt-svid", "--audience", "bob", "--ttl", "2m", "--at", String(minted)]).stdout
        let later = String(minted + 10)
        let shown = try await demo(["jwt-parse", "Bearer " + token, "--at", later])
        #expect(shown.status == 0, "\(shown)")
        #expect(shown.stdout.contains("NOT VERIFIED"))
        #expect(shown.stdout.contains("sub  spiffe://example.org/workload"))
        // Two minutes from minting, less however long the suite took to start jwt-parse.
        #expect(shown.stdout.contains("expires in 1m 50s"), "\(shown.stdout)")
        #expect(shown.stdout.contains("alg  ES256  (ECDSA using P-256 and SHA-256)"))

        let json = try await demo(["jwt-parse", token, "--json", "--at", later])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["verified"] as? Bool == false)
        #expect((object["claims"] as? [String: Any])?["sub"] as? String == "spiffe://example.org/workload")
        #expect((object["header"] as? [String: Any])?["typ"] as? String == "JWT")
        let exp = try #require((object["times"] as? [String: Any])?["exp"] as? [String: Any])
        #expect(exp["seconds_from_now"] as? Int == 110, "\(exp)")
    }

    @Test("jwt-parse --json reports every check; an expired token fails on exp with exit 1")
    func expiredJSON() async throws {
        let out = state.appendingPathComponent("old")
        let token = try await demo(["jwt-svid", "--audience", "bob", "--at=-1h", "--write", out.path]).stdout
        let result = try await demo(["jwt-parse", token, "--bundle", out.appendingPathComponent("jwt_bundle.json").path,
                               "--trust-domain", "example.org", "--audience", "bob", "--json"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("jwt-parse: rejected: expired 55m"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let validation = try #require(object["validation"] as? [String: Any])
        #expect(validation["valid"] as? Bool == false)
        let checks = try #require(validation["checks"] as? [[String: String]])
        #expect(checks.map { $0["name"]! } == JWTCheck.Name.allCases.map(\.rawValue))
        #expect(checks.first { $0["name"] == "exp" }?["outcome"] == "failed")
        #expect(checks.first { $0["name"] == "signature" }?["outcome"] == "passed")
        #expect(checks.allSatisfy { !($0["rule"] ?? "").isEmpty })
        // Validated at a time when it was fresh, it passes.
        let then = try await demo(["jwt-parse", token, "--bundle", out.appendingPathComponent("jwt_bundle.json").path,
                             "--trust-domain", "example.org", "--audience", "bob", "--at=-58m"])
        #expect(then.status == 0, "\(then)")
    }

    @Test("bad input gives one line on stderr and exit 1", arguments: [
        (["jwt-parse", "abc"], "jwt-parse: not a JWT-SVID: a JWS compact token has 3 dot-separated parts; this one has 1 (JWT-SVID §5.1)"),
        (["jwt-parse", "YWJj.YWJj.YWJj"], "jwt-parse: not a JWT-SVID: the header is not a JSON object (RFC 7515 §5.2, RFC 7519 §7.2)"),
        (["jwt-parse", "x.y.z", "--bundle", "/nonexistent.json"], "jwt-parse: --bundle needs --audience: a JWT-SVID is only valid for an audience (JWT-SVID §3.2)"),
        (["jwt-svid"], "jwt-svid: give at least one --audience: a JWT-SVID without an audience is rejected by every validator (JWT-SVID §3.2)"),
        (["jwt-svid", "--audience", "a", "--spiffe-id", "spiffe://example.org/"], "jwt-svid: --spiffe-id 'spiffe://example.org/': "),
        (["jwt-svid", "--audience", "a", "--ttl", "soon"], "jwt-svid: --ttl 'soon' is not a duration such as 5m, 90s or 1h"),
        (["jwt-svid", "--audience", "a", "--live", "--socket", "unix:///nonexistent/agent.sock"], "jwt-svid: "),
        (["bundle", "show", "--trust-domain", "Bad_Domain"], "bundle show: --trust-domain 'Bad_Domain': "),
        (["bundle", "show", "--from", "/nonexistent/bundle.json"], "bundle show: /nonexistent/bundle.json: no such file"),
        (["oidc-discovery", "--issuer", "http://oidc.example.org"], "oidc-discovery: --issuer: issuer 'http://oidc.example.org' must use https"),
    ])
    func badInput(args: [String], message: String) async throws {
        let result = try await demo(args)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test("a bundle holding only X.509 CAs cannot verify a JWT, and jwt-parse says why")
    func pemBundleForJWT() async throws {
        let token = try await demo(["jwt-svid", "--audience", "bob"]).stdout
        let pem = state.appendingPathComponent("bundle.pem")
        try Data(try await demo(["bundle", "show"]).stdout.utf8).write(to: pem)
        let result = try await demo(["jwt-parse", token, "--bundle", pem.path, "--trust-domain", "example.org", "--audience", "bob"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("holds only X.509 CA certificates"))
    }

    @Test("bundle show prints PEM openssl reads, and a SPIFFE bundle that reads back")
    func bundleShow() async throws {
        _ = try await demo(["jwt-svid", "--audience", "bob", "--alg", "RS256"])   // adds an RSA JWT authority
        let pem = try await demo(["bundle", "show"])
        #expect(pem.status == 0, "\(pem)")
        #expect(pem.stderr.contains("1 X.509 authority, 1 JWT authority"))
        let pemFile = state.appendingPathComponent("ca.pem")
        try Data(pem.stdout.utf8).write(to: pemFile)
        let openssl = try await TestSupport.run("openssl", ["x509", "-in", pemFile.path, "-noout", "-ext", "subjectAltName,basicConstraints"])
        #expect(openssl.status == 0, "\(openssl)")
        #expect(openssl.stdout.contains("URI:spiffe://example.org") && openssl.stdout.contains("CA:TRUE"))

        let jwks = try await demo(["bundle", "show", "--format", "jwks"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(jwks.stdout.utf8)) as? [String: Any])
        let keys = try #require(object["keys"] as? [[String: Any]])
        #expect(keys.map { $0["use"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") } == ["jwt-svid", "x509-svid"])
        #expect(object["spiffe_sequence"] as? Int == 2)
        #expect(object["spiffe_refresh_hint"] as? Int == 300)

        // Parsing the same: the SPIFFE bundle's X.509 half comes back as the same PEM.
        let jwksFile = state.appendingPathComponent("bundle.json")
        try Data(jwks.stdout.utf8).write(to: jwksFile)
        let converted = try await demo(["bundle", "show", "--from", jwksFile.path, "--format", "pem"])
        #expect(converted.stdout == pem.stdout)
        let roundTrip = try await demo(["bundle", "show", "--from", jwksFile.path, "--format", "jwks"])
        #expect(roundTrip.stdout == jwks.stdout)
        let fromPEM = try await demo(["bundle", "show", "--from", pemFile.path, "--format", "jwks"])
        #expect(fromPEM.stdout.contains("\"x509-svid\"") && !fromPEM.stdout.contains("jwt-svid"))
    }

    @Test("oidc-discovery prints SPIRE's documents, writes them for static hosting, and checks tokens like an IAM")
    func oidcDiscovery() async throws {
        let issuer = "https://oidc.example.org"
        let json = try await demo(["oidc-discovery", "--issuer", issuer, "--json"])
        #expect(json.status == 0, "\(json)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let configuration = try #require(object["openid-configuration"] as? [String: Any])
        #expect(configuration["jwks_uri"] as? String == "https://oidc.example.org/keys")
        #expect(configuration["issuer"] as? String == issuer)
        let keys = try #require((object["keys"] as? [String: Any])?["keys"] as? [[String: Any]])
        #expect(keys.count == 1 && keys[0]["alg"] as? String == "ES256" && keys[0]["use"] == nil)

        let site = state.appendingPathComponent("site")
        await #expect(try demo(["oidc-discovery", "--issuer", issuer, "--write", site.path, "--set-key-use"]).status == 0)
        let served = try Data(contentsOf: site.appendingPathComponent("keys"))
        #expect(String(decoding: served, as: UTF8.self).contains("\"use\" : \"sig\""))
        #expect(FileManager.default.fileExists(atPath: site.appendingPathComponent(".well-known/openid-configuration").path))

        let good = try await demo(["jwt-svid", "--audience", "sts.amazonaws.com", "--issuer", issuer]).stdout
        let accepted = try await demo(["oidc-discovery", "--issuer", issuer, "--check-token", good])
        #expect(accepted.status == 0, "\(accepted)")
        #expect(accepted.stdout.contains("ACCEPTED"))

        let noIssuer = try await demo(["jwt-svid", "--audience", "sts.amazonaws.com"]).stdout
        let refused = try await demo(["oidc-discovery", "--issuer", issuer, "--check-token", "-"], stdin: noIssuer)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the token has no iss"))

        // SPIRE advertises RS256 for RSA keys: a PS256 token trips an IAM that honours the JWK alg.
        let pss = try await demo(["jwt-svid", "--audience", "sts.amazonaws.com", "--issuer", issuer, "--alg", "PS256"]).stdout
        let mismatch = try await demo(["oidc-discovery", "--issuer", issuer, "--check-token", pss])
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains("for RS256, but the token says PS256"))
    }
}
