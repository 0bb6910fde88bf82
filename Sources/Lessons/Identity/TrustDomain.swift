/// A trust domain: the root of trust a SPIFFE ID belongs to (SPIFFE-ID §2.1).
///
/// The name is the authority part of a SPIFFE ID: `example.org` in `spiffe://example.org/web`.
/// It is lowercase letters, digits, `.`, `-` and `_`, at most 255 bytes. An IPv4 address such as
/// `1.2.3.4` fits those characters and is allowed; an IPv6 address (`[::1]`) is not.
///
/// Policy on uppercase: the spec says trust domain names are lowercase. Like go-spiffe, we
/// *reject* `Example.org` instead of silently lowercasing it, so an ID never compares equal to a
/// string that looks different.
public struct TrustDomain: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The bare name, e.g. `example.org`.
    public let name: String

    /// Parses a trust domain from its bare name (`example.org`) or its ID form
    /// (`spiffe://example.org`, as bundle maps in the Workload API key it).
    public init(_ string: String) throws(SpiffeIDError) {
        if string.hasPrefix("spiffe://") || string.lowercased().hasPrefix("spiffe:") || string.contains("://") {
            let id = try SpiffeID(string)
            guard id.path.isEmpty else { throw .badTrustDomainCharacter("/", index: id.trustDomain.name.count + 9) }
            self = id.trustDomain
            return
        }
        let scalars = Array(string.unicodeScalars)
        let end = try TrustDomain.scan(scalars, from: 0, offset: 0)
        if end < scalars.count {
            // A '/' (or anything else that ends a trust domain) has no place in a bare name.
            throw .badTrustDomainCharacter(Character(scalars[end]), index: end)
        }
        self.name = string
    }

    /// Trusted construction for names the parser has already checked.
    init(checkedName: String) {
        self.name = checkedName
    }

    /// The trust domain's own SPIFFE ID form: `spiffe://example.org`. Bundle maps in the
    /// Workload API and SPIFFE bundle endpoints are keyed by this string.
    public var idString: String { "spiffe://" + name }

    public var description: String { name }

    /// True if `id` belongs to this trust domain.
    public func contains(_ id: SpiffeID) -> Bool { id.trustDomain == self }

    public static func < (lhs: TrustDomain, rhs: TrustDomain) -> Bool { lhs.name < rhs.name }

    /// Scans trust-domain characters starting at `start` and returns the index of the first
    /// scalar that is not part of the trust domain (a '/' or the end). `offset` is added to the
    /// indexes reported in errors, so they point into the caller's whole string.
    static func scan(_ scalars: [Unicode.Scalar], from start: Int, offset: Int) throws(SpiffeIDError) -> Int {
        var index = start
        while index < scalars.count, scalars[index] != "/" {
            let scalar = scalars[index]
            let at = index + offset
            switch scalar {
            case "a"..."z", "0"..."9", ".", "-", "_":
                break
            case "A"..."Z":
                throw .uppercaseTrustDomain(index: at)
            case ":":
                throw .port(index: at)
            case "@":
                throw .userinfo(index: at)
            case "[", "]":
                throw .ipv6(index: at)
            case "%":
                throw .percentEncoding(index: at)
            case "?":
                throw .query(index: at)
            case "#":
                throw .fragment(index: at)
            default:
                throw .badTrustDomainCharacter(Character(scalar), index: at)
            }
            index += 1
        }
        if index == start {
            throw .missingTrustDomain
        }
        let bytes = String(String.UnicodeScalarView(scalars[start..<index])).utf8.count
        if bytes > 255 {
            throw .trustDomainTooLong(bytes: bytes)
        }
        return index
    }
}

extension TrustDomain: Codable {
    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        self = try TrustDomain(string)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
