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
    @inlinable
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(bytes: text.utf8)
    }

    /// Decodes the ASCII bytes of base64url text, or returns nil when they are not strict
    /// unpadded base64url.
    ///
    /// Inlinable, so that a caller in another module gets it specialized for its own collection
    /// type: unspecialized, every character went through the generic iterator's witness table,
    /// and decoding was most of a JWT-SVID's parse time (issue 20).
    @inlinable
    public static func decode(bytes characters: some Collection<UInt8>) -> [UInt8]? {
        // A group of four characters carries three bytes; a lone trailing character carries
        // fewer than eight bits and cannot be the end of any encoding.
        guard characters.count % 4 != 1 else { return nil }
        var bits = Base64Bits(capacity: characters.count * 3 / 4)
        for character in characters {
            guard let digit = Base64Bits.digit(character, urlSafe: true) else { return nil }
            bits.append(digit)
        }
        // The last character of a group may carry unused low bits; they must be zero.
        return bits.isCanonical ? bits.bytes : nil
    }
}
