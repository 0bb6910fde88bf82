import Foundation
import SpiffeIdentity

/// One JWT-SVID as the Workload API hands it out: the token (JWS compact serialization) and the
/// identity it was minted for.
///
/// The token is kept as the raw string: parsing and validating it is the JWT-SVID lesson's work
/// (SpiffeJWT). A relying party must validate it anyway; the `spiffeID` here is only what the
/// agent said, not something the token has proven.
public struct JWTSVIDResponse: Sendable, Hashable {
    public var spiffeID: SpiffeID
    public var token: String
    public var hint: String

    public init(spiffeID: SpiffeID, token: String, hint: String = "") {
        self.spiffeID = spiffeID
        self.token = token
        self.hint = hint
    }
}

/// The agent's answer to ValidateJWTSVID: the token's SPIFFE ID and all its claims, as JSON
/// (the wire form is a `google.protobuf.Struct`, which maps one-to-one onto a JSON object).
public struct JWTValidationResponse: Sendable, Hashable {
    public var spiffeID: SpiffeID
    public var claimsJSON: Data

    public init(spiffeID: SpiffeID, claimsJSON: Data) {
        self.spiffeID = spiffeID
        self.claimsJSON = claimsJSON
    }
}
