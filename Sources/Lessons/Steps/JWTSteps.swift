import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffeJWT
import SpiffeWorkloadAPI
import SpiffeX509
import WorkbookProtocol

/// Steps for the JWT lessons: Day 5 (jwt-svid, jwt-parse, jwt-validate), Day 6 (bundle-show) and
/// Day 15 (jwt-svid-aws, oidc-discovery).
///
/// Simulated mode keeps the trust domain's JWT authorities beside its X.509 CA, in the day's
/// `state/trust-domains/example.org/`, so a day that runs both kinds of step sees one trust
/// domain: the bundle holds the CA that signed the SVIDs next to the key that signed the tokens. Files for lessons to check: `jwt/jwt_svid.token` (mode 0600), `jwt/jwt_bundle.json`,
/// `jwt/bundle.json`, `jwt/jwt_svid_aws.token`.
let jwtSteps: [Step] = [
    Step(
        id: "jwt-svid",
        title: "Mint a JWT-SVID",
        sourceFile: "Sources/Lessons/JWT/JWTAuthority.swift",
        modes: [.simulated, .live]
    ) { context in
        try await JWTLesson.mint(context, audience: JWTLesson.audience, issuer: nil, name: "jwt_svid.token")
    },
    Step(
        id: "jwt-parse",
        title: "Take a JWT-SVID apart (nothing verified yet)",
        sourceFile: "Sources/Lessons/JWT/JWTToken.swift"
    ) { context in
        try await JWTLesson.parse(context)
    },
    Step(
        id: "jwt-validate",
        title: "Validate JWT-SVIDs rule by rule, and watch forgeries fail",
        sourceFile: "Sources/Lessons/JWT/JWTSVIDValidator.swift"
    ) { context in
        try await JWTLesson.validate(context)
    },
    Step(
        id: "bundle-show",
        title: "The trust bundle as a SPIFFE JWK Set",
        sourceFile: "Sources/Lessons/Bundles/SpiffeBundle.swift"
    ) { context in
        try JWTLesson.bundleShow(context)
    },
    Step(
        id: "jwt-svid-aws",
        title: "Mint a JWT-SVID for AWS STS",
        sourceFile: "Sources/Lessons/JWT/JWTAuthority.swift",
        anchor: "jwt-svid"   // the same minting code as jwt-svid, with the audience STS expects
    ) { context in
        try await JWTLesson.mint(context, audience: "sts.amazonaws.com", issuer: JWTLesson.issuer, name: "jwt_svid_aws.token")
    },
    Step(
        id: "oidc-discovery",
        title: "What SPIRE's OIDC Discovery Provider publishes for a cloud IAM",
        sourceFile: "Sources/Lessons/JWT/OIDCDiscovery.swift"
    ) { context in
        try JWTLesson.oidcDiscovery(context)
    },
]

/// What the JWT steps do.
enum JWTLesson {
    /// The same workload as the X.509 lessons: the learner's provisioning service.
    static var spiffeID: SpiffeID { X509Lesson.spiffeID }
    /// A service-scoped audience, as JWT-SVID §3.2 recommends (not "production", not a whole TD).
    static let audience = "spiffe://example.org/ns/prod/sa/reports"
    static let issuer = "https://oidc.example.org"

    static func directory(_ context: StepContext) -> URL {
        context.workspace.appendingPathComponent("jwt", isDirectory: true)
    }

    /// The trust domain's authorities: the same directory the day's X.509 steps sign with, so its
    /// bundle holds the CA that signed those SVIDs beside the JWT key.
    static func authorities(_ context: StepContext, lines: inout [String]) throws -> TrustDomainDirectory.Authorities {
        let authorities = try context.state.trustDomain(spiffeID.trustDomain).loadOrCreate(
            trustDomain: spiffeID.trustDomain, jwt: .anyKey, renewal: .simulated, now: context.now())
        lines += authorities.created.map { "created \($0)" }
        return authorities
    }

    static func mint(_ context: StepContext, audience: String, issuer: String?, name: String) async throws -> StepOutput {
        if context.mode == .live {
            guard issuer == nil else {
                throw StepUnavailable(stepID: "jwt-svid-aws", reason: "the iss claim comes from the SPIRE server's jwt_issuer; run it in simulated mode")
            }
            return try await fetch(context, audience: audience, name: name)
        }
        var lines: [String] = []
        let authorities = try authorities(context, lines: &lines)
        guard let authority = authorities.jwtAuthority(for: .es256) else {
            throw StepUnavailable(stepID: "jwt-svid", reason: "no ES256 authority in \(context.state.trustDomain(spiffeID.trustDomain).url.path)")
        }
        let svid = try authority.issueSVID(for: spiffeID, audience: [audience], issuer: issuer, now: context.now())
        return try save(context, token: svid.token, bundle: authorities.bundle, audience: audience, name: name, lines: lines)
    }

    /// Live mode: the agent mints the token (FetchJWTSVID) and serves the bundle (FetchJWTBundles).
    static func fetch(_ context: StepContext, audience: String, name: String) async throws -> StepOutput {
        guard let endpoint = context.endpoint, !endpoint.isEmpty else {
            throw StepUnavailable(stepID: "jwt-svid", reason: "no Workload API endpoint: set SPIFFE_ENDPOINT_SOCKET, or run it in simulated mode")
        }
        let client = try WorkloadAPIClient(socket: endpoint)
        defer { client.close() }
        guard let first = try await client.fetchJWTSVID(audience: [audience]).first else {
            throw StepUnavailable(stepID: "jwt-svid", reason: "the agent at \(endpoint) returned no JWT-SVID")
        }
        let bundles = try await client.fetchJWTBundles()
        guard let jwtBundle = bundles[first.spiffeID.trustDomain] else {
            throw StepUnavailable(stepID: "jwt-svid", reason: "the agent sent no JWT bundle for \(first.spiffeID.trustDomain)")
        }
        let bundle = SpiffeBundle(jwtBundle)
        return try save(context, token: first.token, bundle: bundle, audience: audience, name: name,
                        lines: ["fetched from the Workload API at \(endpoint)"])
    }

    static func save(
        _ context: StepContext, token: String, bundle: SpiffeBundle, audience: String, name: String, lines: [String]
    ) throws -> StepOutput {
        var lines = lines
        let svid = try JWTSVIDValidator(audience: audience).validate(token, bundle: bundle, now: context.now())
        let tokenFile = directory(context).appendingPathComponent(name)
        let bundleFile = directory(context).appendingPathComponent("jwt_bundle.json")
        try FileManager.default.createDirectory(at: directory(context), withIntermediateDirectories: true)
        // A JWT-SVID is a bearer token: whoever reads the file can use it, so owner-only.
        try AtomicFile.write(Data((svid.token + "\n").utf8), to: tokenFile, mode: 0o600)
        try AtomicFile.write(bundle.jwksJSON(pretty: true), to: bundleFile)
        let parsed = try JWTToken.parse(svid.token)
        lines += [
            svid.token, "",
            "header  " + JSONValue.object(parsed.header).description,
            "claims  " + JSONValue.object(parsed.claims).description,
            "expires \(TimeText.iso(svid.expiry)) (in \(TimeText.duration(svid.expiry.timeIntervalSince(context.now()))))",
            "", "wrote \(tokenFile.path) (mode 0600)", "wrote \(bundleFile.path)",
        ]
        return StepOutput(lines: lines, facts: [
            "token": svid.token,
            "token_path": tokenFile.path,
            "bundle_path": bundleFile.path,
            "spiffe_id": svid.spiffeID.description,
            "audience": audience,
            "kid": svid.keyID,
            "alg": svid.algorithm.rawValue,
            "expires_at": TimeText.iso(svid.expiry),
        ])
    }

    /// The token minted by `jwt-svid`, minting one first if there is none yet.
    static func currentToken(_ context: StepContext) async throws -> String {
        let file = directory(context).appendingPathComponent("jwt_svid.token")
        if let data = FileManager.default.contents(atPath: file.path) {
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return try await mint(context, audience: audience, issuer: nil, name: "jwt_svid.token").facts["token"] ?? ""
    }

    static func parse(_ context: StepContext) async throws -> StepOutput {
        let token = try JWTToken.parse(try await currentToken(context))
        var lines = ["header"]
        for name in token.header.keys.sorted() { lines.append("  \(name)  \(token.header[name]!)") }
        lines.append("claims")
        for name in token.claims.keys.sorted() {
            var shown = token.claims[name]!.description
            if let date = token.date(name), ["exp", "nbf", "iat"].contains(name) {
                let delta = date.timeIntervalSince(context.now())
                shown += "  (\(TimeText.iso(date)), \(delta >= 0 ? "in " : "")\(TimeText.duration(delta))\(delta < 0 ? " ago" : ""))"
            }
            lines.append("  \(name)  \(shown)")
        }
        lines += ["signature  \(token.signature.count) bytes", "",
                  "NOT VERIFIED: this is what the token says; run jwt-validate to check it against the bundle."]
        return StepOutput(lines: lines, facts: [
            "alg": token.algorithm ?? "",
            "kid": token.keyID ?? "",
            "sub": token.subject ?? "",
            "aud": (token.audience ?? []).joined(separator: ","),
        ])
    }

    static func validate(_ context: StepContext) async throws -> StepOutput {
        var lines: [String] = []
        let now = context.now()
        let token = try await currentToken(context)
        // The bundle jwt-svid saved beside the token: the simulated authority's, or the one the
        // agent served in live mode. Its trust domain is recorded apart from it (bundle spec §3).
        let trustDomain = (try? JWTToken.parse(token)).flatMap(\.subject).flatMap { try? SpiffeID($0) }?.trustDomain
            ?? spiffeID.trustDomain
        let bundleFile = directory(context).appendingPathComponent("jwt_bundle.json")
        let bundle = try SpiffeBundle(json: try InputFile.read(bundleFile), trustDomain: trustDomain, source: bundleFile.path)
        let bundles = [trustDomain: bundle]
        let validator = JWTSVIDValidator(audience: audience)

        let verdict = validator.check(token, bundles: bundles, now: now)
        lines.append("the token from jwt-svid, for audience \(audience):")
        for check in verdict.checks { lines.append("  " + check.line) }
        lines.append(verdict.isValid ? "VALID" : "INVALID: \(verdict.firstFailure.map(String.init(describing:)) ?? "")")

        // Forgeries and mistakes, each refused by the rule that names it.
        let parts = token.split(separator: ".").map(String.init)
        let header = try JWTToken.parse(token).header
        let claims = try JWTToken.parse(token).claims
        func encoded(_ object: [String: JSONValue]) -> String { Base64URL.encode(JSONValue.encode(object, pretty: false)) }
        var noneHeader = header
        noneHeader["alg"] = .string("none")
        var tampered = claims
        tampered["sub"] = .string("spiffe://example.org/ns/prod/sa/admin")
        let foreign = try JWTAuthority(trustDomain: TrustDomain("evil.example"))
        var foreignHeader = header
        foreignHeader["kid"] = .string(foreign.keyID)
        let cases: [(String, String, [TrustDomain: SpiffeBundle], String)] = [
            ("alg none, no signature", encoded(noneHeader) + "." + parts[1] + ".", bundles, audience),
            ("sub changed to admin, old signature", parts[0] + "." + encoded(tampered) + "." + parts[2], bundles, audience),
            ("presented to another service", token, bundles, "spiffe://example.org/ns/prod/sa/billing"),
            ("signed by another trust domain's key", try foreign.sign(header: foreignHeader, claims: claims),
             bundles.merging([foreign.trustDomain: foreign.bundle]) { a, _ in a }, audience),
            ("replayed an hour after it expired", token, bundles, audience),
        ]
        lines += ["", "and what a validator must refuse:"]
        var refused = 0
        for (index, (name, candidate, candidateBundles, candidateAudience)) in cases.enumerated() {
            let at = index == cases.count - 1 ? now.addingTimeInterval(3600 + JWTAuthority.defaultTTL) : now
            let result = JWTSVIDValidator(audience: candidateAudience).check(candidate, bundles: candidateBundles, now: at)
            if let failure = result.firstFailure {
                refused += 1
                lines.append("  \(name): rejected, \(failure)")
            } else {
                lines.append("  \(name): ACCEPTED (this should never happen)")
            }
        }
        return StepOutput(lines: lines, facts: [
            "valid": verdict.isValid ? "true" : "false",
            "spiffe_id": verdict.svid?.spiffeID.description ?? "",
            "forgeries_refused": "\(refused)/\(cases.count)",
        ])
    }

    static func bundleShow(_ context: StepContext) throws -> StepOutput {
        var lines: [String] = []
        let bundle = try authorities(context, lines: &lines).bundle
        let json = try bundle.spiffeJSON(pretty: true)
        try FileManager.default.createDirectory(at: directory(context), withIntermediateDirectories: true)
        let file = directory(context).appendingPathComponent("bundle.json")
        try AtomicFile.write(json, to: file)
        lines += String(decoding: json, as: UTF8.self).split(separator: "\n").map(String.init)
        lines += ["", "wrote \(file.path)",
                  "\(bundle.x509Authorities.count) x509-svid key(s) with x5c, \(bundle.jwtAuthorities.count) jwt-svid key(s) with kid; spiffe_sequence \(bundle.sequenceNumber ?? 0), refresh hint \(bundle.refreshHint ?? 0)s"]
        return StepOutput(lines: lines, facts: [
            "bundle_path": file.path,
            "trust_domain": bundle.trustDomain.name,
            "spiffe_sequence": "\(bundle.sequenceNumber ?? 0)",
            "spiffe_refresh_hint": "\(bundle.refreshHint ?? 0)",
            "x509_authorities": "\(bundle.x509Authorities.count)",
            "jwt_authorities": "\(bundle.jwtAuthorities.count)",
            "pem": try bundle.pem(),
        ])
    }

    static func oidcDiscovery(_ context: StepContext) throws -> StepOutput {
        var lines: [String] = []
        let bundle = try authorities(context, lines: &lines).bundle
        let discovery = try OIDCDiscovery(issuer: issuer)
        let document = discovery.documentJSON()
        let keys = OIDCDiscovery.keys(of: bundle)
        lines.append("GET \(discovery.configurationURL)")
        lines += String(decoding: document, as: UTF8.self).split(separator: "\n").map(String.init)
        lines += ["", "GET \(discovery.jwksURI)"]
        lines += String(decoding: keys, as: UTF8.self).split(separator: "\n").map(String.init)
        return StepOutput(lines: lines, facts: [
            "issuer": discovery.issuer,
            "jwks_uri": discovery.jwksURI,
            "configuration_url": discovery.configurationURL,
            "keys": String(decoding: keys, as: UTF8.self),
        ])
    }
}
