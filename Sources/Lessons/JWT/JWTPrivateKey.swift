import Crypto
import _CryptoExtras
import Foundation
import SpiffeBundles

/// The private half of a JWT authority: what signs JWT-SVIDs. It never leaves the authority;
/// relying parties get `publicKey`, through the bundle.
public enum JWTPrivateKey: Sendable {
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case p521(P521.Signing.PrivateKey)
    case rsa(_RSA.Signing.PrivateKey)

    /// Key types an authority can be created with (SPIRE's names for them).
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case p256 = "ec-p256"
        case p384 = "ec-p384"
        case p521 = "ec-p521"
        case rsa2048 = "rsa-2048"
    }

    public static func generate(_ kind: Kind) throws -> JWTPrivateKey {
        switch kind {
        case .p256: return .p256(P256.Signing.PrivateKey())
        case .p384: return .p384(P384.Signing.PrivateKey())
        case .p521: return .p521(P521.Signing.PrivateKey())
        case .rsa2048: return .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        }
    }

    public var publicKey: JWTPublicKey {
        switch self {
        case .p256(let key): return .p256(key.publicKey)
        case .p384(let key): return .p384(key.publicKey)
        case .p521(let key): return .p521(key.publicKey)
        case .rsa(let key): return .rsa(key.publicKey)
        }
    }

    /// Signs `signingInput` (the ASCII of `header.payload`) as `algorithm` prescribes.
    public func sign(_ signingInput: [UInt8], algorithm: JWTAlgorithm) throws -> [UInt8] {
        guard publicKey.allows(algorithm) else {
            throw JWTSVIDError.algorithmDoesNotMatchKey(algorithm: algorithm.rawValue, key: publicKey.description)
        }
        switch self {
        case .p256(let key):
            // rawRepresentation is r‖s, the JWS form (RFC 7518 §3.4); `derRepresentation`
            // would be what X.509 uses and no JWT library would accept it.
            return Array(try key.signature(for: SHA256.hash(data: signingInput)).rawRepresentation)
        case .p384(let key):
            return Array(try key.signature(for: SHA384.hash(data: signingInput)).rawRepresentation)
        case .p521(let key):
            return Array(try key.signature(for: SHA512.hash(data: signingInput)).rawRepresentation)
        case .rsa(let key):
            let padding: _RSA.Signing.Padding = algorithm.family == .rsaPSS ? .PSS : .insecurePKCS1v1_5
            switch algorithm.hash {
            case .sha256: return Array(try key.signature(for: SHA256.hash(data: signingInput), padding: padding).rawRepresentation)
            case .sha384: return Array(try key.signature(for: SHA384.hash(data: signingInput), padding: padding).rawRepresentation)
            case .sha512: return Array(try key.signature(for: SHA512.hash(data: signingInput), padding: padding).rawRepresentation)
            }
        }
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the form SPIRE and openssl write. Write it
    /// with mode 0600 (`AtomicFile.write(_:to:mode:)`), never print it.
    public var pkcs8PEM: String {
        switch self {
        case .p256(let key): return key.pemRepresentation
        case .p384(let key): return key.pemRepresentation
        case .p521(let key): return key.pemRepresentation
        case .rsa(let key): return key.pkcs8PEMRepresentation
        }
    }

    /// Reads a PEM private key (PKCS#8, SEC1 or PKCS#1) of any supported type.
    public init(pem: String) throws(SpiffeBundleError) {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p256(key)
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p384(key)
        } else if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p521(key)
        } else if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            self = .rsa(key)
        } else {
            throw .unsupportedAuthorityKey("not a PEM EC P-256/384/521 or RSA (2048+) private key")
        }
    }
}
