import Foundation

/// base64url without padding (RFC 7515 §2, RFC 4648 §5): the encoding of every part of a JWS
/// compact token and of the key numbers in a JWK.
///
/// The decoder is strict on purpose. It accepts only the 64 characters of the URL-safe alphabet
/// (`A–Z a–z 0–9 - _`), no `=` padding, no whitespace, no `+` or `/` from the other alphabet. A
/// lenient decoder that skips unknown characters lets two different strings decode to the same
/// bytes, and "the same token, spelled differently" is a classic way to slip past a cache or a
/// deny-list.
public enum Base64URL {
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes, or returns nil when `text` is not strict unpadded base64url.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var standard = ""
        standard.reserveCapacity(text.utf8.count + 3)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9": standard.unicodeScalars.append(scalar)
            case "-": standard.append("+")
            case "_": standard.append("/")
            default: return nil
            }
        }
        // A group of four characters carries three bytes; a lone trailing character carries
        // fewer than eight bits and cannot be the end of any encoding.
        switch standard.utf8.count % 4 {
        case 1: return nil
        case 2: standard += "=="
        case 3: standard += "="
        default: break
        }
        guard let data = Data(base64Encoded: standard) else { return nil }
        // The last character of a group may carry unused low bits; they must be zero. Otherwise
        // "...Q" and "...R" would decode to the same bytes and one signature would have many
        // spellings. Re-encoding and comparing rejects every such non-canonical form.
        guard encode(data) == text else { return nil }
        return Array(data)
    }
}
