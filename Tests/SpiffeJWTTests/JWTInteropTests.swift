import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509
import Testing
import TestSupport

/// Cross-checks with software nobody here wrote: PyJWT and py-spiffe (the Python `spiffe`
/// library) from the interop venv. A missing venv fails these tests with a clear message.
@Suite("JWT-SVID interop with PyJWT and py-spiffe")
struct JWTInteropTests {
    let domain = try! TrustDomain("example.org")
    let workload = try! SpiffeID("spiffe://example.org/ns/prod/sa/web")

    /// Runs a Python snippet with arguments; returns stdout, failing the test on a non-zero exit.
    func python(_ script: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let interpreter = try TestSupport.python()
        let result = try await TestSupport.run(interpreter.path, ["-c", script] + arguments, deadline: 120)
        #expect(result.status == 0, "python failed: \(result)", sourceLocation: sourceLocation)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func scratch() throws -> URL { try TestSupport.makeTempDirectory(prefix: "jwt-interop") }

    static let verifyWithPyJWT = """
        import json, sys, jwt
        from jwt import PyJWKSet
        token, jwks_path, audience = sys.argv[1], sys.argv[2], sys.argv[3]
        jwks = PyJWKSet.from_json(open(jwks_path).read())
        header = jwt.get_unverified_header(token)
        key = next(k for k in jwks.keys if k.key_id == header["kid"])
        claims = jwt.decode(token, key=key.key, algorithms=[header["alg"]], audience=audience,
                            options={"require": ["exp", "aud", "sub"]})
        print(claims["sub"])
        """

    static let verifyWithPySpiffe = """
        import sys
        from spiffe import JwtBundle, TrustDomain
        from spiffe.svid.jwt_svid import JwtSvid
        token, jwks_path, audience = sys.argv[1], sys.argv[2], sys.argv[3]
        bundle = JwtBundle.parse(TrustDomain("example.org"), open(jwks_path, "rb").read())
        svid = JwtSvid.parse_and_validate(token, bundle, {audience})
        print(str(svid.spiffe_id), sorted(bundle.jwt_authorities.keys()))
        """

    @Test("tokens we mint validate with PyJWT and with py-spiffe", arguments: [
        (JWTPrivateKey.Kind.p256, JWTAlgorithm.es256), (.p384, .es384), (.p521, .es512),
        (.rsa2048, .rs256), (.rsa2048, .ps256), (.rsa2048, .ps512),
    ])
    func ourTokensInPython(kind: JWTPrivateKey.Kind, algorithm: JWTAlgorithm) async throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let authority = try JWTAuthority(trustDomain: domain, keyType: kind, algorithm: algorithm)
        let jwks = dir.appendingPathComponent("jwks.json")
        try authority.bundle.jwksJSON().write(to: jwks)
        // Python's clock, not a fixed one: PyJWT checks exp against the real time.
        let token = try authority.issue(for: workload, audience: ["bob"], now: Date())

        await #expect(try python(Self.verifyWithPyJWT, [token, jwks.path, "bob"]) == workload.description)
        await #expect(try python(Self.verifyWithPySpiffe, [token, jwks.path, "bob"])
                == "\(workload) ['\(authority.keyID)']")

        // And PyJWT refuses it for another audience, so the check above could fail.
        let interpreter = try TestSupport.python()
        let wrong = try await TestSupport.run(interpreter.path, ["-c", Self.verifyWithPyJWT, token, jwks.path, "mallory"])
        #expect(wrong.status != 0 && wrong.stderr.contains("InvalidAudienceError"))
    }

    static let signWithPyJWT = """
        import sys, time, jwt
        key_path, alg, kid, sub, aud, ttl = sys.argv[1:7]
        now = int(time.time())
        claims = {"sub": sub, "aud": [aud], "exp": now + int(ttl), "iat": now}
        print(jwt.encode(claims, open(key_path).read(), algorithm=alg, headers={"kid": kid, "typ": "JWT"}))
        """

    @Test("tokens PyJWT signs with a key of our bundle validate, in the library and with jwt-parse",
          arguments: [JWTAlgorithm.es256, .es384, .rs256, .rs512, .ps256, .ps384])
    func pyjwtTokensHere(algorithm: JWTAlgorithm) async throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let kind: JWTPrivateKey.Kind = algorithm == .es256 ? .p256 : algorithm == .es384 ? .p384 : .rsa2048
        let authority = try JWTAuthority(trustDomain: domain, keyType: kind, algorithm: algorithm)
        // The private key goes to Python through a file only its owner can read.
        let keyFile = dir.appendingPathComponent("authority.key")
        try AtomicFile.write(Data(authority.privateKey.pkcs8PEM.utf8), to: keyFile, mode: 0o600)
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let token = try await python(Self.signWithPyJWT,
                               [keyFile.path, algorithm.rawValue, authority.keyID, workload.description, "bob", "300"])
        let svid = try JWTSVIDValidator(audience: "bob").validate(token, bundle: authority.bundle, now: Date())
        #expect(svid.spiffeID == workload)
        #expect(svid.algorithm == algorithm)

        // The same through the CLI, with the bundle as a SPIFFE bundle document.
        let bundleFile = dir.appendingPathComponent("bundle.json")
        try authority.bundle.spiffeJSON().write(to: bundleFile)
        let ok = try await TestSupport.run("spiffe-demo", ["jwt-parse", token, "--bundle", bundleFile.path, "--trust-domain", "example.org", "--audience", "bob"])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout.contains("VALID: a JWT-SVID for \(workload)"))
        #expect(ok.stdout.contains("pass  signature"))

        let rejected = try await TestSupport.run("spiffe-demo", ["jwt-parse", "-", "--bundle", bundleFile.path, "--trust-domain", "example.org", "--audience", "alice"], stdin: token)
        #expect(rejected.status == 1)
        #expect(rejected.stderr == "jwt-parse: rejected: audience 'alice' is not in aud ['bob'] (JWT-SVID §3.2)\n")
    }

    @Test("a PyJWT token signed by a key outside the bundle is rejected")
    func pyjwtForeignKey() async throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ours = try JWTAuthority(trustDomain: domain)
        let stranger = try JWTAuthority(trustDomain: domain)
        let keyFile = dir.appendingPathComponent("stranger.key")
        try AtomicFile.write(Data(stranger.privateKey.pkcs8PEM.utf8), to: keyFile, mode: 0o600)
        // The stranger even claims our kid: the signature is what gives it away.
        let token = try await python(Self.signWithPyJWT, [keyFile.path, "ES256", ours.keyID, workload.description, "bob", "300"])
        #expect(throws: JWTSVIDError.signatureInvalid) {
            try JWTSVIDValidator(audience: "bob").validate(token, bundle: ours.bundle, now: Date())
        }
    }

    static let readBundle = """
        import base64, json, sys
        from jwt import PyJWKSet
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        doc = json.load(open(sys.argv[1]))
        spki = lambda k: k.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo).hex()
        out = {"jwt": {}, "x509": []}
        for entry, jwk in zip(doc["keys"], PyJWKSet.from_dict(doc).keys):
            if entry.get("use") == "x509-svid":
                cert = x509.load_der_x509_certificate(base64.b64decode(entry["x5c"][0]))
                assert spki(cert.public_key()) == spki(jwk.key), "x5c and key numbers differ"
                san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                out["x509"].append({"spki": spki(jwk.key), "uris": san.get_values_for_type(x509.UniformResourceIdentifier)})
            else:
                out["jwt"][jwk.key_id] = spki(jwk.key)
        print(json.dumps(out, sort_keys=True))
        """

    @Test("Python reads our SPIFFE bundle and JWKS: same keys, same certificates")
    func pythonReadsOurBundles() async throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority(trustDomain: domain)
        var jwt: [String: JWTPublicKey] = [:]
        for kind in JWTPrivateKey.Kind.allCases { jwt["kid-\(kind.rawValue)"] = try JWTPrivateKey.generate(kind).publicKey }
        let bundle = SpiffeBundle(trustDomain: domain, x509Authorities: [ca.certificate], jwtAuthorities: jwt, sequenceNumber: 3)

        let spiffeFile = dir.appendingPathComponent("bundle.json")
        try bundle.spiffeJSON().write(to: spiffeFile)
        let seen = try JSONSerialization.jsonObject(with: Data(try await python(Self.readBundle, [spiffeFile.path]).utf8)) as? [String: Any]
        let seenJWT = try #require(seen?["jwt"] as? [String: String])
        #expect(seenJWT == jwt.mapValues { $0.derRepresentation.hexString })
        let seenX509 = try #require(seen?["x509"] as? [[String: Any]])
        #expect(seenX509.count == 1)
        #expect(seenX509.first?["spki"] as? String == JWTPublicKey(ca.certificate.publicKey)!.derRepresentation.hexString)
        #expect(seenX509.first?["uris"] as? [String] == ["spiffe://example.org"])

        // The Workload API form, through py-spiffe's own parser.
        let jwksFile = dir.appendingPathComponent("jwks.json")
        try bundle.jwksJSON().write(to: jwksFile)
        let kids = try await python("""
            import sys
            from spiffe import JwtBundle, TrustDomain
            b = JwtBundle.parse(TrustDomain("example.org"), open(sys.argv[1], "rb").read())
            print(",".join(sorted(b.jwt_authorities.keys())))
            """, [jwksFile.path])
        #expect(kids == jwt.keys.sorted().joined(separator: ","))
    }
}

extension Data {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
