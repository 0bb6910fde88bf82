import Foundation
import SpiffeBundles
import SpiffeIdentity
import SpiffeJWT
import SpiffeOIDC
import Synchronization
import Subprocess
import SystemPackage
import WorkbookProtocol

/// Steps for the serverless lesson: Day 15 (oidc-pyjwt).
let oidcSteps: [Step] = [
    Step(
        id: "oidc-pyjwt",
        title: "A JWT-SVID validated through OIDC discovery by PyJWT, as a cloud IAM would",
        sourceFile: "Sources/Lessons/OIDC/OIDCDiscoveryServer.swift",
        anchor: "oidc-serve"
    ) { context in
        try await OIDCLesson.pyjwt(context)
    },
]

enum OIDCLesson {
    /// What the relying party runs: software nobody here wrote (PyJWT), given only the issuer
    /// and the audience, as an IAM is. It fetches the discovery document, follows its jwks_uri
    /// with PyJWKClient, picks the key by the token's kid, and checks signature, iss, aud and exp.
    static let relyingParty = #"""
        import json, sys, urllib.request
        import jwt
        issuer, audience = sys.argv[1], sys.argv[2]
        config = json.load(urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=10))
        if config["issuer"] != issuer:
            print("refused: discovery names issuer", config["issuer"]); sys.exit(0)
        client = jwt.PyJWKClient(config["jwks_uri"], cache_keys=False, timeout=10)
        for name, token in zip(sys.argv[3::2], sys.argv[4::2]):
            try:
                key = client.get_signing_key_from_jwt(token)
                claims = jwt.decode(token, key.key, algorithms=config["id_token_signing_alg_values_supported"],
                                    audience=audience, issuer=issuer)
                print(name, "accepted", claims["sub"])
            except Exception as error:
                print(name, "refused", type(error).__name__ + ":", error)
        print("pyjwt", jwt.__version__)
        """#

    static func pyjwt(_ context: StepContext) async throws -> StepOutput {
        guard let python = interopPython() else {
            throw StepUnavailable(stepID: "oidc-pyjwt", reason: "it needs Python with PyJWT: run scripts/setup --tests once (it builds the venv), or set SPIFFE_WORKBOOK_PYTHON")
        }
        var lines: [String] = []
        let authorities = try JWTLesson.authorities(context, lines: &lines)
        guard let authority = authorities.jwtAuthority(for: .es256) else {
            throw StepUnavailable(stepID: "oidc-pyjwt", reason: "the trust domain has no ES256 JWT authority")
        }
        let bundle = authorities.bundle
        // Bind first: the issuer is this listener's URL, and it goes into the token.
        // The discovery document, set once the listener knows its port.
        let discoveryOnceBound = Mutex<OIDCDiscovery?>(nil)
        let server = try await OIDCDiscoveryServer.bind(host: "127.0.0.1", port: 0, tls: nil) { path in
            guard let discovery = discoveryOnceBound.withLock({ $0 }) else { return nil }
            switch path {
            case "/.well-known/openid-configuration": return discovery.documentJSON()
            case "/keys": return OIDCDiscovery.keys(of: bundle)
            default: return nil
            }
        }
        defer { server.close() }
        let issuer = "http://127.0.0.1:\(server.port)"
        let discovery = try OIDCDiscovery(issuer: issuer, allowInsecureScheme: true)
        discoveryOnceBound.withLock { $0 = discovery }
        lines.append("provider  serving \(discovery.configurationURL) and \(discovery.jwksURI)")

        let audience = "sts.amazonaws.com"
        let now = context.now()
        let good = try authority.issue(for: JWTLesson.spiffeID, audience: [audience], issuer: issuer, now: now)
        // Two forgeries: a key the bundle does not hold, and that key claiming the real kid.
        let stranger = try JWTAuthority(trustDomain: JWTLesson.spiffeID.trustDomain)
        let unknownKid = try stranger.issue(for: JWTLesson.spiffeID, audience: [audience], issuer: issuer, now: now)
        let impostor = try JWTAuthority(trustDomain: JWTLesson.spiffeID.trustDomain, privateKey: stranger.privateKey,
                                        keyID: authority.keyID, algorithm: authority.algorithm)
        let stolenKid = try impostor.issue(for: JWTLesson.spiffeID, audience: [audience], issuer: issuer, now: now)
        let otherAudience = try authority.issue(for: JWTLesson.spiffeID, audience: ["spiffe://example.org/ns/prod/sa/reports"], issuer: issuer, now: now)
        lines.append("token     \(JWTLesson.spiffeID), aud \(audience), iss \(issuer), kid \(authority.keyID)")

        let result = try await Subprocess.run(
            .path(FilePath(python)),
            arguments: ["-c", relyingParty, issuer, audience,
                        "svid", good, "unknown-kid", unknownKid, "stolen-kid", stolenKid, "other-audience", otherAudience],
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        guard case .exited(0) = result.terminationStatus else {
            throw StepUnavailable(stepID: "oidc-pyjwt", reason: "the Python relying party failed: \(result.standardError.split(separator: "\n").last ?? "")")
        }
        let answers = result.standardOutput.split(separator: "\n").map(String.init)
        for answer in answers { lines.append("pyjwt     " + answer) }
        func verdict(_ name: String) -> String? {
            answers.first { $0.hasPrefix(name + " ") }.map { String($0.dropFirst(name.count + 1)) }
        }
        let accepted = verdict("svid")?.hasPrefix("accepted") == true
        let refused = ["unknown-kid", "stolen-kid", "other-audience"].allSatisfy { verdict($0)?.hasPrefix("refused") == true }
        return StepOutput(lines: lines, facts: [
            "issuer": issuer,
            "pyjwt_accepts": String(accepted),
            "pyjwt_refuses_foreign": String(verdict("unknown-kid")?.hasPrefix("refused") == true && verdict("stolen-kid")?.hasPrefix("refused") == true),
            "pyjwt_refuses_all_forgeries": String(refused),
            "pyjwt_version": answers.last { $0.hasPrefix("pyjwt ") }.map { String($0.dropFirst(6)) } ?? "",
        ])
    }

    /// The interop Python: `SPIFFE_WORKBOOK_PYTHON`, else the checkout's `.venv` found by walking
    /// up from this program, else none.
    static func interopPython() -> String? {
        if let set = ProcessInfo.processInfo.environment["SPIFFE_WORKBOOK_PYTHON"], !set.isEmpty { return set }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = directory.appendingPathComponent(".venv/bin/python")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
