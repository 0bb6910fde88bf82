import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509

/// JWT authorities on disk, one file per key: `<directory>/<kid>.key`, the private key as PKCS#8
/// PEM, readable by its owner only. The file name is the key ID, so nothing else needs saving.
/// `TrustDomainDirectory` keeps them this way, for simulated mode and for the local agent.
extension JWTAuthority {
    /// Every authority saved in `directory`, by key ID; empty when there is none (or no directory).
    /// Each signs with its key's default algorithm (ES256 for P-256, RS256 for RSA, …).
    public static func load(from directory: URL, trustDomain: TrustDomain) throws -> [String: JWTAuthority] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var authorities: [String: JWTAuthority] = [:]
        for name in names.sorted() where name.hasSuffix(".key") && !name.hasPrefix(".") {
            let file = directory.appendingPathComponent(name)
            let key = try JWTPrivateKey(pem: String(decoding: try InputFile.read(file), as: UTF8.self))
            let kid = String(name.dropLast(".key".count))
            authorities[kid] = try JWTAuthority(
                trustDomain: trustDomain, privateKey: key, keyID: kid, algorithm: key.publicKey.defaultAlgorithm)
        }
        return authorities
    }

    /// Saves the private key as `<directory>/<kid>.key`, mode 0600 from the moment it exists.
    @discardableResult
    public func save(in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent("\(keyID).key")
        try AtomicFile.write(Data(privateKey.pkcs8PEM.utf8), to: file, mode: 0o600)
        return file
    }
}
