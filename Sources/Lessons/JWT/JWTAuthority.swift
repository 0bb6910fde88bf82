import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity

/// A trust domain's JWT signing key and its key ID: what mints JWT-SVIDs.
///
/// In SPIRE this is a JWT key of the server's CA, rotated like the X.509 CA; its public half is
/// published in the trust bundle under its `kid`, and that is the only way a relying party can
/// check a token. Here it is in memory (or in a state directory, see `TrustDomainDirectory`), so the
/// exercises can mint tokens with no infrastructure, and so the local agent can mint them with
/// one call: `authority.issue(for: id, audience: ["bob"], ttl: 300, now: Date())`.
public struct JWTAuthority: Sendable {
    public let trustDomain: TrustDomain
    /// The `kid` every token from this authority carries in its header.
    public let keyID: String
    public let privateKey: JWTPrivateKey
    /// The `alg` this authority signs with; it must suit the key (ES256 needs P-256, …).
    public let algorithm: JWTAlgorithm

    /// SPIRE's default JWT-SVID lifetime: five minutes. Short, because a JWT-SVID is a bearer
    /// token: whoever holds it can replay it until it expires (JWT-SVID §7.1).
    public static let defaultTTL: TimeInterval = 300

    /// Why a token could not be issued.
    public enum IssueError: Error, Equatable, Sendable, CustomStringConvertible {
        case foreignTrustDomain(id: String, trustDomain: String)
        case emptyAudience
        case badTTL(TimeInterval)

        public var description: String {
            switch self {
            case .foreignTrustDomain(let id, let trustDomain):
                return "\(id) is not in trust domain \(trustDomain); an authority signs only for its own trust domain"
            case .emptyAudience:
                return "a JWT-SVID needs at least one audience (JWT-SVID §3.2)"
            case .badTTL(let ttl):
                return "a JWT-SVID lifetime must be at least one second, not \(ttl)"
            }
        }
    }

    /// A fresh authority with a new key: ES256 on P-256 by default, like SPIRE.
    public init(
        trustDomain: TrustDomain, keyType: JWTPrivateKey.Kind = .p256, algorithm: JWTAlgorithm? = nil
    ) throws {
        let key = try JWTPrivateKey.generate(keyType)
        try self.init(trustDomain: trustDomain, privateKey: key, keyID: JWTAuthority.newKeyID(),
                      algorithm: algorithm ?? key.publicKey.defaultAlgorithm)
    }

    /// An authority from an existing key (for example loaded by `TrustDomainDirectory`).
    public init(
        trustDomain: TrustDomain, privateKey: JWTPrivateKey, keyID: String, algorithm: JWTAlgorithm
    ) throws(JWTSVIDError) {
        guard privateKey.publicKey.allows(algorithm) else {
            throw .algorithmDoesNotMatchKey(algorithm: algorithm.rawValue, key: privateKey.publicKey.description)
        }
        self.trustDomain = trustDomain
        self.privateKey = privateKey
        self.keyID = keyID
        self.algorithm = algorithm
    }

    public var publicKey: JWTPublicKey { privateKey.publicKey }

    /// The bundle relying parties need to validate this authority's tokens.
    public var bundle: SpiffeBundle {
        SpiffeBundle(trustDomain: trustDomain, jwtAuthorities: [keyID: publicKey])
    }

    // step: jwt-svid
    /// Mints a JWT-SVID for `id`, shaped as SPIRE shapes them.
    public func issue(
        for id: SpiffeID,
        audience: [String],
        ttl: TimeInterval = JWTAuthority.defaultTTL,
        issuer: String? = nil,
        now: Date
    ) throws -> String {
        // Only for IDs in our own trust domain: relying parties pick the bundle by sub's trust
        // domain, so a token we signed for another domain would (rightly) never validate.
        guard id.isMember(of: trustDomain) else {
            throw IssueError.foreignTrustDomain(id: id.description, trustDomain: trustDomain.name)
        }
        let audience = audience.filter { !$0.isEmpty }
        guard !audience.isEmpty else { throw IssueError.emptyAudience }
        guard ttl >= 1 else { throw IssueError.badTTL(ttl) }

        // NumericDate: seconds since 1970, leap seconds ignored (RFC 7519 §2); SPIRE and this
        // code write whole seconds.
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        let header: [String: JSONValue] = [
            "alg": .string(algorithm.rawValue),   // one of the nine of JWT-SVID §2.1
            "kid": .string(keyID),                // which bundle key verifies it
            "typ": .string("JWT"),                // JWT or JOSE, if present (§2.3)
        ]
        var claims: [String: JSONValue] = [
            "sub": .string(id.description),                         // §3.1: the SPIFFE ID
            "aud": .array(audience.map { .string($0) }),            // §3.2: who may accept it
            "exp": .integer(issuedAt + Int64(ttl.rounded(.down))),  // §3.3: required, short
            "iat": .integer(issuedAt),
        ]
        // SPIFFE does not use `iss`; SPIRE adds it when the server has a `jwt_issuer`, because
        // an OIDC relying party such as a cloud IAM matches it against the provider's URL.
        if let issuer { claims["iss"] = .string(issuer) }
        return try sign(header: header, claims: claims)
    }
    // end-step

    /// Mints a token and returns it as a `JWTSVID`, for callers that want the fields too.
    public func issueSVID(
        for id: SpiffeID, audience: [String], ttl: TimeInterval = JWTAuthority.defaultTTL,
        issuer: String? = nil, now: Date
    ) throws -> JWTSVID {
        let token = try issue(for: id, audience: audience, ttl: ttl, issuer: issuer, now: now)
        let parsed = try JWTToken.parse(token)
        return JWTSVID(
            spiffeID: id, audience: audience.filter { !$0.isEmpty }, expiry: parsed.expiry ?? now,
            claims: parsed.claims, token: token, keyID: keyID, algorithm: algorithm)
    }

    /// Signs any header and claims with this authority's key, as JWS compact serialization
    /// (RFC 7515 §7.1): base64url(header) "." base64url(claims) "." base64url(signature).
    ///
    /// `issue` is the way to mint a JWT-SVID. This lower-level call exists so lessons and tests
    /// can build the tokens a validator must refuse (no exp, a foreign sub, typ "foo") with a
    /// perfectly good signature, which proves the refusal comes from the rule and not from the
    /// signature. The header's `alg` decides the signature algorithm when it names one this key
    /// can produce; otherwise the authority's own algorithm signs (so the header lies).
    public func sign(header: [String: JSONValue], claims: [String: JSONValue]) throws -> String {
        let signingInput = Base64URL.encode(JSONValue.encode(header, pretty: false))
            + "." + Base64URL.encode(JSONValue.encode(claims, pretty: false))
        var signingAlgorithm = algorithm
        if let name = header["alg"]?.stringValue, let named = JWTAlgorithm(rawValue: name), publicKey.allows(named) {
            signingAlgorithm = named
        }
        let signature = try privateKey.sign(Array(signingInput.utf8), algorithm: signingAlgorithm)
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// A random key ID: 32 letters and digits, like the ones SPIRE gives its JWT keys. It only has
    /// to be unique within the bundle; it says nothing about the key.
    public static func newKeyID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
