/// Why a string is not a SPIFFE ID (or not a trust domain name).
///
/// Every case names the rule of SPIFFE-ID §2 that was broken, and where, so a learner can fix the
/// ID without reading the parser. Offsets count characters from the start of the input, from 0.
public enum SpiffeIDError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(bytes: Int)
    case missingScheme
    case wrongScheme(String)
    case uppercaseScheme
    case missingTrustDomain
    case trustDomainTooLong(bytes: Int)
    case uppercaseTrustDomain(index: Int)
    case badTrustDomainCharacter(Character, index: Int)
    case port(index: Int)
    case userinfo(index: Int)
    case ipv6(index: Int)
    case percentEncoding(index: Int)
    case query(index: Int)
    case fragment(index: Int)
    case emptySegment(index: Int)
    case dotSegment(String, index: Int)
    case badPathCharacter(Character, index: Int)
    case trailingSlash
    case pathNotAbsolute

    public var description: String {
        switch self {
        case .empty:
            return "the SPIFFE ID is empty"
        case .tooLong(let bytes):
            return "the SPIFFE ID is \(bytes) bytes long; SPIFFE IDs are at most 2048 bytes (SPIFFE-ID §2.3)"
        case .missingScheme:
            return "a SPIFFE ID starts with spiffe:// (SPIFFE-ID §2)"
        case .wrongScheme(let scheme):
            return "the scheme is \"\(scheme)\", but a SPIFFE ID's scheme is spiffe (SPIFFE-ID §2)"
        case .uppercaseScheme:
            return "the scheme must be written in lowercase: spiffe:// (SPIFFE-ID §2)"
        case .missingTrustDomain:
            return "the trust domain is missing: spiffe://<trust-domain>/<path> (SPIFFE-ID §2.1)"
        case .trustDomainTooLong(let bytes):
            return "the trust domain is \(bytes) bytes long; it may be at most 255 bytes (SPIFFE-ID §2.1)"
        case .uppercaseTrustDomain(let index):
            return "uppercase letter in the trust domain at index \(index): trust domains are lowercase (SPIFFE-ID §2.1)"
        case .badTrustDomainCharacter(let character, let index):
            return "character \(quoted(character)) at index \(index) is not allowed in a trust domain: only a-z 0-9 . - _ (SPIFFE-ID §2.1)"
        case .port(let index):
            return "a port (':' at index \(index)) is not allowed in a SPIFFE ID (SPIFFE-ID §2.1)"
        case .userinfo(let index):
            return "userinfo ('@' at index \(index)) is not allowed in a SPIFFE ID (SPIFFE-ID §2.1)"
        case .ipv6(let index):
            return "an IPv6 address ('[' at index \(index)) cannot be a trust domain; only names and IPv4 (SPIFFE-ID §2.1)"
        case .percentEncoding(let index):
            return "percent-encoding ('%' at index \(index)) is not allowed in a SPIFFE ID (SPIFFE-ID §2)"
        case .query(let index):
            return "a query ('?' at index \(index)) is not allowed in a SPIFFE ID (SPIFFE-ID §2)"
        case .fragment(let index):
            return "a fragment ('#' at index \(index)) is not allowed in a SPIFFE ID (SPIFFE-ID §2)"
        case .emptySegment(let index):
            return "empty path segment ('//') at index \(index): segments must not be empty (SPIFFE-ID §2.2)"
        case .dotSegment(let segment, let index):
            return "path segment \"\(segment)\" at index \(index): '.' and '..' segments are not allowed (SPIFFE-ID §2.2)"
        case .badPathCharacter(let character, let index):
            return "character \(quoted(character)) at index \(index) is not allowed in the path: only a-z A-Z 0-9 . - _ (SPIFFE-ID §2.2)"
        case .trailingSlash:
            return "the path ends with '/': trailing slashes are not allowed (SPIFFE-ID §2.2)"
        case .pathNotAbsolute:
            return "a path must be empty or start with '/' (SPIFFE-ID §2.2)"
        }
    }

    private func quoted(_ character: Character) -> String {
        let scalar = character.unicodeScalars.first!
        if scalar.isASCII, scalar.value >= 0x21, scalar.value < 0x7F {
            return "'\(character)'"
        }
        return "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
