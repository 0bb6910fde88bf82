import Foundation
import SpiffeFormats
import SpiffeJWT
import Testing

/// The token parser's JSON and base64url, judged against Foundation's own decoders (which the
/// toolkit used before) on the inputs a token can carry, valid and hostile.
@Suite("JSONParser and Base64URL against Foundation")
struct JSONParserTests {
    static let valid = [
        #"{}"#, #" { "a" : 1 } "#, #"{"alg":"ES256","kid":"k1","typ":"JWT"}"#,
        #"{"sub":"spiffe://example.org/a","aud":["a","b"],"exp":1760000300,"iat":1.5e9,"x":null,"t":true,"f":false}"#,
        #"{"n":-0,"m":-12.5e-3,"e":1E3,"z":0.0}"#,
        #"{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","u":"é😀","nested":{"a":[1,[2,[3,{"b":{}}]]]}}"#,
    ]

    static let invalid = [
        "", "[]", "1", #""x""#, "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{,"a":1}"#, #"{"a":1}x"#,
        #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":1e}"#, #"{"a":+1}"#, #"{"a":tru}"#, #"{"a":nul}"#,
        #"{"a":"\x"}"#, #"{"a":"\u12"}"#, #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#, "{\"a\":\"\u{01}\"}",
        #"{'a':1}"#, #"{"a":1e400}"#, #"{"a":[1,]}"#, #"{"a":[1 2]}"#, #"{a:1}"#,
    ]

    @Test("valid objects parse to the same values Foundation's JSONDecoder reads", arguments: valid)
    func validObjects(text: String) throws {
        let parsed = try JSONParser.object(Array(text.utf8))
        // The decoder the toolkit used before this parser, through JSONValue's Decodable.
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(JSONValue.object(parsed) == decoded, "\(text)")
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
    }

    @Test("invalid documents and non-objects are refused", arguments: invalid)
    func invalidDocuments(text: String) {
        #expect(throws: JSONParser.Failure.self, "\(text.debugDescription)") { try JSONParser.object(Array(text.utf8)) }
    }

    @Test("a member named twice is refused with its (unescaped) name, at any depth")
    func duplicates() {
        #expect(throws: JSONParser.Failure.duplicateMember("alg")) { try JSONParser.object(Array(#"{"alg":"none","alg":"ES256"}"#.utf8)) }
        #expect(throws: JSONParser.Failure.duplicateMember("a")) { try JSONParser.object(Array(#"{"a":1,"\u0061":2}"#.utf8)) }
        #expect(throws: JSONParser.Failure.duplicateMember("x")) { try JSONParser.object(Array(#"{"o":[{"x":1,"x":2}]}"#.utf8)) }
        #expect((try? JSONParser.object(Array(#"{"a":{"a":1},"b":[{"a":2},{"a":3}]}"#.utf8))) != nil)
    }

    @Test("nesting past the limit is refused, not a stack overflow")
    func deepNesting() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: JSONParser.Failure.tooDeep) { try JSONParser.object(Array(deep.utf8)) }
        let fine = "{\"a\":" + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "}"
        #expect((try? JSONParser.object(Array(fine.utf8))) != nil)
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.object([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]) }
    }

    @Test("base64url decodes exactly what Foundation decodes, and refuses every other spelling")
    func base64url() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            #expect(Base64URL.decode(encoded) == bytes)
            let standard = Data(bytes).base64EncodedString()
            #expect(Data(base64Encoded: standard).map(Array.init) == Base64URL.decode(encoded))
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            if encoded.count % 4 != 0, let last = encoded.last, let position = alphabet.firstIndex(of: last) {
                // Flip the lowest unused bit of the last character: a second spelling of the same bytes.
                let other = String(encoded.dropLast()) + String(alphabet[position ^ 1])
                #expect(Base64URL.decode(other) == nil, "\(encoded) vs \(other)")
            }
        }
        for bad in ["A", "AAAAA", "AA==", "A+B/", "AB CD", "ABC\n", "é"] {
            #expect(Base64URL.decode(bad) == nil, "\(bad)")
        }
    }
}
