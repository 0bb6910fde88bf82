import Foundation

/// JWT-SVIDs built to break a validator before their signature is checked: NumericDates far
/// past what a Double-to-Int conversion holds. Each is unsigned (four zero bytes of signature),
/// so any validator must refuse it, and none may crash on it.
public enum HostileTokens {
    public static let claimSets = [
        #"{"sub":"spiffe://example.org/a","aud":"bob","exp":1e300}"#,
        #"{"sub":"spiffe://example.org/a","aud":"bob","exp":18446744073709551617}"#,
        #"{"sub":"spiffe://example.org/a","aud":"bob","exp":-1e300,"nbf":1e300,"iat":1e300}"#,
        #"{"sub":"spiffe://example.org/a","aud":"bob","exp":1e400,"nbf":-1e400}"#,
        #"{"sub":"spiffe://example.org/a","aud":"bob","exp":4e18,"iat":-9.3e18}"#,
    ]

    /// `claims` under an ES256 header with kid `k1`, signed by nobody.
    public static func unsigned(claims: String) -> String {
        base64URL(#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#) + "." + base64URL(claims) + ".AAAAAA"
    }

    public static var all: [String] { claimSets.map(unsigned(claims:)) }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
