import Crypto
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509
import Testing
import TestSupport
import X509

func jsonObject(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func keys(_ data: Data) throws -> [[String: Any]] {
    try #require(try jsonObject(data)["keys"] as? [[String: Any]])
}

@Suite("SPIFFE bundles as JWK Sets")
struct SpiffeBundleTests {
    let domain = try! TrustDomain("example.org")

    func fullBundle() throws -> SpiffeBundle {
        let ca = try CertificateAuthority(trustDomain: domain, now: Fixture.now)
        let rsaCA = try CertificateAuthority(trustDomain: domain, keyType: .rsa2048, now: Fixture.now)
        var jwt: [String: JWTPublicKey] = [:]
        for kind in JWTPrivateKey.Kind.allCases {
            jwt["kid-\(kind.rawValue)"] = try JWTPrivateKey.generate(kind).publicKey
        }
        return SpiffeBundle(trustDomain: domain, x509Authorities: [ca.certificate, rsaCA.certificate],
                            jwtAuthorities: jwt, sequenceNumber: 7, refreshHint: 600)
    }

    @Test("a bundle survives writing and reading back")
    func roundTrip() throws {
        let bundle = try fullBundle()
        let json = try bundle.spiffeJSON()
        let parsed = try SpiffeBundle(json: json, trustDomain: domain)
        #expect(parsed == bundle)
        #expect(try SpiffeBundle(json: json, trustDomain: domain, format: .spiffe) == bundle)
    }

    @Test("the document has the members and key shapes the specs require")
    func documentShape() throws {
        let bundle = try fullBundle()
        let object = try jsonObject(try bundle.spiffeJSON())
        #expect(object["spiffe_sequence"] as? Int == 7)
        #expect(object["spiffe_refresh_hint"] as? Int == 600)
        let entries = try keys(try bundle.spiffeJSON())
        let x509 = entries.filter { $0["use"] as? String == "x509-svid" }
        let jwt = entries.filter { $0["use"] as? String == "jwt-svid" }
        #expect(x509.count == 2 && jwt.count == 4 && entries.count == 6)
        for entry in x509 {
            // X509-SVID §6.1: exactly one certificate, no kid; the key numbers beside it.
            let x5c = try #require(entry["x5c"] as? [String])
            #expect(x5c.count == 1)
            #expect(entry["kid"] == nil)
            let certificate = try Certificate(derEncoded: Array(try #require(Data(base64Encoded: x5c[0]))))
            #expect(bundle.x509Authorities.contains(certificate))
            #expect(["EC", "RSA"].contains(entry["kty"] as? String))
        }
        for entry in jwt {
            #expect((entry["kid"] as? String)?.hasPrefix("kid-") == true)
            #expect(entry["x5c"] == nil)
        }
        let ec = try #require(jwt.first { $0["kid"] as? String == "kid-ec-p384" })
        #expect(ec["kty"] as? String == "EC" && ec["crv"] as? String == "P-384")
        let rsa = try #require(jwt.first { $0["kid"] as? String == "kid-rsa-2048" })
        #expect(rsa["e"] as? String == "AQAB")
        #expect(Base64URL.decode(try #require(rsa["n"] as? String))?.count == 256)
    }

    @Test("EC coordinates keep their full length, leading zero bytes included")
    func fixedLengthCoordinates() throws {
        // About one P-256 key in 128 has an x or y starting with a zero byte.
        var found = false
        for _ in 0..<3000 where !found {
            let key = P256.Signing.PrivateKey().publicKey
            let raw = Array(key.rawRepresentation)
            guard raw[0] == 0 || raw[32] == 0 else { continue }
            found = true
            let jwk = JWTPublicKey.p256(key).jwk(kid: "k")
            #expect(Base64URL.decode(jwk.x!)?.count == 32)
            #expect(Base64URL.decode(jwk.y!)?.count == 32)
            #expect(jwk.x!.count == 43 && jwk.y!.count == 43)
            #expect(try JWTPublicKey(jwk: jwk) == .p256(key))
        }
        #expect(found)
        // A short coordinate is refused, not padded.
        var short = JWTPublicKey.p256(P256.Signing.PrivateKey().publicKey).jwk(kid: "k")
        short.x = Base64URL.encode(Base64URL.decode(short.x!)!.dropFirst())
        #expect(throws: JWTPublicKey.Problem.self) { try JWTPublicKey(jwk: short) }
    }

    @Test("keys with an unknown use or kty are ignored, as §4.1.3 and §4.2 require")
    func ignoresUnknown() throws {
        let key = JWTPublicKey.p256(P256.Signing.PrivateKey().publicKey)
        var unknownUse = key.jwk(use: "wit-svid", kid: "w")
        unknownUse.alg = "ES256"
        let document: [String: JSONValue] = [
            "spiffe_sequence": .integer(1),
            "keys": .array([
                try value(unknownUse),
                .object(["kty": .string("oct"), "use": .string("jwt-svid"), "kid": .string("hmac"), "k": .string("c2VjcmV0")]),
                .object(["kty": .string("OKP"), "use": .string("jwt-svid"), "kid": .string("ed"), "crv": .string("Ed25519"), "x": .string("AAAA")]),
                .object(["kty": .string("EC"), "use": .string("jwt-svid"), "kid": .string("k1"), "crv": .string("secp256k1"), "x": .string("AA"), "y": .string("AA")]),
                try value(key.jwk(use: "jwt-svid", kid: "good")),
                try value(key.jwk(kid: "no-use")),   // no use: ignored in a SPIFFE bundle
            ]),
        ]
        let bundle = try SpiffeBundle(json: JSONValue.encode(document, pretty: false), trustDomain: domain)
        #expect(Array(bundle.jwtAuthorities.keys) == ["good"])
        #expect(bundle.x509Authorities.isEmpty)
    }

    @Test("keys must be present; an empty array trusts nothing")
    func keysMember() throws {
        #expect(throws: SpiffeBundleError.keysMissing(source: "bundle")) {
            try SpiffeBundle(json: Data(#"{"spiffe_sequence": 1}"#.utf8), trustDomain: domain)
        }
        #expect(throws: SpiffeBundleError.keysMissing(source: "bundle")) {
            try SpiffeBundle(json: Data(#"{"keys": {}}"#.utf8), trustDomain: domain)
        }
        #expect(throws: SpiffeBundleError.notJSON(source: "b.json")) {
            try SpiffeBundle(json: Data("-----BEGIN CERTIFICATE-----".utf8), trustDomain: domain, source: "b.json")
        }
        let empty = try SpiffeBundle(json: Data(#"{"keys": [], "spiffe_sequence": 18446744073709551615}"#.utf8), trustDomain: domain)
        #expect(empty.jwtAuthorities.isEmpty && empty.x509Authorities.isEmpty)
        #expect(empty.sequenceNumber == UInt64.max)
        #expect(throws: SpiffeBundleError.self) {
            try SpiffeBundle(json: Data(#"{"keys": [], "spiffe_sequence": -1}"#.utf8), trustDomain: domain)
        }
        #expect(throws: SpiffeBundleError.self) {
            try SpiffeBundle(json: Data(#"{"keys": [], "spiffe_refresh_hint": "5m"}"#.utf8), trustDomain: domain)
        }
    }

    @Test("a jwt-svid key needs a kid, and kids are unique")
    func keyIDs() throws {
        let key = JWTPublicKey.p256(P256.Signing.PrivateKey().publicKey)
        let noKid = ["keys": [key.jwk(use: "jwt-svid")]]
        #expect(throws: SpiffeBundleError.jwtKeyWithoutKeyID(source: "bundle", index: 0)) {
            try SpiffeBundle(json: JSONValue.encode(noKid, pretty: false), trustDomain: domain)
        }
        let twice = ["keys": [key.jwk(use: "jwt-svid", kid: "a"), key.jwk(use: "jwt-svid", kid: "a")]]
        #expect(throws: SpiffeBundleError.duplicateKeyID(source: "bundle", kid: "a")) {
            try SpiffeBundle(json: JSONValue.encode(twice, pretty: false), trustDomain: domain)
        }
    }

    @Test("x509-svid entries: no x5c is ignored, extra x5c values are ignored, a lying key is refused")
    func x509Entries() throws {
        let ca = try CertificateAuthority(trustDomain: domain, now: Fixture.now)
        let other = try CertificateAuthority(trustDomain: domain, now: Fixture.now)
        let der = { (c: Certificate) in Data(try! PEM.der([c])).base64EncodedString() }
        var entry = JWTPublicKey(ca.certificate.publicKey)!.jwk(use: "x509-svid")

        entry.x5c = nil
        #expect(try SpiffeBundle(json: JSONValue.encode(["keys": [entry]], pretty: false), trustDomain: domain).x509Authorities.isEmpty)
        entry.x5c = []
        #expect(try SpiffeBundle(json: JSONValue.encode(["keys": [entry]], pretty: false), trustDomain: domain).x509Authorities.isEmpty)

        entry.x5c = [der(ca.certificate), der(other.certificate)]
        let first = try SpiffeBundle(json: JSONValue.encode(["keys": [entry]], pretty: false), trustDomain: domain)
        #expect(first.x509Authorities == [ca.certificate])

        entry.x5c = [der(other.certificate)]   // key numbers are ca's, certificate is other's
        #expect(throws: SpiffeBundleError.certificateKeyMismatch(source: "bundle", index: 0)) {
            try SpiffeBundle(json: JSONValue.encode(["keys": [entry]], pretty: false), trustDomain: domain)
        }
        entry.x5c = ["not base64!"]
        #expect(throws: SpiffeBundleError.self) {
            try SpiffeBundle(json: JSONValue.encode(["keys": [entry]], pretty: false), trustDomain: domain)
        }
    }

    @Test("a plain JWKS (Workload API, OIDC) reads as JWT authorities")
    func plainJWKS() throws {
        let bundle = try fullBundle()
        let jwks = bundle.jwksJSON()
        let object = try jsonObject(jwks)
        #expect(object.keys.sorted() == ["keys"])
        for entry in try keys(jwks) {
            #expect(entry["use"] == nil && entry["kid"] != nil && entry["x5c"] == nil)
        }
        let parsed = try SpiffeBundle(json: jwks, trustDomain: domain)
        #expect(parsed.jwtAuthorities == bundle.jwtAuthorities)
        #expect(parsed.x509Authorities.isEmpty)
        // Read strictly as a SPIFFE bundle, keys without `use` are ignored.
        #expect(try SpiffeBundle(json: jwks, trustDomain: domain, format: .spiffe).jwtAuthorities.isEmpty)
    }

    @Test("broken key numbers are refused with the reason")
    func brokenKeys() throws {
        var offCurve = JWTPublicKey.p256(P256.Signing.PrivateKey().publicKey).jwk(use: "jwt-svid", kid: "k")
        offCurve.y = offCurve.x
        #expect(throws: SpiffeBundleError.badKey(source: "bundle", index: 0, reason: "the point (x, y) is not on P-256")) {
            try SpiffeBundle(json: JSONValue.encode(["keys": [offCurve]], pretty: false), trustDomain: domain)
        }
        let small = JWK(kty: "RSA", use: "jwt-svid", kid: "small", n: Base64URL.encode([UInt8](repeating: 0xC3, count: 128)), e: "AQAB")
        #expect(throws: SpiffeBundleError.self) {
            try SpiffeBundle(json: JSONValue.encode(["keys": [small]], pretty: false), trustDomain: domain)
        }
        let noY = JWK(kty: "EC", use: "jwt-svid", kid: "k", crv: "P-256", x: offCurve.x)
        #expect(throws: SpiffeBundleError.badKey(source: "bundle", index: 0, reason: "an EC key needs both 'x' and 'y'")) {
            try SpiffeBundle(json: JSONValue.encode(["keys": [noY]], pretty: false), trustDomain: domain)
        }
    }

    @Test("the OIDC discovery document and keys match SPIRE's provider")
    func oidc() throws {
        let discovery = try OIDCDiscovery(issuer: "https://oidc.example.org")
        let document = try jsonObject(discovery.documentJSON())
        #expect(document["issuer"] as? String == "https://oidc.example.org")
        #expect(document["jwks_uri"] as? String == "https://oidc.example.org/keys")
        #expect(document["authorization_endpoint"] as? String == "")
        #expect(document["response_types_supported"] as? [String] == ["id_token"])
        #expect(document["subject_types_supported"] as? [String] == ["public"])
        #expect(document["id_token_signing_alg_values_supported"] as? [String] == ["RS256", "ES256", "ES384"])
        #expect(discovery.configurationURL == "https://oidc.example.org/.well-known/openid-configuration")
        #expect(try OIDCDiscovery(issuer: "https://example.org/tenant/").jwksURI == "https://example.org/tenant/keys")

        let bundle = try fullBundle()
        let served = try keys(OIDCDiscovery.keys(of: bundle))
        #expect(served.count == 4)   // JWT authorities only, never the X.509 CAs
        let algs = Dictionary(uniqueKeysWithValues: served.map { ($0["kid"] as! String, $0["alg"] as? String) })
        #expect(algs == ["kid-ec-p256": "ES256", "kid-ec-p384": "ES384", "kid-ec-p521": nil, "kid-rsa-2048": "RS256"])
        #expect(served.allSatisfy { $0["use"] == nil && $0["x5c"] == nil })
        #expect(try keys(OIDCDiscovery.keys(of: bundle, setKeyUse: true)).allSatisfy { $0["use"] as? String == "sig" })

        #expect(throws: OIDCDiscovery.IssuerError.notHTTPS("http://oidc.example.org")) {
            try OIDCDiscovery(issuer: "http://oidc.example.org")
        }
        #expect(try OIDCDiscovery(issuer: "http://localhost:8080", allowInsecureScheme: true).jwksURI == "http://localhost:8080/keys")
        #expect(throws: OIDCDiscovery.IssuerError.queryOrFragment("https://x.org/?a=1")) {
            try OIDCDiscovery(issuer: "https://x.org/?a=1")
        }
        #expect(throws: OIDCDiscovery.IssuerError.notAURL("oidc.example.org")) {
            try OIDCDiscovery(issuer: "oidc.example.org")
        }
    }

    private func value(_ jwk: JWK) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONValue.encode(jwk, pretty: false))
    }
}

