/// The `alg` values a JWT-SVID may carry (JWT-SVID §2.1): RSA PKCS#1 v1.5, ECDSA and RSA-PSS, each
/// with SHA-256, -384 or -512. Nothing else.
///
/// The list is closed on purpose. `none` would make the signature optional; `HS256` would turn
/// the trust domain's *public* key into an HMAC secret that every relying party knows (the
/// classic "algorithm confusion" attack); `EdDSA` is a fine algorithm that the spec simply does
/// not list, so a validator that accepted it would disagree with every other implementation.
public enum JWTAlgorithm: String, Sendable, CaseIterable, Codable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"

    /// The family decides which kind of key may verify the signature: the header's `alg` is an
    /// attacker-controlled claim about how to check the token, so the key we look up by `kid`
    /// must be of the kind the algorithm needs, never the other way round.
    public enum Family: String, Sendable {
        case rsaPKCS1 = "RSASSA-PKCS1-v1_5"
        case ecdsa = "ECDSA"
        case rsaPSS = "RSASSA-PSS"
    }

    /// The SHA-2 hash an algorithm signs with, by its length in bits (RFC 7518 §3.1).
    public enum Hash: Int, Sendable {
        case sha256 = 256, sha384 = 384, sha512 = 512
    }

    public var family: Family {
        switch self {
        case .rs256, .rs384, .rs512: return .rsaPKCS1
        case .es256, .es384, .es512: return .ecdsa
        case .ps256, .ps384, .ps512: return .rsaPSS
        }
    }

    public var hash: Hash {
        switch self {
        case .rs256, .es256, .ps256: return .sha256
        case .rs384, .es384, .ps384: return .sha384
        case .rs512, .es512, .ps512: return .sha512
        }
    }

    /// A one-line description for `jwt-parse`, e.g. "ECDSA using P-256 and SHA-256".
    public var summary: String {
        switch self {
        case .es256: return "ECDSA using P-256 and SHA-256"
        case .es384: return "ECDSA using P-384 and SHA-384"
        case .es512: return "ECDSA using P-521 and SHA-512"
        default: return "\(family.rawValue) using SHA-\(hash.rawValue)"
        }
    }
}
