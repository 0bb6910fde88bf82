import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One trust domain's signing authorities, kept in a directory: what plays the SPIRE server's CA
/// and key manager when there is no server.
///
///     <directory>/ca.pem          the X.509 CA certificate (public, 0644)
///     <directory>/ca.key          its private key, PKCS#8, 0600
///     <directory>/jwt/<kid>.key   one file per JWT authority, PKCS#8, 0600; the name is the kid
///     <directory>/state.json      {"spiffe_sequence": N}, bumped by every change (bundle spec §4.1.1)
///     <directory>/.lock           what makes "look, and create if missing" race-free
///
/// The local agent's data directory is one of these (with its registration entries beside), and
/// simulated mode keeps one per trust domain under a state directory (`StateDirectory`), so two
/// trust domains can sit side by side, as federation needs.
///
/// Several processes may open the same directory at the same moment. Changes happen under an
/// exclusive lock (flock(2)), so exactly one process creates a missing CA and the rest load it;
/// reads take the lock shared, so nobody sees a new key beside an old certificate.
public struct TrustDomainDirectory: Sendable {
    public let url: URL

    public static let certificateFile = "ca.pem"
    public static let keyFile = "ca.key"
    public static let jwtDirectory = "jwt"
    public static let stateFile = "state.json"
    static let lockFile = ".lock"

    public init(_ url: URL) {
        self.url = url
    }

    /// Which JWT authorities a caller needs; the missing one is created.
    public enum JWTNeed: Sendable, Equatable {
        /// None (an X.509-only caller): JWT keys are neither made nor required.
        case none
        /// At least one key, of any kind; an ES256 key (P-256, SPIRE's default) if there is none.
        case anyKey
        /// A key that can sign this algorithm.
        case key(for: JWTAlgorithm)
    }

    /// Everything that signs for the trust domain, and the bundle that publishes it.
    public struct Authorities: Sendable {
        public let trustDomain: TrustDomain
        public let ca: CertificateAuthority
        /// All JWT authorities by kid, each signing with its key's default algorithm.
        public let jwt: [String: JWTAuthority]
        public let sequenceNumber: UInt64
        /// What this call created, in words ("X.509 CA …", "JWT authority …"), for the learner.
        public let created: [String]

        /// The JWT authority whose key can sign `algorithm`, switched to sign with it.
        public func jwtAuthority(for algorithm: JWTAlgorithm) -> JWTAuthority? {
            guard let found = jwt.values.sorted(by: { $0.keyID < $1.keyID })
                .first(where: { $0.publicKey.allows(algorithm) }) else { return nil }
            return try? JWTAuthority(
                trustDomain: trustDomain, privateKey: found.privateKey, keyID: found.keyID, algorithm: algorithm)
        }

        /// The trust domain's SPIFFE bundle: the CA certificate and every JWT key.
        public var bundle: SpiffeBundle {
            SpiffeBundle(
                trustDomain: trustDomain,
                x509Authorities: ca.bundle.authorities,
                jwtAuthorities: jwt.mapValues(\.publicKey),
                sequenceNumber: sequenceNumber,
                refreshHint: SpiffeBundle.defaultRefreshHint)
        }
    }

    /// Loads the authorities, creating what is missing: a CA on first use (or when `renewal` says
    /// the old one is due at `now`, keeping it as `ca.previous.*`), and the JWT key `jwt` asks
    /// for. `trustDomain` nil means "whatever the directory holds, else example.org". The old CA
    /// is kept for reference only: unlike SPIRE, which publishes the previous CA until it
    /// expires, the bundle here holds the current one (a simulated CA is renewed in its last hour,
    /// so SVIDs it signed are at most that close to their end).
    public func loadOrCreate(
        trustDomain requested: TrustDomain?, jwt need: JWTNeed = .none, renewal: RenewalRule, now: Date
    ) throws(TrustDomainDirectoryError) -> Authorities {
        try checkReachable()
        // Most calls find everything in place: a shared lock is enough to read it.
        if let current = try load() {
            if let requested, current.trustDomain != requested {
                throw .otherTrustDomain(path: url.path, found: current.trustDomain, wanted: requested)
            }
            if !renewal.isDue(current.ca.certificate, now: now), Self.missingAlgorithm(need, have: current.jwt) == nil {
                return current
            }
        }
        try Self.makePrivateDirectory(url)
        // Something is missing or due: look again under the exclusive lock, since another process
        // may have made it in the meantime, and make what is still missing.
        return try locked(.exclusive) { () throws(TrustDomainDirectoryError) -> Authorities in
            var created: [String] = []
            var sequence = try readSequence()
            var ca = try loadCA()
            if let existing = ca, let requested, existing.trustDomain != requested {
                throw .otherTrustDomain(path: url.path, found: existing.trustDomain, wanted: requested)
            }
            let trustDomain = ca?.trustDomain ?? requested ?? (try! TrustDomain("example.org"))
            if let existing = ca, renewal.isDue(existing.certificate, now: now) {
                try keepPrevious()
                ca = nil
            }
            if ca == nil {
                let fresh = try writeCA(trustDomain: trustDomain, lifetime: renewal.lifetime, now: now)
                created.append("X.509 CA \(url.appendingPathComponent(Self.certificateFile).path)")
                sequence += 1
                ca = fresh
            }

            var jwt = try loadJWT(trustDomain)
            if let algorithm = Self.missingAlgorithm(need, have: jwt) {
                let (fresh, kind) = try createJWTAuthority(trustDomain, algorithm: algorithm)
                created.append("JWT authority \(kind.rawValue) kid \(fresh.keyID)")
                sequence += 1
                jwt[fresh.keyID] = fresh
            }
            if !created.isEmpty { try writeSequence(sequence) }
            return Authorities(trustDomain: trustDomain, ca: ca!, jwt: jwt, sequenceNumber: sequence, created: created)
        }
    }

    /// Loads without creating anything; nil when the directory holds no CA yet.
    public func load() throws(TrustDomainDirectoryError) -> Authorities? {
        try checkReachable()
        return try locked(.shared) { () throws(TrustDomainDirectoryError) -> Authorities? in
            guard let ca = try loadCA() else { return nil }
            return Authorities(trustDomain: ca.trustDomain, ca: ca, jwt: try loadJWT(ca.trustDomain),
                               sequenceNumber: try readSequence(), created: [])
        }
    }

    /// The trust domain the directory holds, if any.
    public func trustDomain() -> TrustDomain? {
        (try? load())??.trustDomain
    }

    // MARK: Under the lock

    private func locked<T>(
        _ kind: FileLock.Kind, _ body: () throws(TrustDomainDirectoryError) -> T
    ) throws(TrustDomainDirectoryError) -> T {
        do {
            return try FileLock.with(url.appendingPathComponent(Self.lockFile), kind, body)
        } catch let error as TrustDomainDirectoryError {
            throw error
        } catch X509Error.fileProblem(let path, let reason) {
            throw .fileProblem(path: path, reason: reason)
        } catch {
            throw .fileProblem(path: url.path, reason: "\(error)")
        }
    }

    /// A directory of another user reads as "no such file" to `fileExists`; say what it is.
    private func checkReachable() throws(TrustDomainDirectoryError) {
        var info = stat()
        let reachable = stat(url.path, &info) == 0 ? access(url.path, R_OK | X_OK) == 0 : errno != EACCES
        guard reachable else {
            throw .fileProblem(path: url.path, reason: "not readable by this user: a simulated trust domain belongs to the user who made it (give --state a directory of your own)")
        }
    }

    private func loadCA() throws(TrustDomainDirectoryError) -> CertificateAuthority? {
        let certificate = url.appendingPathComponent(Self.certificateFile)
        guard FileManager.default.fileExists(atPath: certificate.path) else { return nil }
        do {
            // The CA carries its trust domain's ID as its URI SAN (spiffe://example.org).
            return try CertificateAuthority.load(
                certificateFile: certificate, keyFile: url.appendingPathComponent(Self.keyFile), trustDomain: nil)
        } catch {
            throw .fileProblem(path: url.path, reason: "cannot load the CA: \(error)")
        }
    }

    private func writeCA(trustDomain: TrustDomain, lifetime: TimeInterval, now: Date) throws(TrustDomainDirectoryError) -> CertificateAuthority {
        do {
            let ca = try CertificateAuthority(trustDomain: trustDomain, ttl: lifetime, now: now)
            // Key first: a crash between the two writes leaves a key without its certificate,
            // which reads as "no CA yet", never a certificate whose key is missing.
            try AtomicFile.write(Data(try PEM.pkcs8PEM(ca.privateKey).utf8), to: url.appendingPathComponent(Self.keyFile), mode: 0o600)
            try AtomicFile.write(Data(try PEM.encode([ca.certificate]).utf8), to: url.appendingPathComponent(Self.certificateFile), mode: 0o644)
            return ca
        } catch {
            throw .fileProblem(path: url.path, reason: "cannot create the CA: \(error)")
        }
    }

    /// Keeps the CA being replaced as `ca.previous.pem` and `ca.previous.key`.
    private func keepPrevious() throws(TrustDomainDirectoryError) {
        for (name, previous) in [(Self.certificateFile, "ca.previous.pem"), (Self.keyFile, "ca.previous.key")] {
            let from = url.appendingPathComponent(name).path, to = url.appendingPathComponent(previous).path
            guard rename(from, to) == 0 else {
                throw .fileProblem(path: from, reason: "cannot keep the old CA as \(previous): \(String(cString: strerror(errno)))")
            }
        }
    }

    private func loadJWT(_ trustDomain: TrustDomain) throws(TrustDomainDirectoryError) -> [String: JWTAuthority] {
        do {
            return try JWTAuthority.load(from: url.appendingPathComponent(Self.jwtDirectory), trustDomain: trustDomain)
        } catch {
            throw .fileProblem(path: url.appendingPathComponent(Self.jwtDirectory).path, reason: "cannot load the JWT keys: \(error)")
        }
    }

    private static func missingAlgorithm(_ need: JWTNeed, have: [String: JWTAuthority]) -> JWTAlgorithm? {
        switch need {
        case .none: return nil
        case .anyKey: return have.isEmpty ? .es256 : nil
        case .key(let algorithm): return have.values.contains(where: { $0.publicKey.allows(algorithm) }) ? nil : algorithm
        }
    }

    private func createJWTAuthority(
        _ trustDomain: TrustDomain, algorithm: JWTAlgorithm
    ) throws(TrustDomainDirectoryError) -> (JWTAuthority, JWTPrivateKey.Kind) {
        let kind: JWTPrivateKey.Kind
        switch algorithm {
        case .es256: kind = .p256
        case .es384: kind = .p384
        case .es512: kind = .p521
        default: kind = .rsa2048
        }
        let directory = url.appendingPathComponent(Self.jwtDirectory)
        do {
            try Self.makePrivateDirectory(directory)
            let fresh = try JWTAuthority(trustDomain: trustDomain, keyType: kind, algorithm: algorithm)
            try fresh.save(in: directory)
            return (fresh, kind)
        } catch {
            throw .fileProblem(path: directory.path, reason: "cannot create a JWT key: \(error)")
        }
    }

    private func readSequence() throws(TrustDomainDirectoryError) -> UInt64 {
        let file = url.appendingPathComponent(Self.stateFile)
        guard FileManager.default.fileExists(atPath: file.path) else { return 0 }
        struct State: Decodable { let spiffe_sequence: UInt64 }
        guard let data = try? InputFile.read(file), let state = try? JSONDecoder().decode(State.self, from: data) else {
            throw .fileProblem(path: file.path, reason: "not a state file with a spiffe_sequence; write {\"spiffe_sequence\": N} into it, N no lower than the last bundle's (the sequence never goes back)")
        }
        return state.spiffe_sequence
    }

    private func writeSequence(_ sequence: UInt64) throws(TrustDomainDirectoryError) {
        let file = url.appendingPathComponent(Self.stateFile)
        do {
            try AtomicFile.write(JSONValue.encode(["spiffe_sequence": sequence], pretty: true), to: file)
        } catch {
            throw .fileProblem(path: file.path, reason: "\(error)")
        }
    }

    /// Creates `directory` (and parents) readable by its owner only: it holds private keys.
    static func makePrivateDirectory(_ directory: URL) throws(TrustDomainDirectoryError) {
        do { try PrivateDirectory.create(directory) } catch {
            throw .fileProblem(path: directory.path, reason: "\(error)")
        }
    }
}
