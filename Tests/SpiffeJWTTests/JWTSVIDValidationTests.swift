import Crypto
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import Testing

/// Shared material: two trust domains with their own JWT authorities, and a fixed clock.
struct Fixture {
    static let now = Date(timeIntervalSince1970: 1_760_000_000)
    let domain = try! TrustDomain("example.org")
    let evilDomain = try! TrustDomain("evil.org")
    let workload = try! SpiffeID("spiffe://example.org/ns/prod/sa/web")
    let authority: JWTAuthority
    let evil: JWTAuthority

    init(keyType: JWTPrivateKey.Kind = .p256, algorithm: JWTAlgorithm? = nil) throws {
        authority = try JWTAuthority(trustDomain: domain, keyType: keyType, algorithm: algorithm)
        evil = try JWTAuthority(trustDomain: evilDomain)
    }

    var bundles: [TrustDomain: SpiffeBundle] {
        [domain: authority.bundle, evilDomain: evil.bundle]
    }

    var validator: JWTSVIDValidator { JWTSVIDValidator(audience: "bob") }

    /// A correct header and claim set, to spoil one piece at a time.
    var header: [String: JSONValue] {
        ["alg": .string(authority.algorithm.rawValue), "kid": .string(authority.keyID), "typ": .string("JWT")]
    }

    var claims: [String: JSONValue] {
        let now = Int64(Fixture.now.timeIntervalSince1970)
        return ["sub": .string(workload.description), "aud": .array([.string("bob")]),
                "exp": .integer(now + 300), "iat": .integer(now)]
    }

    func token(header: [String: JSONValue]? = nil, claims: [String: JSONValue]? = nil) throws -> String {
        try authority.sign(header: header ?? self.header, claims: claims ?? self.claims)
    }

    func reject(_ token: String, now: Date = Fixture.now) -> JWTSVIDError? {
        do {
            _ = try validator.validate(token, bundles: bundles, now: now)
            return nil
        } catch {
            return error
        }
    }
}

func b64(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }

@Suite("JWT-SVID validation")
struct JWTSVIDValidationTests {

    @Test("tokens we mint validate, for every allowed algorithm", arguments: [
        (JWTPrivateKey.Kind.p256, JWTAlgorithm.es256), (.p384, .es384), (.p521, .es512),
        (.rsa2048, .rs256), (.rsa2048, .rs384), (.rsa2048, .rs512),
        (.rsa2048, .ps256), (.rsa2048, .ps384), (.rsa2048, .ps512),
    ])
    func roundTrip(kind: JWTPrivateKey.Kind, algorithm: JWTAlgorithm) throws {
        let f = try Fixture(keyType: kind, algorithm: algorithm)
        let token = try f.authority.issue(for: f.workload, audience: ["bob"], now: Fixture.now)
        let svid = try f.validator.validate(token, bundles: f.bundles, now: Fixture.now)
        #expect(svid.spiffeID == f.workload)
        #expect(svid.audience == ["bob"])
        #expect(svid.algorithm == algorithm)
        #expect(svid.keyID == f.authority.keyID)
        #expect(svid.expiry == Fixture.now.addingTimeInterval(300))

        let parsed = try JWTToken.parse(token)
        #expect(parsed.algorithm == algorithm.rawValue)
        #expect(parsed.type == "JWT")
        #expect(Set(parsed.claims.keys) == ["sub", "aud", "exp", "iat"])
    }

    @Test("ECDSA signatures are raw r||s of the curve's size")
    func ecdsaSignatureSizes() throws {
        for (kind, size) in [(JWTPrivateKey.Kind.p256, 64), (.p384, 96), (.p521, 132)] {
            let f = try Fixture(keyType: kind)
            let token = try f.authority.issue(for: f.workload, audience: ["bob"], now: Fixture.now)
            #expect(try JWTToken.parse(token).signature.count == size)
        }
    }

    @Test("aud may be a single string")
    func audienceString() throws {
        let f = try Fixture()
        var claims = f.claims
        claims["aud"] = .string("bob")
        let svid = try f.validator.validate(try f.token(claims: claims), bundles: f.bundles, now: Fixture.now)
        #expect(svid.audience == ["bob"])
    }

    @Test("a token a few seconds past exp is accepted within the leeway, not after")
    func leeway() throws {
        let f = try Fixture()
        let token = try f.token()
        let expiry = Fixture.now.addingTimeInterval(300)
        #expect(f.reject(token, now: expiry.addingTimeInterval(10)) == nil)
        #expect(f.reject(token, now: expiry.addingTimeInterval(31)) == .expired(expiry: expiry, now: expiry.addingTimeInterval(31)))
        let strict = JWTSVIDValidator(audience: "bob", leeway: 0)
        #expect(throws: JWTSVIDError.expired(expiry: expiry, now: expiry)) {
            try strict.validate(token, bundles: f.bundles, now: expiry)
        }
    }

    // MARK: The rejection table of issue 4

    @Test("alg none is rejected")
    func algNone() throws {
        let f = try Fixture()
        var header = f.header
        header["alg"] = .string("none")
        let unsigned = b64(JSONValue.object(header).description) + "." + b64(JSONValue.object(f.claims).description) + "."
        #expect(f.reject(unsigned) == .algorithmNone)
    }

    @Test("HS256 is rejected, even with the bundle's public key as the HMAC secret")
    func hmacWithPublicKey() throws {
        let f = try Fixture()
        var header = f.header
        header["alg"] = .string("HS256")
        // The classic algorithm-confusion forgery: the attacker knows the public key (it is in
        // the bundle), so uses its PEM or DER bytes as a shared secret.
        for secret in [Data(f.authority.publicKey.pemRepresentation.utf8), f.authority.publicKey.derRepresentation] {
            let input = b64(JSONValue.object(header).description) + "." + b64(JSONValue.object(f.claims).description)
            let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))
            let forged = input + "." + Base64URL.encode(Array(mac))
            #expect(f.reject(forged) == .algorithmNotAllowed("HS256"))
            #expect(f.reject(forged)!.description.contains("shared-secret HMAC"))
        }
    }

    @Test("EdDSA is rejected although the signature is real")
    func eddsa() throws {
        let f = try Fixture()
        var header = f.header
        header["alg"] = .string("EdDSA")
        let key = Curve25519.Signing.PrivateKey()
        let input = b64(JSONValue.object(header).description) + "." + b64(JSONValue.object(f.claims).description)
        let signature = try key.signature(for: Data(input.utf8))
        #expect(f.reject(input + "." + Base64URL.encode(Array(signature))) == .algorithmNotAllowed("EdDSA"))
    }

    @Test("alg that does not fit the key type is rejected", arguments: ["RS256", "PS256", "ES384", "ES512"])
    func algorithmKeyMismatch(alg: String) throws {
        let f = try Fixture()   // P-256 key
        var header = f.header
        header["alg"] = .string(alg)
        #expect(f.reject(try f.token(header: header)) == .algorithmDoesNotMatchKey(algorithm: alg, key: "EC P-256"))
    }

    @Test("an ES256 token cannot be verified with an RSA authority of the same kid")
    func ecdsaAgainstRSAKey() throws {
        let rsa = try Fixture(keyType: .rsa2048)
        var header = rsa.header
        header["alg"] = .string("ES256")
        #expect(rsa.reject(try rsa.token(header: header)) == .algorithmDoesNotMatchKey(algorithm: "ES256", key: "RSA 2048"))
    }

    @Test("missing aud is rejected")
    func missingAudience() throws {
        let f = try Fixture()
        var claims = f.claims
        claims["aud"] = nil
        #expect(f.reject(try f.token(claims: claims)) == .audienceMissing)
        claims["aud"] = .array([])
        #expect(f.reject(try f.token(claims: claims)) == .audienceMissing)
    }

    @Test("wrong aud is rejected")
    func wrongAudience() throws {
        let f = try Fixture()
        var claims = f.claims
        claims["aud"] = .array([.string("alice"), .string("carol")])
        #expect(f.reject(try f.token(claims: claims)) == .audienceMismatch(expected: "bob", actual: ["alice", "carol"]))
    }

    @Test("missing exp is rejected")
    func missingExpiry() throws {
        let f = try Fixture()
        var claims = f.claims
        claims["exp"] = nil
        #expect(f.reject(try f.token(claims: claims)) == .expirationMissing)
        claims["exp"] = .string("tomorrow")
        #expect(f.reject(try f.token(claims: claims)) == .claimWrongType(name: "exp", expected: "a NumericDate (seconds since 1970)", actual: "a string"))
    }

    @Test("an expired token is rejected")
    func expired() throws {
        let f = try Fixture()
        var claims = f.claims
        let expiry = Fixture.now.addingTimeInterval(-120)
        claims["exp"] = .integer(Int64(expiry.timeIntervalSince1970))
        #expect(f.reject(try f.token(claims: claims)) == .expired(expiry: expiry, now: Fixture.now))
    }

    @Test("nbf in the future is rejected")
    func notYetValid() throws {
        let f = try Fixture()
        var claims = f.claims
        let notBefore = Fixture.now.addingTimeInterval(600)
        claims["nbf"] = .integer(Int64(notBefore.timeIntervalSince1970))
        #expect(f.reject(try f.token(claims: claims)) == .notYetValid(notBefore: notBefore, now: Fixture.now))
        claims["nbf"] = .integer(Int64(Fixture.now.timeIntervalSince1970) - 5)
        #expect(f.reject(try f.token(claims: claims)) == nil)
    }

    @Test("a flipped signature bit is rejected, for every bit of the last byte and the first")
    func flippedSignatureBit() throws {
        for kind in [JWTPrivateKey.Kind.p256, .rsa2048] {
            let f = try Fixture(keyType: kind)
            let parts = try f.token().split(separator: ".").map(String.init)
            let signature = Base64URL.decode(parts[2])!
            for index in [0, signature.count - 1] {
                for bit in 0..<8 {
                    var flipped = signature
                    flipped[index] ^= UInt8(1 << bit)
                    let token = parts[0] + "." + parts[1] + "." + Base64URL.encode(flipped)
                    #expect(f.reject(token) == .signatureInvalid)
                }
            }
        }
    }

    @Test("tampered claims are rejected")
    func tamperedClaims() throws {
        let f = try Fixture()
        let parts = try f.token().split(separator: ".").map(String.init)
        for change in [("sub", JSONValue.string("spiffe://example.org/ns/prod/sa/admin")),
                       ("exp", .integer(4_000_000_000)), ("aud", .string("bob"))] {
            var claims = f.claims
            claims[change.0] = change.1
            let token = parts[0] + "." + b64(JSONValue.object(claims).description) + "." + parts[2]
            #expect(f.reject(token) == .signatureInvalid)
        }
    }

    @Test("an unknown kid is rejected, and a missing one")
    func unknownKeyID() throws {
        let f = try Fixture()
        var header = f.header
        header["kid"] = .string("not-a-key")
        #expect(f.reject(try f.token(header: header)) == .unknownKeyID(kid: "not-a-key", trustDomain: "example.org"))
        header["kid"] = nil
        #expect(f.reject(try f.token(header: header)) == .keyIDMissing)
    }

    @Test("sub that is not a SPIFFE ID is rejected", arguments: [
        "https://example.org/web", "spiffe://example.org/", "spiffe://Example.org/web", "web", "",
    ])
    func subjectNotSpiffeID(sub: String) throws {
        let f = try Fixture()
        var claims = f.claims
        claims["sub"] = .string(sub)
        guard case .subjectNotSpiffeID(let seen, _)? = f.reject(try f.token(claims: claims)) else {
            Issue.record("expected subjectNotSpiffeID for \(sub)")
            return
        }
        #expect(seen == sub)
    }

    @Test("missing sub is rejected")
    func missingSubject() throws {
        let f = try Fixture()
        var claims = f.claims
        claims["sub"] = nil
        #expect(f.reject(try f.token(claims: claims)) == .subjectMissing)
    }

    @Test("a key of another trust domain cannot vouch for this one")
    func subjectInAnotherTrustDomain() throws {
        let f = try Fixture()
        // evil.org signs, validly, a token claiming to be example.org's web workload.
        let forged = try f.evil.sign(
            header: ["alg": .string("ES256"), "kid": .string(f.evil.keyID), "typ": .string("JWT")],
            claims: f.claims)
        #expect(f.reject(forged) == .keyFromAnotherTrustDomain(
            kid: f.evil.keyID, keyTrustDomain: "evil.org", subjectTrustDomain: "example.org"))
        // And a validator that knows only evil.org has no bundle for example.org at all.
        #expect(throws: JWTSVIDError.keyFromAnotherTrustDomain(kid: f.evil.keyID, keyTrustDomain: "evil.org", subjectTrustDomain: "example.org")) {
            try f.validator.validate(forged, bundles: [f.evilDomain: f.evil.bundle], now: Fixture.now)
        }
        let own = try f.token()
        #expect(throws: JWTSVIDError.noBundle(trustDomain: "example.org")) {
            try f.validator.validate(own, bundles: [f.evilDomain: f.evil.bundle], now: Fixture.now)
        }
    }

    @Test("typ other than JWT or JOSE is rejected; JOSE and absent are fine")
    func type() throws {
        let f = try Fixture()
        var header = f.header
        header["typ"] = .string("foo")
        #expect(f.reject(try f.token(header: header)) == .typeNotAllowed("foo"))
        header["typ"] = .string("JOSE")
        #expect(f.reject(try f.token(header: header)) == nil)
        header["typ"] = nil
        #expect(f.reject(try f.token(header: header)) == nil)
    }

    @Test("header parameters beyond alg, kid and typ are rejected")
    func extraHeader() throws {
        let f = try Fixture()
        for name in ["jku", "jwk", "x5u", "crit", "cty"] {
            var header = f.header
            header[name] = .string("https://attacker.example/keys")
            #expect(f.reject(try f.token(header: header)) == .headerNotAllowed(name))
        }
    }

    @Test("a two-part token is rejected")
    func twoParts() throws {
        let f = try Fixture()
        let parts = try f.token().split(separator: ".")
        #expect(f.reject(parts[0] + "." + parts[1]) == .notCompact(parts: 2))
        #expect(f.reject("a.b.c.d.e") == .notCompact(parts: 5))
        #expect(f.reject("") == .empty)
    }

    @Test("bad base64 is rejected in every part")
    func badBase64() throws {
        let f = try Fixture()
        let parts = try f.token().split(separator: ".").map(String.init)
        #expect(f.reject("!!" + parts[0] + "." + parts[1] + "." + parts[2]) == .badBase64(part: "header"))
        #expect(f.reject(parts[0] + "." + parts[1] + "==." + parts[2]) == .badBase64(part: "payload"))
        #expect(f.reject(parts[0] + "." + parts[1] + "." + parts[2] + "+/") == .badBase64(part: "signature"))
        #expect(f.reject(parts[0] + "." + parts[1] + " ." + parts[2]) == .badBase64(part: "payload"))
        // A header that decodes but is not JSON.
        #expect(f.reject(b64("not json") + "." + parts[1] + "." + parts[2]) == .badJSON(part: "header"))
        #expect(f.reject(parts[0] + "." + b64("[1,2]") + "." + parts[2]) == .badJSON(part: "payload"))
    }

    @Test("a member named twice is rejected: parsers disagree on which one counts")
    func duplicateMembers() throws {
        let f = try Fixture()
        let parts = try f.token().split(separator: ".").map(String.init)
        let header = #"{"alg":"none","alg":"ES256","kid":"\#(f.authority.keyID)","typ":"JWT"}"#
        #expect(f.reject(b64(header) + "." + parts[1] + "." + parts[2]) == .duplicateMember(part: "header", name: "alg"))
        // An escaped spelling is the same name.
        let sub = #"{"aud":["bob"],"exp":4000000000,"sub":"spiffe://example.org/a","\u0073ub":"spiffe://example.org/b"}"#
        #expect(f.reject(parts[0] + "." + b64(sub) + "." + parts[2]) == .duplicateMember(part: "payload", name: "sub"))
        // The same name in different objects is fine.
        #expect(JSONValue.duplicateMemberName(in: Array(#"{"a":{"a":1},"b":[{"a":2},{"a":3}],"c":"a"}"#.utf8)) == nil)
        #expect(JSONValue.duplicateMemberName(in: Array(#"{"a":{"x":1,"x":2}}"#.utf8)) == "x")
        #expect(JSONValue.duplicateMemberName(in: Array(#"{"k\"":1,"k\"":2}"#.utf8)) == "k\"")
    }

    @Test("the JWS JSON serialization is rejected")
    func jsonSerialization() throws {
        let f = try Fixture()
        let parts = try f.token().split(separator: ".").map(String.init)
        let json = #"{"payload":"\#(parts[1])","signatures":[{"protected":"\#(parts[0])","signature":"\#(parts[2])"}]}"#
        #expect(f.reject(json) == .jsonSerialization)
    }

    @Test("a DER-encoded ECDSA signature is named as such")
    func derSignature() throws {
        let f = try Fixture()
        let parts = try f.token().split(separator: ".").map(String.init)
        let raw = Base64URL.decode(parts[2])!
        let der = try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation
        guard case .signatureMalformed(let reason)? = f.reject(parts[0] + "." + parts[1] + "." + Base64URL.encode(der)) else {
            Issue.record("expected signatureMalformed")
            return
        }
        #expect(reason.contains("DER"))
    }

    @Test("non-canonical base64url (non-zero unused bits) is rejected")
    func nonCanonicalBase64() throws {
        // "QQ" is 'A'; "QR" has the same first 8 bits and non-zero leftovers.
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("QR") == nil)
        #expect(Base64URL.decode("QQ==") == nil)
        #expect(Base64URL.decode("Q") == nil)
    }

    @Test("no mutation of a valid token crashes or is accepted")
    func mutations() throws {
        let f = try Fixture()
        let token = try f.token()
        let characters = Array(token)
        var rejected = 0
        for index in characters.indices {
            for replacement in ["A", ".", "-", "{", "é"] where String(characters[index]) != replacement {
                var mutated = characters
                mutated[index] = Character(replacement)
                if f.reject(String(mutated)) != nil { rejected += 1 } else {
                    Issue.record("mutation at \(index) to \(replacement) was accepted")
                }
            }
            // Truncation at every position.
            #expect(f.reject(String(characters[..<index])) != nil)
        }
        #expect(rejected > characters.count * 4)
    }

    @Test("the verdict lists every check and skips only what cannot run")
    func verdictByCheck() throws {
        let f = try Fixture()
        let good = f.validator.check(try f.token(), bundles: f.bundles, now: Fixture.now)
        #expect(good.isValid)
        #expect(good.checks.map(\.name) == JWTCheck.Name.allCases)
        #expect(good.checks.allSatisfy { $0.passed })

        // Expired AND wrong audience: both reported; the signature is still checked.
        var claims = f.claims
        claims["exp"] = .integer(Int64(Fixture.now.timeIntervalSince1970) - 3600)
        claims["aud"] = .string("mallory")
        let bad = f.validator.check(try f.token(claims: claims), bundles: f.bundles, now: Fixture.now)
        #expect(!bad.isValid)
        #expect(bad.check(.signature)?.passed == true)
        #expect(bad.check(.expiry)?.failure != nil)
        #expect(bad.check(.audience)?.failure == .audienceMismatch(expected: "bob", actual: ["mallory"]))
        #expect(bad.firstFailure == bad.check(.expiry)?.failure)

        // Without a kid the key, key type and signature checks cannot run.
        var header = f.header
        header["kid"] = nil
        let noKid = f.validator.check(try f.token(header: header), bundles: f.bundles, now: Fixture.now)
        for name in [JWTCheck.Name.key, .keyType, .signature] {
            guard case .skipped? = noKid.check(name)?.outcome else {
                Issue.record("\(name) should be skipped")
                continue
            }
        }
    }

    @Test("every rejection message names a rule")
    func messagesNameRules() throws {
        let errors: [JWTSVIDError] = [
            .jsonSerialization, .notCompact(parts: 2), .badBase64(part: "header"), .badJSON(part: "payload"),
            .algorithmMissing, .algorithmNone, .algorithmNotAllowed("EdDSA"), .typeNotAllowed("foo"),
            .headerNotAllowed("jku"), .signatureInvalid, .subjectMissing, .audienceMissing, .expirationMissing,
            .audienceMismatch(expected: "a", actual: ["b"]), .expired(expiry: Fixture.now, now: Fixture.now),
            .notYetValid(notBefore: Fixture.now, now: Fixture.now), .algorithmDoesNotMatchKey(algorithm: "ES256", key: "RSA 2048"),
        ]
        for error in errors {
            #expect(error.description.contains("§"), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("issuing refuses foreign IDs, empty audiences and silly lifetimes")
    func issueRules() throws {
        let f = try Fixture()
        #expect(throws: JWTAuthority.IssueError.foreignTrustDomain(id: "spiffe://evil.org/x", trustDomain: "example.org")) {
            try f.authority.issue(for: try SpiffeID("spiffe://evil.org/x"), audience: ["bob"], now: Fixture.now)
        }
        #expect(throws: JWTAuthority.IssueError.emptyAudience) {
            try f.authority.issue(for: f.workload, audience: ["", ""], now: Fixture.now)
        }
        #expect(throws: JWTAuthority.IssueError.badTTL(0)) {
            try f.authority.issue(for: f.workload, audience: ["bob"], ttl: 0, now: Fixture.now)
        }
        let withIssuer = try f.authority.issueSVID(for: f.workload, audience: ["sts.amazonaws.com"], issuer: "https://oidc.example.org", now: Fixture.now)
        #expect(withIssuer.claims["iss"] == .string("https://oidc.example.org"))
    }
}
