import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One simulated trust domain that several processes share: a CA kept in a directory.
///
/// In simulated mode there is no SPIRE server, yet two workloads (svid-exchange `a` and `b`,
/// or tls-server and tls-client) must share a trust domain, or neither could validate the other.
/// So the first process to need the CA creates it under `<directory>/ca/` and every later one
/// loads it.
///
/// Creation must be race-free: `a` and `b` are typically started at the same moment. Each process
/// writes a complete candidate CA into a private temporary directory and then `rename(2)`s that
/// directory to `ca`. Renaming onto an existing, non-empty directory fails, and the rename itself
/// is atomic, so exactly one candidate wins; a loser discards its own and loads the winner's.
/// No process can ever see a half-written CA (a certificate without its key, say).
public enum SharedCertificateAuthority {
    /// The files inside `<directory>/ca/`.
    public static let certificateFile = "ca.pem"
    public static let keyFile = "ca.key"
    /// A learner's workspace outlives SPIRE's one-day CA default; a month spares re-creating it.
    public static let lifetime: TimeInterval = 30 * 24 * 3600

    /// Loads the CA kept in `directory`, creating it for `trustDomain` if there is none yet.
    public static func loadOrCreate(
        in directory: URL,
        trustDomain: TrustDomain,
        now: Date = Date()
    ) throws(SharedCAError) -> CertificateAuthority {
        let caDirectory = directory.appendingPathComponent("ca")
        if let existing = try load(from: caDirectory) {
            return try checked(existing, trustDomain: trustDomain, at: caDirectory, now: now)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .fileProblem(directory.path, "cannot create directory: \(error.localizedDescription)")
        }

        // 1. A complete candidate in a private temporary directory (0700: the key is secret).
        let candidate = directory.appendingPathComponent(".ca-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard mkdir(candidate.path, 0o700) == 0 else {
            throw .fileProblem(candidate.path, "cannot create: \(String(cString: strerror(errno)))")
        }
        defer { try? FileManager.default.removeItem(at: candidate) }
        let authority: CertificateAuthority
        do {
            authority = try CertificateAuthority(trustDomain: trustDomain, ttl: lifetime, now: now)
            try AtomicFile.write(Data(try PEM.encode([authority.certificate]).utf8),
                                 to: candidate.appendingPathComponent(certificateFile), mode: 0o644)
            try AtomicFile.write(Data(try PEM.pkcs8PEM(authority.privateKey).utf8),
                                 to: candidate.appendingPathComponent(keyFile), mode: 0o600)
        } catch {
            throw .fileProblem(candidate.path, "cannot write the CA: \(error)")
        }
        // The directory may be listed by others (the certificate is public); the key file
        // inside stays 0600.
        chmod(candidate.path, 0o755)

        // 2. Publish it atomically, unless another process was faster.
        if rename(candidate.path, caDirectory.path) == 0 {
            return authority
        }
        let renameError = errno
        guard renameError == EEXIST || renameError == ENOTEMPTY, let winner = try load(from: caDirectory) else {
            throw .fileProblem(caDirectory.path, "cannot create: \(String(cString: strerror(renameError)))")
        }
        return try checked(winner, trustDomain: trustDomain, at: caDirectory, now: now)
    }

    /// Loads `ca.pem` and `ca.key` from `caDirectory`, or nil when the directory does not exist.
    static func load(from caDirectory: URL) throws(SharedCAError) -> CertificateAuthority? {
        guard FileManager.default.fileExists(atPath: caDirectory.path) else { return nil }
        let certificateURL = caDirectory.appendingPathComponent(certificateFile)
        let keyURL = caDirectory.appendingPathComponent(keyFile)
        do {
            let certificates = try PEM.certificates(from: try Data(contentsOf: certificateURL), source: certificateURL.path)
            let key = try PEM.privateKey(from: try Data(contentsOf: keyURL), source: keyURL.path)
            let id = try CertificateNames.spiffeID(of: certificates[0])
            return try CertificateAuthority(trustDomain: id.trustDomain, certificate: certificates[0], privateKey: key)
        } catch let error as CocoaError where error.code == .fileReadNoPermission {
            throw .fileProblem(keyURL.path, "not readable by this user; a simulated CA is shared by processes of one user")
        } catch {
            throw .fileProblem(caDirectory.path, "cannot load the CA: \(error)")
        }
    }

    private static func checked(
        _ authority: CertificateAuthority, trustDomain: TrustDomain, at path: URL, now: Date
    ) throws(SharedCAError) -> CertificateAuthority {
        guard authority.trustDomain == trustDomain else {
            throw .otherTrustDomain(found: authority.trustDomain, wanted: trustDomain, path: path.path)
        }
        // SVIDs never outlive their CA; one that has (almost) expired can issue nothing useful.
        guard authority.certificate.notValidAfter > now + 3600 else {
            throw .expired(path: path.path)
        }
        return authority
    }
}

/// Why the shared simulated CA could not be used.
public enum SharedCAError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileProblem(String, String)
    case otherTrustDomain(found: TrustDomain, wanted: TrustDomain, path: String)
    case expired(path: String)

    public var description: String {
        switch self {
        case .fileProblem(let path, let reason):
            return "\(path): \(reason)"
        case .otherTrustDomain(let found, let wanted, let path):
            return "\(path) holds a CA for trust domain \(found), not \(wanted); use another directory"
        case .expired(let path):
            return "the simulated CA in \(path) has expired (or expires within the hour); remove that directory to start a new one"
        }
    }
}
