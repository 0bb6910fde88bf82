import Foundation
import Lessons
import SpiffeBundles
import SpiffeIdentity
import SpiffeJWT
import Testing
import TestSupport
import WorkbookProtocol

@Suite("JWT workbook steps")
struct JWTStepsTests {
    let workspace: URL
    let context: StepContext

    init() throws {
        workspace = try TestSupport.makeTempDirectory(prefix: "jwt-steps")
        context = StepContext(mode: .simulated, workspace: workspace, endpoint: nil, now: { Fixture.now })
    }

    func run(_ id: String, in context: StepContext? = nil) async throws -> StepOutput {
        // Anchors and source files of every step are StepRegistryTests' business.
        try await Steps.run(id, in: context ?? self.context)
    }

    @Test("jwt-svid mints a token that validates against the bundle it wrote")
    func mint() async throws {
        let output = try await run("jwt-svid")
        let token = try #require(output.facts["token"])
        let bundleData = try Data(contentsOf: URL(fileURLWithPath: try #require(output.facts["bundle_path"])))
        let bundle = try SpiffeBundle(json: bundleData, trustDomain: TrustDomain("example.org"))
        let svid = try JWTSVIDValidator(audience: "spiffe://example.org/ns/prod/sa/reports").validate(token, bundle: bundle, now: Fixture.now)
        #expect(svid.spiffeID.description == output.facts["spiffe_id"])
        let mode = try FileManager.default.attributesOfItem(atPath: try #require(output.facts["token_path"]))[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }

    @Test("jwt-parse shows the token and says it is not verified")
    func parse() async throws {
        let output = try await run("jwt-parse")
        #expect(output.facts["alg"] == "ES256")
        #expect(output.facts["sub"] == "spiffe://example.org/ns/prod/sa/provisioning")
        #expect(output.lines.contains { $0.hasPrefix("NOT VERIFIED") })
    }

    @Test("jwt-validate accepts the real token and refuses every forgery")
    func validate() async throws {
        let output = try await run("jwt-validate")
        #expect(output.facts["valid"] == "true")
        #expect(output.facts["forgeries_refused"] == "5/5")
        #expect(!output.lines.contains { $0.contains("ACCEPTED") })
        #expect(output.lines.contains { $0.contains("alg none, no signature: rejected, alg 'none'") })
        #expect(output.lines.contains { $0.contains("signed by another trust domain's key: rejected, kid") })
    }

    @Test("bundle-show holds the X.509 lessons' CA and the JWT key")
    func bundleShow() async throws {
        _ = try await run("jwt-svid")
        let output = try await run("bundle-show")
        #expect(output.facts["x509_authorities"] == "1")
        #expect(output.facts["jwt_authorities"] == "1")
        let caPEM = try String(contentsOf: workspace.appendingPathComponent("state/trust-domains/example.org/ca.pem"), encoding: .utf8)
        #expect(caPEM == output.facts["pem"])
        let json = try Data(contentsOf: URL(fileURLWithPath: try #require(output.facts["bundle_path"])))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["spiffe_sequence"] as? Int == Int(output.facts["spiffe_sequence"] ?? ""))
    }

    @Test("jwt-svid-aws and oidc-discovery: an sts.amazonaws.com token with iss, and the documents")
    func aws() async throws {
        let minted = try await run("jwt-svid-aws")
        let token = try JWTToken.parse(try #require(minted.facts["token"]))
        #expect(token.audience == ["sts.amazonaws.com"])
        #expect(token.claims["iss"] == .string("https://oidc.example.org"))
        let output = try await run("oidc-discovery")
        #expect(output.facts["jwks_uri"] == "https://oidc.example.org/keys")
        #expect(output.facts["keys"]?.contains(token.keyID ?? "?") == true)
    }

    @Test("live mode says what it needs instead of pretending")
    func live() async throws {
        let live = StepContext(mode: .live, workspace: workspace, endpoint: nil, now: { Fixture.now })
        await #expect(throws: StepUnavailable.self) { try await run("jwt-svid", in: live) }
    }
}
