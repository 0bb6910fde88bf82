import Synchronization
import X509

/// Certificates parsed recently, by their exact DER bytes.
///
/// A TLS server sees the same peer certificates on handshake after handshake until they rotate
/// (an hour, by SPIRE's default), and a bundle is the same bytes every time it is read. Parsing
/// DER is a large part of a validation's cost, so the parsed value is kept and reused for
/// byte-identical input. The key is the whole encoding, compared in full on a hit, so a cached
/// certificate is exactly what parsing those bytes gives; nothing is trusted because it was
/// seen before, since every validation still runs every check.
public enum ParsedCertificates {
    /// Enough for the chains and bundles of a busy workload; the cache starts over when full.
    static let capacity = 256
    private static let cache = Mutex<[[UInt8]: Certificate]>([:])

    /// `Certificate(derEncoded:)`, remembered; every certificate the toolkit reads comes
    /// through here, so a validity time swift-certificates would trap on is refused here
    /// (`ValidityTimeGuard`).
    public static func certificate(derEncoded der: [UInt8]) throws -> Certificate {
        if let known = cache.withLock({ $0[der] }) { return known }
        let certificate = try Certificate(derEncoded: der)
        try ValidityTimeGuard.check(certificate)
        cache.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[der] = certificate
        }
        return certificate
    }
}
