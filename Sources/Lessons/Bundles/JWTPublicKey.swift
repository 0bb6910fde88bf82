import Crypto
import _CryptoExtras
import Foundation
import SpiffeFormats
import X509

/// A public key that can verify JWT-SVIDs: one of the key types behind the nine allowed `alg`s.
///
/// A JWT authority in a bundle is only a key; it does not say which algorithm it signs with.
/// The token's header does, and the header is written by whoever made the token. So the check
/// that matters is `allows(_:)`: an `ES256` token needs a P-256 key, an `RS*`/`PS*` token an RSA
/// key. A validator that skips it lets an attacker pick the algorithm that best suits them.
public enum JWTPublicKey: Sendable, Equatable, CustomStringConvertible {
    case p256(P256.Signing.PublicKey)
    case p384(P384.Signing.PublicKey)
    case p521(P521.Signing.PublicKey)
    case rsa(_RSA.Signing.PublicKey)

    /// Why a JWK could not become a key, for the bundle parser's error message.
    public struct Problem: Error, Sendable, Equatable {
        public let reason: String
    }

    /// Adopts a certificate's public key (for `x509-svid` entries and CA keys). This is the
    /// toolkit's one probe of what kind of key a certificate holds; the X.509 reports use it too.
    public init?(_ key: Certificate.PublicKey) {
        if let p256 = P256.Signing.PublicKey(key) {
            self = .p256(p256)
        } else if let p384 = P384.Signing.PublicKey(key) {
            self = .p384(p384)
        } else if let p521 = P521.Signing.PublicKey(key) {
            self = .p521(p521)
        } else if let rsa = _RSA.Signing.PublicKey(key) {
            self = .rsa(rsa)
        } else {
            return nil
        }
    }

    public var certificatePublicKey: Certificate.PublicKey {
        switch self {
        case .p256(let key): return Certificate.PublicKey(key)
        case .p384(let key): return Certificate.PublicKey(key)
        case .p521(let key): return Certificate.PublicKey(key)
        case .rsa(let key): return Certificate.PublicKey(key)
        }
    }

    /// SubjectPublicKeyInfo DER, the form other tools (openssl, PyJWT) read.
    public var derRepresentation: Data {
        switch self {
        case .p256(let key): return key.derRepresentation
        case .p384(let key): return key.derRepresentation
        case .p521(let key): return key.derRepresentation
        case .rsa(let key): return key.derRepresentation
        }
    }

    public var pemRepresentation: String {
        switch self {
        case .p256(let key): return key.pemRepresentation
        case .p384(let key): return key.pemRepresentation
        case .p521(let key): return key.pemRepresentation
        case .rsa(let key): return key.pemRepresentation
        }
    }

    public static func == (lhs: JWTPublicKey, rhs: JWTPublicKey) -> Bool {
        lhs.derRepresentation == rhs.derRepresentation
    }

    /// "EC P-256", or "RSA" for any modulus length.
    public var family: String {
        switch self {
        case .p256: return "EC P-256"
        case .p384: return "EC P-384"
        case .p521: return "EC P-521"
        case .rsa: return "RSA"
        }
    }

    /// The curve's size, or the RSA modulus length.
    public var keySizeInBits: Int {
        switch self {
        case .p256: return 256
        case .p384: return 384
        case .p521: return 521
        case .rsa(let key): return key.keySizeInBits
        }
    }

    /// "EC P-256", "RSA 2048".
    public var description: String {
        switch self {
        case .p256: return "EC P-256"
        case .p384: return "EC P-384"
        case .p521: return "EC P-521"
        case .rsa(let key): return "RSA \(key.keySizeInBits)"
        }
    }
}

// MARK: - As a JSON Web Key

extension JWTPublicKey {
    /// The key as a JWK: `kty: EC` with `crv`, `x`, `y`, or `kty: RSA` with `n`, `e`.
    public func jwk(use: String? = nil, kid: String? = nil) -> JWK {
        switch self {
        case .p256(let key): return JWTPublicKey.ecJWK(curve: "P-256", raw: Array(key.rawRepresentation), use: use, kid: kid)
        case .p384(let key): return JWTPublicKey.ecJWK(curve: "P-384", raw: Array(key.rawRepresentation), use: use, kid: kid)
        case .p521(let key): return JWTPublicKey.ecJWK(curve: "P-521", raw: Array(key.rawRepresentation), use: use, kid: kid)
        case .rsa(let key):
            // Primitives cannot fail for a key that exists; fall back to empty if they ever do,
            // which any consumer will reject loudly rather than trust.
            let primitives = try? key.getKeyPrimitives()
            return JWK(
                kty: "RSA", use: use, kid: kid,
                n: Base64URL.encode(JWTPublicKey.unsignedInteger(primitives?.modulus ?? Data())),
                e: Base64URL.encode(JWTPublicKey.unsignedInteger(primitives?.publicExponent ?? Data())))
        }
    }

    /// `raw` is x‖y, each coordinate the full field length: the JWK keeps them full length
    /// (RFC 7518 §6.2.1.2), unlike the minimal big-endian integers RSA uses.
    private static func ecJWK(curve: String, raw: [UInt8], use: String?, kid: String?) -> JWK {
        let half = raw.count / 2
        return JWK(kty: "EC", use: use, kid: kid, crv: curve,
                   x: Base64URL.encode(raw[..<half]), y: Base64URL.encode(raw[half...]))
    }

    /// base64urlUInt (RFC 7518 §2): big-endian, no leading zero bytes.
    private static func unsignedInteger(_ data: Data) -> [UInt8] {
        let bytes = Array(data.drop { $0 == 0 })
        return bytes.isEmpty ? [0] : bytes
    }

    /// Reads the key of a JWK. Returns nil for a key *type* this toolkit does not know (`oct`,
    /// `OKP`, an unknown curve): the bundle spec says such entries are ignored, not fatal.
    /// Throws when the type is known but the numbers are wrong.
    public init?(jwk: JWK) throws(Problem) {
        switch jwk.kty {
        case "EC":
            let length: Int
            switch jwk.crv {
            case "P-256": length = 32
            case "P-384": length = 48
            case "P-521": length = 66
            default: return nil
            }
            guard let xText = jwk.x, let yText = jwk.y else {
                throw Problem(reason: "an EC key needs both 'x' and 'y'")
            }
            guard let x = Base64URL.decode(xText), let y = Base64URL.decode(yText) else {
                throw Problem(reason: "'x' or 'y' is not base64url")
            }
            guard x.count == length, y.count == length else {
                throw Problem(reason: "\(jwk.crv!) coordinates are \(length) bytes each; got \(x.count) and \(y.count)")
            }
            do {
                switch length {
                case 32: self = .p256(try P256.Signing.PublicKey(rawRepresentation: x + y))
                case 48: self = .p384(try P384.Signing.PublicKey(rawRepresentation: x + y))
                default: self = .p521(try P521.Signing.PublicKey(rawRepresentation: x + y))
                }
            } catch {
                throw Problem(reason: "the point (x, y) is not on \(jwk.crv!)")
            }
        case "RSA":
            guard let nText = jwk.n, let eText = jwk.e else {
                throw Problem(reason: "an RSA key needs both 'n' and 'e'")
            }
            guard let n = Base64URL.decode(nText), let e = Base64URL.decode(eText) else {
                throw Problem(reason: "'n' or 'e' is not base64url")
            }
            do {
                // swift-crypto refuses moduli under 2048 bits here, as SPIRE does.
                self = .rsa(try _RSA.Signing.PublicKey(n: n, e: e))
            } catch {
                throw Problem(reason: "not a usable RSA key (\(n.count * 8)-bit modulus; 2048 bits or more are accepted)")
            }
        default:
            return nil
        }
    }
}
