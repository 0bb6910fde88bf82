import Crypto
import _CryptoExtras
import SpiffeBundles
import X509

/// The key algorithms the toolkit can generate. SPIRE's default for both CA and SVID keys is
/// EC P-256; P-384 and RSA-2048 are here so a learner can compare sizes and speeds.
public enum KeyType: String, Sendable, CaseIterable, Codable {
    case p256 = "ec-p256"
    case p384 = "ec-p384"
    case rsa2048 = "rsa-2048"

    /// Makes a fresh private key of this type.
    public func generate() throws -> Certificate.PrivateKey {
        switch self {
        case .p256: return Certificate.PrivateKey(P256.Signing.PrivateKey())
        case .p384: return Certificate.PrivateKey(P384.Signing.PrivateKey())
        case .rsa2048: return Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        }
    }

    /// The signature algorithm a CA with a key of this type signs with.
    public var signatureAlgorithm: Certificate.SignatureAlgorithm {
        switch self {
        case .p256: return .ecdsaWithSHA256
        case .p384: return .ecdsaWithSHA384
        case .rsa2048: return .sha256WithRSAEncryption
        }
    }

    /// The key type of an existing key, if it is one this toolkit generates.
    public init?(of key: Certificate.PublicKey) {
        switch JWTPublicKey(key) {
        case .p256: self = .p256
        case .p384: self = .p384
        case .rsa(let rsa) where rsa.keySizeInBits == 2048: self = .rsa2048
        default: return nil
        }
    }
}
