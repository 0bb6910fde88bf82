import Foundation
import SpiffeIdentity
import Testing

/// SPIFFE-ID §2, case by case: every example of SPIFFE-FACTS.md, then a table of our own.
/// Each rejection asserts the exact `SpiffeIDError` (and its index), not merely "it threw".
@Suite("SPIFFE ID parsing")
struct SpiffeIDParsingTests {

    // MARK: The examples of SPIFFE-FACTS.md

    @Test("the facts' accepted examples parse", arguments: [
        ("spiffe://example.org/ns/prod/sa/default", "example.org", "/ns/prod/sa/default"),
        ("spiffe://1.2.3.4/service", "1.2.3.4", "/service"),
        ("spiffe://td/.path", "td", "/.path"),
    ])
    func factsAccepted(input: String, trustDomain: String, path: String) throws {
        let id = try SpiffeID(input)
        #expect(id.trustDomain.name == trustDomain)
        #expect(id.path == path)
        #expect(id.description == input)
    }

    @Test("the facts' rejected examples fail with the specific reason", arguments: [
        ("spiffe://td/", SpiffeIDError.trailingSlash),
        ("spiffe://td//a", .emptySegment(index: 11)),
        ("spiffe://td/a/../b", .dotSegment("..", index: 14)),
        ("spiffe://td:8080/a", .port(index: 11)),
        ("spiffe://user@td/a", .userinfo(index: 13)),
        ("spiffe://td/a?x=1", .query(index: 13)),
        ("spiffe:///a", .missingTrustDomain),
        ("http://td/a", .wrongScheme("http")),
        ("spiffe://[::1]/a", .ipv6(index: 9)),
        ("spiffe://%62ad/a", .percentEncoding(index: 9)),
    ])
    func factsRejected(input: String, expected: SpiffeIDError) {
        #expect(throws: expected) { try SpiffeID(input) }
    }

    // MARK: Our own table

    /// Strings that are SPIFFE IDs, with the trust domain and path they must split into.
    static let accepted: [(String, String, String)] = [
        ("spiffe://example.org", "example.org", ""),
        ("spiffe://example.org/a", "example.org", "/a"),
        ("spiffe://a", "a", ""),
        ("spiffe://a-b_c.d0/9", "a-b_c.d0", "/9"),
        ("spiffe://td/UPPER/Case", "td", "/UPPER/Case"),
        ("spiffe://td/a.b-c_d", "td", "/a.b-c_d"),
        ("spiffe://td/...", "td", "/..."),             // three dots is an ordinary segment
        ("spiffe://td/.a/..b", "td", "/.a/..b"),       // dots inside a segment are fine
        ("spiffe://td/a/b/c/d/e/f", "td", "/a/b/c/d/e/f"),
        ("spiffe://127.0.0.1", "127.0.0.1", ""),
        ("spiffe://999.999.999.999/x", "999.999.999.999", "/x"), // only the characters are checked
        ("spiffe://_/-", "_", "/-"),
        ("spiffe://td/spire/agent/join_token/0f1e2d", "td", "/spire/agent/join_token/0f1e2d"),
    ]

    @Test("our accepted table", arguments: accepted)
    func ownAccepted(input: String, trustDomain: String, path: String) throws {
        let id = try SpiffeID(input)
        #expect(id.trustDomain.name == trustDomain)
        #expect(id.path == path)
        #expect(id.description == input)
        #expect(id.isTrustDomainRoot == path.isEmpty)
    }

    /// Strings that are not SPIFFE IDs, with the exact reason (indexes count from 0).
    static let rejected: [(String, SpiffeIDError)] = [
        ("", .empty),
        ("example.org/a", .missingScheme),
        ("spiffe:example.org/a", .missingScheme),
        ("spiffe:/example.org/a", .missingScheme),
        ("//example.org/a", .missingScheme),
        ("https://example.org/a", .wrongScheme("https")),
        ("spiffy://example.org/a", .wrongScheme("spiffy")),
        ("SPIFFE://example.org/a", .uppercaseScheme),
        ("Spiffe://example.org/a", .uppercaseScheme),
        ("spiffe://", .missingTrustDomain),
        ("spiffe://Example.org/a", .uppercaseTrustDomain(index: 9)),
        ("spiffe://exAmple.org/a", .uppercaseTrustDomain(index: 11)),
        ("spiffe://exa mple.org/a", .badTrustDomainCharacter(" ", index: 12)),
        ("spiffe://exa+mple.org", .badTrustDomainCharacter("+", index: 12)),
        ("spiffe://exämple.org", .badTrustDomainCharacter("ä", index: 11)),
        ("spiffe://td:/a", .port(index: 11)),
        ("spiffe://1.2.3.4:443", .port(index: 16)),
        ("spiffe://@td/a", .userinfo(index: 9)),
        ("spiffe://user:pass@td/a", .port(index: 13)),   // the ':' comes before the '@'
        ("spiffe://[fe80::1]", .ipv6(index: 9)),
        ("spiffe://td%2e/a", .percentEncoding(index: 11)),
        ("spiffe://td?x", .query(index: 11)),
        ("spiffe://td#x", .fragment(index: 11)),
        ("spiffe://td/a#frag", .fragment(index: 13)),
        ("spiffe://td/a%2Fb", .percentEncoding(index: 13)),
        ("spiffe://td/a/", .trailingSlash),
        ("spiffe://td/a//", .emptySegment(index: 13)),
        ("spiffe://td///a", .emptySegment(index: 11)),
        ("spiffe://td/.", .dotSegment(".", index: 12)),
        ("spiffe://td/..", .dotSegment("..", index: 12)),
        ("spiffe://td/a/./b", .dotSegment(".", index: 14)),
        ("spiffe://td/a b", .badPathCharacter(" ", index: 13)),
        ("spiffe://td/a*b", .badPathCharacter("*", index: 13)),
        ("spiffe://td/a:b", .badPathCharacter(":", index: 13)),
        ("spiffe://td/a@b", .badPathCharacter("@", index: 13)),
        ("spiffe://td/ä", .badPathCharacter("ä", index: 12)),
        ("spiffe://td/a~b", .badPathCharacter("~", index: 13)),
        ("spiffe://td/a\\b", .badPathCharacter("\\", index: 13)),
        ("spiffe://td/a\nb", .badPathCharacter("\n", index: 13)),
        ("spiffe://td/a+b", .badPathCharacter("+", index: 13)),
        (" spiffe://td/a", .wrongScheme(" spiffe")),   // the quotes in the message show the space
    ]

    @Test("our rejected table", arguments: rejected)
    func ownRejected(input: String, expected: SpiffeIDError) {
        #expect(throws: expected) { try SpiffeID(input) }
    }

    @Test("the table is at least 40 cases")
    func tableSize() {
        #expect(Self.accepted.count + Self.rejected.count >= 40)
    }

    @Test("every rejection message is one line and names the spec section")
    func messages() {
        for (input, expected) in Self.rejected + [("spiffe://td/a?x=1", .query(index: 13))] {
            let message = expected.description
            #expect(!message.contains("\n"), "\(input): \(message)")
            #expect(message.contains("SPIFFE-ID §") || expected == .empty, "\(input): \(message)")
        }
        #expect(SpiffeIDError.badPathCharacter("\n", index: 13).description.contains("U+000A"))
        #expect(SpiffeIDError.badPathCharacter("*", index: 13).description.contains("'*' at index 13"))
    }

    // MARK: Lengths

    @Test("a 2048-byte ID is accepted, 2049 bytes is rejected")
    func idLength() throws {
        let prefix = "spiffe://example.org/"
        let exact = prefix + String(repeating: "a", count: 2048 - prefix.utf8.count)
        #expect(exact.utf8.count == 2048)
        #expect(try SpiffeID(exact).description == exact)
        #expect(throws: SpiffeIDError.tooLong(bytes: 2049)) { try SpiffeID(exact + "b") }
        // Many short segments add up the same way.
        let segments = prefix + Array(repeating: "ab", count: 675).joined(separator: "/")
        #expect(segments.utf8.count == 2045)
        #expect(try SpiffeID(segments).segments.count == 675)
    }

    @Test("a 255-byte trust domain is accepted, 256 bytes is rejected")
    func trustDomainLength() throws {
        let label = String(repeating: "a", count: 63)
        let name255 = [label, label, label, String(repeating: "b", count: 63)].joined(separator: ".")
        #expect(name255.utf8.count == 255)
        #expect(try SpiffeID("spiffe://\(name255)/x").trustDomain.name == name255)
        #expect(try TrustDomain(name255).name == name255)
        let name256 = name255 + "c"
        #expect(throws: SpiffeIDError.trustDomainTooLong(bytes: 256)) { try SpiffeID("spiffe://\(name256)/x") }
        #expect(throws: SpiffeIDError.trustDomainTooLong(bytes: 256)) { try TrustDomain(name256) }
    }

    // MARK: Construction from parts

    @Test("building an ID from a trust domain and a path")
    func fromParts() throws {
        let td = try TrustDomain("example.org")
        #expect(try SpiffeID(trustDomain: td, path: "/web").description == "spiffe://example.org/web")
        #expect(try SpiffeID(trustDomain: td, path: "").isTrustDomainRoot)
        #expect(throws: SpiffeIDError.pathNotAbsolute) { try SpiffeID(trustDomain: td, path: "web") }
        #expect(throws: SpiffeIDError.trailingSlash) { try SpiffeID(trustDomain: td, path: "/web/") }
        #expect(try SpiffeID("spiffe://example.org/ns/prod/sa/web").segments == ["ns", "prod", "sa", "web"])
    }

    @Test("paths are case-sensitive; equal strings give equal IDs")
    func equality() throws {
        #expect(try SpiffeID("spiffe://td/Web") != SpiffeID("spiffe://td/web"))
        #expect(try SpiffeID("spiffe://td/web") == SpiffeID("spiffe://td/web"))
        #expect(try SpiffeID("spiffe://a/z") < SpiffeID("spiffe://b/a"))
    }
}

@Suite("Trust domains")
struct TrustDomainTests {
    @Test("bare names and ID forms", arguments: [
        ("example.org", "example.org"),
        ("spiffe://example.org", "example.org"),
        ("1.2.3.4", "1.2.3.4"),
        ("a_b-c", "a_b-c"),
    ])
    func accepted(input: String, name: String) throws {
        let td = try TrustDomain(input)
        #expect(td.name == name)
        #expect(td.idString == "spiffe://" + name)
        #expect(td.description == name)
    }

    @Test("rejected trust domains", arguments: [
        ("", SpiffeIDError.missingTrustDomain),
        ("Example.org", .uppercaseTrustDomain(index: 0)),
        ("example.org/", .badTrustDomainCharacter("/", index: 11)),
        ("example.org:80", .port(index: 11)),
        ("u@example.org", .userinfo(index: 1)),
        ("[::1]", .ipv6(index: 0)),
        ("ex%41mple", .percentEncoding(index: 2)),
        ("spiffe://example.org/a", .badTrustDomainCharacter("/", index: 20)),
        ("spiffe://example.org/", .trailingSlash),
        ("https://example.org", .wrongScheme("https")),
        ("SPIFFE://example.org", .uppercaseScheme),
    ])
    func rejected(input: String, expected: SpiffeIDError) {
        #expect(throws: expected) { try TrustDomain(input) }
    }

    @Test("contains and isMember agree")
    func membership() throws {
        let td = try TrustDomain("example.org")
        let inside = try SpiffeID("spiffe://example.org/a")
        let outside = try SpiffeID("spiffe://example.com/a")
        // A trust domain whose name merely starts the same way is a different trust domain.
        let lookalike = try SpiffeID("spiffe://example.org.evil/a")
        #expect(td.contains(inside) && inside.isMember(of: td))
        #expect(!td.contains(outside) && !outside.isMember(of: td))
        #expect(!td.contains(lookalike) && !lookalike.isMember(of: td))
    }
}

@Suite("Matching and Codable")
struct SpiffeIDMatcherTests {
    let web = try! SpiffeID("spiffe://example.org/web")
    let db = try! SpiffeID("spiffe://example.org/db")
    let partner = try! SpiffeID("spiffe://partner.net/web")

    @Test("each matcher accepts exactly what it names")
    func matchers() throws {
        let td = try TrustDomain("example.org")
        #expect(SpiffeIDMatcher.any.matches(partner))
        #expect(SpiffeIDMatcher.id(web).matches(web))
        #expect(!SpiffeIDMatcher.id(web).matches(db))
        #expect(!SpiffeIDMatcher.id(web).matches(partner))   // same path, other trust domain
        #expect(SpiffeIDMatcher.oneOf([web, db]).matches(db))
        #expect(!SpiffeIDMatcher.oneOf([web, db]).matches(partner))
        #expect(!SpiffeIDMatcher.oneOf([]).matches(web))
        #expect(SpiffeIDMatcher.memberOf(td).matches(web))
        #expect(SpiffeIDMatcher.memberOf(td).matches(db))
        #expect(!SpiffeIDMatcher.memberOf(td).matches(partner))
        #expect(web.isOne(of: [db, web]) && !web.isOne(of: [db]))
    }

    @Test("matchers describe themselves for error messages")
    func descriptions() throws {
        #expect(SpiffeIDMatcher.id(web).description == "exactly spiffe://example.org/web")
        #expect(SpiffeIDMatcher.oneOf([web, db]).description == "one of spiffe://example.org/db, spiffe://example.org/web")
        #expect(SpiffeIDMatcher.memberOf(try TrustDomain("example.org")).description.contains("example.org"))
    }

    struct Entry: Codable, Equatable {
        var id: SpiffeID
        var trustDomain: TrustDomain
    }

    @Test("SpiffeID and TrustDomain round-trip through JSON as plain strings")
    func codable() throws {
        let entry = Entry(id: web, trustDomain: try TrustDomain("partner.net"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(entry), as: UTF8.self)
        #expect(json == #"{"id":"spiffe://example.org/web","trustDomain":"partner.net"}"#)
        #expect(try JSONDecoder().decode(Entry.self, from: Data(json.utf8)) == entry)
    }

    @Test("decoding an invalid ID fails with the parser's reason")
    func codableRejects() {
        let bad = Data(#"{"id":"spiffe://example.org/a/","trustDomain":"x"}"#.utf8)
        #expect(throws: SpiffeIDError.trailingSlash) { try JSONDecoder().decode(Entry.self, from: bad) }
        let badTD = Data(#"{"id":"spiffe://x/a","trustDomain":"X"}"#.utf8)
        #expect(throws: SpiffeIDError.uppercaseTrustDomain(index: 0)) { try JSONDecoder().decode(Entry.self, from: badTD) }
    }
}

/// The parser (its fast path for plain ASCII and its full walk) against the rules of
/// SPIFFE-ID §2 written out a second time, on strings built to sit near every boundary.
@Suite("SpiffeID parsing agrees with the spec's rules on generated strings")
struct SpiffeIDGeneratedTests {
    static func oracle(_ s: String) -> Bool {
        guard s.hasPrefix("spiffe://"), s.utf8.count <= 2048 else { return false }
        let rest = s.dropFirst("spiffe://".count)
        let domain = rest.prefix { $0 != "/" }
        guard !domain.isEmpty, domain.utf8.count <= 255,
              domain.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0) })
        else { return false }
        let path = rest.dropFirst(domain.count)
        if path.isEmpty { return true }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        return segments.allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0) }
        }
    }

    @Test func generatedStrings() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "z", "A", "0", ".", "..", "-", "_", "/", "//", ":", "@", "%", "?", "#", "é", " ", "example.org", "spiffe://", "SPIFFE://"]
        var accepted = 0
        for _ in 0..<20_000 {
            var s = Bool.random(using: &generator) ? "spiffe://" : ""
            for _ in 0..<Int.random(in: 0...8, using: &generator) { s += pieces.randomElement(using: &generator)! }
            let parsed = try? SpiffeID(s)
            #expect((parsed != nil) == Self.oracle(s), "\(s.debugDescription): parser \(parsed != nil), rules \(Self.oracle(s))")
            if let parsed {
                accepted += 1
                #expect(parsed.description == s)
            }
        }
        #expect(accepted > 400, "the generator should make many valid IDs too")
    }
}
