/// A SPIFFE ID: `spiffe://<trust-domain><path>` (SPIFFE-ID §2).
///
/// A SPIFFE ID is a URI, but a deliberately narrow one. The parser below does not use a general
/// URI parser, because a general parser accepts (and quietly normalises) things the spec forbids:
/// ports, userinfo, queries, fragments, percent-encoding, `.`/`..` segments, empty segments.
/// Accepting a string that another implementation rejects is how two services end up disagreeing
/// about who a peer is, so every rule is checked here, and every rejection says which one.
public struct SpiffeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The trust domain: `example.org` in `spiffe://example.org/ns/prod/sa/web`.
    public let trustDomain: TrustDomain
    /// The path, empty or starting with `/`: `/ns/prod/sa/web`. Case-sensitive.
    public let path: String

    /// The spec requires implementations to accept IDs up to 2048 bytes and not to produce longer
    /// ones; we reject longer ones rather than accept an ID that peers may refuse.
    public static let maximumLength = 2048

    // step: spiffe-id-parse
    /// Parses a SPIFFE ID, enforcing every rule of SPIFFE-ID §2.
    public init(_ string: String) throws(SpiffeIDError) {
        if string.isEmpty { throw .empty }
        let bytes = string.utf8.count
        if bytes > SpiffeID.maximumLength { throw .tooLong(bytes: bytes) }
        // Most IDs are plain ASCII that breaks no rule, and one pass over the bytes shows it
        // (validators parse IDs on every handshake). Anything else takes the walk below, which
        // names the rule that is broken.
        if let (trustDomain, path) = SpiffeID.plainValidParts(string) {
            (self.trustDomain, self.path) = (trustDomain, path)
            return
        }

        // 1. The scheme is exactly "spiffe", followed by "//" and an authority.
        let prefix = "spiffe://"
        guard string.hasPrefix(prefix) else {
            if string.lowercased().hasPrefix(prefix) { throw .uppercaseScheme }
            if let colon = string.firstIndex(of: ":"), string[colon...].hasPrefix("://") {
                throw .wrongScheme(String(string[..<colon]))
            }
            throw .missingScheme
        }
        let scalars = Array(string.unicodeScalars)
        let start = prefix.count

        // 2. The trust domain runs up to the first '/' (or the end): lowercase a-z 0-9 . - _ only.
        let pathStart = try TrustDomain.scan(scalars, from: start, offset: 0)
        let trustDomain = TrustDomain(checkedName: String(String.UnicodeScalarView(scalars[start..<pathStart])))

        // 3. The path: zero or more "/segment", each segment non-empty, not "." or "..",
        //    using only a-z A-Z 0-9 . - _  (no trailing slash, no percent-encoding).
        try SpiffeID.checkPath(scalars, from: pathStart)

        self.trustDomain = trustDomain
        self.path = String(String.UnicodeScalarView(scalars[pathStart...]))
    }
    // end-step

    /// Builds an ID from a trust domain and a path such as `/ns/prod/sa/web` (or `""`).
    public init(trustDomain: TrustDomain, path: String) throws(SpiffeIDError) {
        if !path.isEmpty, !path.hasPrefix("/") { throw .pathNotAbsolute }
        self = try SpiffeID(trustDomain.idString + path)
    }

    /// The trust domain and path of `string` when it is `spiffe://` + a trust domain of
    /// `a-z 0-9 . - _` (at most 255 bytes) + segments of `a-z A-Z 0-9 . - _`, none empty, `.`
    /// or `..`: exactly the IDs the full parser accepts without complaint. Nil for anything
    /// else, valid or not; the full parser decides those.
    static func plainValidParts(_ string: String) -> (TrustDomain, String)? {
        let utf8 = string.utf8
        let prefix = "spiffe://".utf8
        guard utf8.starts(with: prefix) else { return nil }
        var index = utf8.index(utf8.startIndex, offsetBy: prefix.count)
        let domainStart = index
        while index < utf8.endIndex, utf8[index] != UInt8(ascii: "/") {
            switch utf8[index] {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                index = utf8.index(after: index)
            default:
                return nil
            }
        }
        let domainLength = utf8.distance(from: domainStart, to: index)
        guard domainLength > 0, domainLength <= 255 else { return nil }
        let pathStart = index
        while index < utf8.endIndex {
            // At a '/': the segment after it must be non-empty, not "." or "..".
            index = utf8.index(after: index)
            let segmentStart = index
            var dots = 0
            while index < utf8.endIndex, utf8[index] != UInt8(ascii: "/") {
                switch utf8[index] {
                case UInt8(ascii: "."): dots += 1
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    break
                default:
                    return nil
                }
                index = utf8.index(after: index)
            }
            let length = utf8.distance(from: segmentStart, to: index)
            guard length > 0, !(length == dots && length <= 2) else { return nil }
        }
        return (TrustDomain(checkedName: String(string[domainStart..<pathStart])), String(string[pathStart...]))
    }

    /// Checks the path part, reporting positions relative to the whole ID.
    private static func checkPath(_ scalars: [Unicode.Scalar], from pathStart: Int) throws(SpiffeIDError) {
        var index = pathStart
        while index < scalars.count {
            // Every segment starts with '/'.
            let segmentStart = index + 1
            var end = segmentStart
            while end < scalars.count, scalars[end] != "/" {
                switch scalars[end] {
                case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_":
                    break
                case "%":
                    throw .percentEncoding(index: end)
                case "?":
                    throw .query(index: end)
                case "#":
                    throw .fragment(index: end)
                default:
                    throw .badPathCharacter(Character(scalars[end]), index: end)
                }
                end += 1
            }
            if end == segmentStart {
                // "spiffe://td/" ends in an empty segment; "spiffe://td//a" has one in the middle.
                if end == scalars.count { throw .trailingSlash }
                throw .emptySegment(index: index)
            }
            let segment = String(String.UnicodeScalarView(scalars[segmentStart..<end]))
            if segment == "." || segment == ".." {
                throw .dotSegment(segment, index: segmentStart)
            }
            index = end
        }
    }

    /// The ID as a string: `spiffe://example.org/web`.
    public var description: String { trustDomain.idString + path }

    /// The path's segments: `["ns", "prod", "sa", "web"]`.
    public var segments: [Substring] { path.split(separator: "/") }

    /// True when the ID has no path, i.e. it names the trust domain itself. An X509-SVID's ID
    /// must not be such a root ID (X509-SVID §2).
    public var isTrustDomainRoot: Bool { path.isEmpty }

    /// True if this ID belongs to `trustDomain`.
    public func isMember(of trustDomain: TrustDomain) -> Bool { self.trustDomain == trustDomain }

    /// True if this ID is one of `ids`.
    public func isOne(of ids: some Sequence<SpiffeID>) -> Bool { ids.contains(self) }

    public static func < (lhs: SpiffeID, rhs: SpiffeID) -> Bool { lhs.description < rhs.description }
}

extension SpiffeID: Codable {
    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        self = try SpiffeID(string)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
