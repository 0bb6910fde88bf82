import Foundation
import SpiffeBundles
import SpiffeFormats

/// What SPIRE's OIDC Discovery Provider serves for a trust domain's JWT bundle: the bridge that
/// lets a cloud IAM (AWS, GCP, Azure) accept JWT-SVIDs with no SPIRE agent on its side.
///
/// A cloud IAM configured with an OIDC identity provider fetches
/// `<issuer>/.well-known/openid-configuration`, follows its `jwks_uri`, and then checks a
/// presented token against those keys: signature by a listed `kid`, `iss` equal to the issuer,
/// `aud` equal to the configured client ID (for AWS STS, `sts.amazonaws.com`), `exp`; and its role
/// policy decides which `sub` values may assume which role. SPIRE only has to publish these two
/// documents over HTTPS, and put the issuer in its tokens (the server's `jwt_issuer` setting).
///
/// The documents below match SPIRE 1.15's provider (support/oidc-discovery-provider/handler.go).
public struct OIDCDiscovery: Sendable {
    public let issuer: String
    public let jwksURI: String

    /// Why an issuer cannot head a discovery document: it must be an https URL without query or
    /// fragment (OpenID Connect Discovery §3).
    public enum IssuerError: Error, Equatable, Sendable, CustomStringConvertible {
        case notAURL(String)
        case notHTTPS(String)
        case queryOrFragment(String)

        public var description: String {
            switch self {
            case .notAURL(let issuer):
                return "issuer '\(issuer)' is not an absolute URL with a host"
            case .notHTTPS(let issuer):
                return "issuer '\(issuer)' must use https: OIDC Discovery and cloud IAMs fetch keys only over TLS"
            case .queryOrFragment(let issuer):
                return "issuer '\(issuer)' must not have a query or fragment (OpenID Connect Discovery §3)"
            }
        }
    }

    /// `jwksURI` defaults to `<issuer>/keys`, the path SPIRE's provider serves the keys at.
    public init(issuer: String, jwksURI: String? = nil, allowInsecureScheme: Bool = false) throws(IssuerError) {
        guard let url = URLComponents(string: issuer), let scheme = url.scheme?.lowercased(),
              let host = url.host, !host.isEmpty else { throw .notAURL(issuer) }
        guard scheme == "https" || (scheme == "http" && allowInsecureScheme) else { throw .notHTTPS(issuer) }
        guard url.query == nil, url.fragment == nil else { throw .queryOrFragment(issuer) }
        self.issuer = issuer
        self.jwksURI = jwksURI ?? OIDCDiscovery.join(issuer, "keys")
    }

    /// Where a relying party looks for the discovery document (OpenID Connect Discovery §4).
    public var configurationURL: String { OIDCDiscovery.join(issuer, ".well-known/openid-configuration") }

    /// The discovery document. SPIRE fills the members OIDC requires with fixed values: there is
    /// no login flow (`authorization_endpoint` is empty), tokens are only ever presented as ID
    /// tokens, subjects are the public SPIFFE IDs, and the algorithms are those its keys sign with.
    public struct Document: Codable, Sendable, Equatable {
        public var issuer: String
        public var jwks_uri: String
        public var authorization_endpoint: String
        public var response_types_supported: [String]
        public var subject_types_supported: [String]
        public var id_token_signing_alg_values_supported: [String]
    }

    // step: oidc-discovery
    public var document: Document {
        Document(
            issuer: issuer,
            jwks_uri: jwksURI,
            authorization_endpoint: "",
            response_types_supported: ["id_token"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256", "ES256", "ES384"])
    }

    /// The JWKS served at `jwks_uri`: the trust domain's JWT authorities only (never its X.509
    /// CAs), each with the `alg` its key type implies. SPIRE drops the SPIFFE `use` values, which
    /// generic OIDC clients do not know, and writes `"use": "sig"` only when the provider is
    /// configured with `set_key_use = true` (some IAMs insist on it).
    public static func keys(of bundle: SpiffeBundle, setKeyUse: Bool = false, pretty: Bool = true) -> Data {
        let keys = bundle.jwtAuthorities.sorted(by: { $0.key < $1.key }).map { kid, key -> JWK in
            var jwk = key.jwk(use: setKeyUse ? "sig" : nil, kid: kid)
            jwk.alg = advertisedAlgorithm(key)
            return jwk
        }
        return JSONValue.encode(["keys": keys], pretty: pretty)
    }
    // end-step

    public func documentJSON(pretty: Bool = true) -> Data {
        JSONValue.encode(document, pretty: pretty)
    }

    /// SPIRE's mapping from key type to `alg` (cryptoutil.JoseAlgFromPublicKey): RSA keys are
    /// advertised as RS256, P-256 as ES256, P-384 as ES384; P-521 gets none.
    static func advertisedAlgorithm(_ key: JWTPublicKey) -> String? {
        switch key {
        case .rsa: return "RS256"
        case .p256: return "ES256"
        case .p384: return "ES384"
        case .p521: return nil
        }
    }

    /// Joins a path segment to a URL the way Go's url.JoinPath does: exactly one slash between.
    static func join(_ base: String, _ path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/" + path
    }
}
