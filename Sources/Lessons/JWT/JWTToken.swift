import Foundation
import SpiffeFormats

/// A JWS compact token taken apart: header, claims and signature, decoded but NOT verified.
///
/// Everything here is what the token *says*. Nothing is true until `JWTSVIDValidator` has found
/// the key in the right bundle and checked the signature; until then `sub` is just a string that
/// anyone could have typed. `jwt-parse` without a bundle shows exactly this, and says so.
public struct JWTToken: Sendable {
    /// The token as received.
    public let compact: String
    public let header: [String: JSONValue]
    public let claims: [String: JSONValue]
    /// The bytes the signature covers: the ASCII of `base64url(header) "." base64url(payload)`.
    /// The signature is over these exact characters, not over the decoded JSON, so re-encoding
    /// the JSON (another key order, other whitespace) would break a valid signature.
    public let signingInput: [UInt8]
    public let signature: [UInt8]

    // step: jwt-parse
    /// Splits a JWS compact token (RFC 7515 §7.1) into its three parts and decodes them.
    public static func parse(_ token: String) throws(JWTSVIDError) -> JWTToken {
        if token.isEmpty { throw .empty }
        // JWT-SVID §5.1: compact serialization only. The JSON serialization ({"payload": ...,
        // "signatures": [...]}) could carry unprotected headers, which JWT-SVIDs forbid.
        if token.first == "{" { throw .jsonSerialization }

        // header.payload.signature: exactly two dots. Two parts would be a token with its
        // signature cut off; five parts is an encrypted JWE. A token is ASCII, so it is split
        // as bytes (splitting Swift Characters cost more than all the rest of parsing).
        let bytes = Array(token.utf8)
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .notCompact(parts: parts.count) }

        guard let headerBytes = Base64URL.decode(bytes: parts[0]) else { throw .badBase64(part: "header") }
        guard let payloadBytes = Base64URL.decode(bytes: parts[1]) else { throw .badBase64(part: "payload") }
        guard let signature = Base64URL.decode(bytes: parts[2]) else { throw .badBase64(part: "signature") }

        // Both the JOSE header and the claims set are JSON objects (RFC 7519 §7.2), each
        // member named once: parsers disagree on which duplicate wins (RFC 7515 §5.2).
        let header = try object(headerBytes, part: "header")
        let claims = try object(payloadBytes, part: "payload")

        return JWTToken(
            compact: token,
            header: header,
            claims: claims,
            signingInput: Array(bytes[..<parts[1].endIndex]),
            signature: signature
        )
    }
    // end-step

    /// One part's JSON object, or the error that names the part and what is wrong with it.
    private static func object(_ bytes: [UInt8], part: String) throws(JWTSVIDError) -> [String: JSONValue] {
        do {
            return try JSONParser.object(bytes)
        } catch .duplicateMember(let name) {
            throw .duplicateMember(part: part, name: name)
        } catch {
            throw .badJSON(part: part)
        }
    }

    // MARK: What the header says

    /// `alg`, if it is a string.
    public var algorithm: String? { header["alg"]?.stringValue }
    /// `kid`: which key of the bundle signed the token.
    public var keyID: String? { header["kid"]?.stringValue }
    /// `typ`: JWT, JOSE, or absent.
    public var type: String? { header["typ"]?.stringValue }

    // MARK: What the claims say

    /// `sub`: the SPIFFE ID the token claims to be for.
    public var subject: String? { claims["sub"]?.stringValue }

    /// `aud` as a list: RFC 7519 §4.1.3 allows a single string or an array of strings.
    public var audience: [String]? {
        switch claims["aud"] {
        case .string(let one)?: return [one]
        case .array(let many)?: return many.compactMap(\.stringValue)
        default: return nil
        }
    }

    public var expiry: Date? { date("exp") }
    public var notBefore: Date? { date("nbf") }
    public var issuedAt: Date? { date("iat") }

    /// A NumericDate claim (seconds since 1970-01-01T00:00:00Z, RFC 7519 §2) as a Date.
    public func date(_ name: String) -> Date? {
        claims[name]?.numberValue.map { Date(timeIntervalSince1970: $0) }
    }
}
