import Foundation
import SpiffeFormats
import SpiffeIdentity

/// A JWT-SVID that passed validation: a bearer token whose `sub` is a SPIFFE ID, signed by a JWT
/// authority of that ID's trust domain, meant for the audience that checked it, not yet expired.
///
/// There is no public initializer from a string: the only ways to get one are
/// `JWTSVIDValidator.validate` (a token someone handed you) and `JWTAuthority.issueSVID` (a token
/// you minted), so holding a `JWTSVID` means the checks were done.
public struct JWTSVID: Sendable {
    public let spiffeID: SpiffeID
    /// Every value of `aud`; single-audience tokens are strongly recommended (JWT-SVID §7.2),
    /// because each listed recipient could replay the token to the others.
    public let audience: [String]
    public let expiry: Date
    /// All claims, including any beyond sub/aud/exp (iat, jti, iss, …).
    public let claims: [String: JSONValue]
    /// The compact token, for an `Authorization: Bearer` header (JWT-SVID §5.2).
    public let token: String
    /// The key ID that signed it.
    public let keyID: String
    public let algorithm: JWTAlgorithm

    init(spiffeID: SpiffeID, audience: [String], expiry: Date, claims: [String: JSONValue],
         token: String, keyID: String, algorithm: JWTAlgorithm) {
        self.spiffeID = spiffeID
        self.audience = audience
        self.expiry = expiry
        self.claims = claims
        self.token = token
        self.keyID = keyID
        self.algorithm = algorithm
    }
}
