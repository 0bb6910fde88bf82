import Crypto
import _CryptoExtras
import SpiffeBundles

/// What a JWT authority's key may verify, and the verification itself (RFC 7518 §3).
///
/// The key lives in the bundle module, because a JWT bundle holds keys; which JWS algorithms a key
/// serves is JWT's business, so it lives here.
extension JWTPublicKey {
    /// The algorithm a signer with this key uses unless told otherwise: ES256/384/512 by curve,
    /// RS256 for RSA (what SPIRE signs with and what its OIDC provider advertises).
    public var defaultAlgorithm: JWTAlgorithm {
        switch self {
        case .p256: return .es256
        case .p384: return .es384
        case .p521: return .es512
        case .rsa: return .rs256
        }
    }

    /// True when a token with `alg` may be verified with this key. ECDSA binds the curve to the
    /// hash (ES256 is P-256 *and* SHA-256, RFC 7518 §3.4); RSA keys serve RS* and PS* alike.
    public func allows(_ algorithm: JWTAlgorithm) -> Bool {
        switch (self, algorithm) {
        case (.p256, .es256), (.p384, .es384), (.p521, .es512): return true
        case (.rsa, _): return algorithm.family != .ecdsa
        default: return false
        }
    }

    /// Verifies a JWS signature over `signingInput` (the ASCII of `header.payload`).
    ///
    /// Call `allows(_:)` first; a key/algorithm mismatch is reported here as a malformed
    /// signature only as a last line of defence.
    public func verify(
        signature: [UInt8], over signingInput: [UInt8], algorithm: JWTAlgorithm
    ) throws(JWTSVIDError) -> Bool {
        guard allows(algorithm) else {
            throw .algorithmDoesNotMatchKey(algorithm: algorithm.rawValue, key: description)
        }
        switch self {
        case .p256(let key):
            // JWS ECDSA signatures are the raw r‖s pair, 2 × 32 bytes for P-256 (RFC 7518 §3.4),
            // NOT the DER SEQUENCE that X.509 and TLS use.
            let ecdsa = try JWTPublicKey.ecdsaSignature(signature, bytes: 64, algorithm) {
                try P256.Signing.ECDSASignature(rawRepresentation: $0)
            }
            return key.isValidSignature(ecdsa, for: SHA256.hash(data: signingInput))
        case .p384(let key):
            let ecdsa = try JWTPublicKey.ecdsaSignature(signature, bytes: 96, algorithm) {
                try P384.Signing.ECDSASignature(rawRepresentation: $0)
            }
            return key.isValidSignature(ecdsa, for: SHA384.hash(data: signingInput))
        case .p521(let key):
            let ecdsa = try JWTPublicKey.ecdsaSignature(signature, bytes: 132, algorithm) {
                try P521.Signing.ECDSASignature(rawRepresentation: $0)
            }
            return key.isValidSignature(ecdsa, for: SHA512.hash(data: signingInput))
        case .rsa(let key):
            // RS* is PKCS#1 v1.5; PS* is PSS with MGF1 over the same hash and a salt as long as
            // the hash (RFC 7518 §3.5), which is what swift-crypto's `.PSS` padding does.
            let padding: _RSA.Signing.Padding = algorithm.family == .rsaPSS ? .PSS : .insecurePKCS1v1_5
            guard signature.count == (key.keySizeInBits + 7) / 8 else {
                throw .signatureMalformed(
                    "\(algorithm.rawValue) signatures with this key are \((key.keySizeInBits + 7) / 8) bytes; this one is \(signature.count)")
            }
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch algorithm.hash {
            case .sha256: return key.isValidSignature(rsaSignature, for: SHA256.hash(data: signingInput), padding: padding)
            case .sha384: return key.isValidSignature(rsaSignature, for: SHA384.hash(data: signingInput), padding: padding)
            case .sha512: return key.isValidSignature(rsaSignature, for: SHA512.hash(data: signingInput), padding: padding)
            }
        }
    }

    private static func ecdsaSignature<S>(
        _ bytes: [UInt8], bytes expected: Int, _ algorithm: JWTAlgorithm, _ make: ([UInt8]) throws -> S
    ) throws(JWTSVIDError) -> S {
        guard bytes.count == expected else {
            let hint = bytes.first == 0x30 ? " (it looks DER-encoded; JWS wants raw r‖s)" : ""
            throw .signatureMalformed(
                "\(algorithm.rawValue) signatures are \(expected) bytes (r‖s); this one is \(bytes.count)\(hint)")
        }
        do { return try make(bytes) } catch {
            throw .signatureMalformed("not a valid \(algorithm.rawValue) signature: \(error)")
        }
    }
}
