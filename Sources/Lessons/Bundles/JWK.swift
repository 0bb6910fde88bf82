/// One JSON Web Key (RFC 7517) as it appears in a SPIFFE bundle or a JWKS: the raw members,
/// before anyone decided whether the key is usable.
///
/// Only the members SPIFFE bundles use are modelled. The SPIFFE bundle spec asks producers not
/// to add others (§4.2), and consumers to ignore what they do not understand, which decoding
/// into this struct does by construction.
public struct JWK: Sendable, Equatable, Codable {
    /// Key type: `EC` or `RSA` here. Any other type is ignored by consumers (bundle spec §4.2.1).
    public var kty: String?
    /// `x509-svid` or `jwt-svid` in a SPIFFE bundle (§4.2.2); absent in a plain JWKS such as the
    /// Workload API's JWT bundles; `sig` from an OIDC provider configured with `set_key_use`.
    public var use: String?
    /// Key ID: required for `jwt-svid` keys, forbidden for `x509-svid` keys (X509-SVID §6.1).
    public var kid: String?
    /// Algorithm hint; SPIRE's OIDC Discovery Provider sets it (RS256, ES256, ES384).
    public var alg: String?
    /// EC: the curve (`P-256`, `P-384`, `P-521`) and the point's coordinates, base64url,
    /// each exactly as long as the curve's field (RFC 7518 §6.2.1).
    public var crv: String?
    public var x: String?
    public var y: String?
    /// RSA: modulus and public exponent as base64url big-endian unsigned integers (RFC 7518 §6.3.1).
    public var n: String?
    public var e: String?
    /// X.509 chain, standard base64 DER (not base64url!), RFC 7517 §4.7. An `x509-svid` entry
    /// holds exactly one CA certificate here.
    public var x5c: [String]?

    public init(
        kty: String? = nil, use: String? = nil, kid: String? = nil, alg: String? = nil,
        crv: String? = nil, x: String? = nil, y: String? = nil,
        n: String? = nil, e: String? = nil, x5c: [String]? = nil
    ) {
        self.kty = kty
        self.use = use
        self.kid = kid
        self.alg = alg
        self.crv = crv
        self.x = x
        self.y = y
        self.n = n
        self.e = e
        self.x5c = x5c
    }

}
