import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import X509

/// Where simulated mode keeps a trust domain's signing authorities between runs, so that a token
/// minted by `spiffe-demo jwt-svid` today still validates with `jwt-parse` in the next command,
/// and `bundle show` prints the keys that really signed it.
///
/// Layout, one directory per trust domain (`SPIFFE_DEMO_STATE`, default `~/.spiffe-demo`):
///
///     <root>/trust-domains/<td>/ca.pem          X.509 CA certificate (the x509-svid authority)
///     <root>/trust-domains/<td>/ca.key          its private key, PKCS#8, mode 0600
///     <root>/trust-domains/<td>/jwt/<kid>.key   one file per JWT authority, PKCS#8, mode 0600
///     <root>/trust-domains/<td>/state.json      {"spiffe_sequence": N}
///
/// This plays the part of SPIRE's server datastore and key manager. SPIRE rotates its CA and
/// JWT keys on a schedule; here the CA is replaced when it has expired, a JWT key is added the
/// first time an algorithm needs one, and each change bumps `spiffe_sequence`, as the bundle
/// spec requires (§4.1.1).
public struct AuthorityStore: Sendable {
    public let root: URL
    /// Where the X.509 CA lives, when not beside the JWT keys (the workbook shares the CA of its
    /// X.509 lessons, so Day 6's bundle holds the CA that signed Day 3's SVIDs).
    public let caDirectory: URL?

    public init(root: URL, caDirectory: URL? = nil) {
        self.root = root
        self.caDirectory = caDirectory
    }

    /// `$SPIFFE_DEMO_STATE`, else `~/.spiffe-demo`.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit = environment["SPIFFE_DEMO_STATE"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".spiffe-demo")
    }

    public func directory(for trustDomain: TrustDomain) -> URL {
        root.appendingPathComponent("trust-domains").appendingPathComponent(trustDomain.name)
    }

    /// Everything that signs for one trust domain, and the bundle that publishes it.
    public struct Authorities: Sendable {
        public let trustDomain: TrustDomain
        public let ca: CertificateAuthority
        /// All JWT authorities by kid (each with its key's default algorithm).
        public let jwt: [String: JWTAuthority]
        public let sequenceNumber: UInt64

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

    /// Loads the trust domain's authorities, creating what is missing: a CA on first use (or when
    /// the old one has expired at `now`), and a JWT key able to sign `algorithm` if none can
    /// (with `algorithm` nil, an ES256 key only if there is no JWT key at all).
    /// `created` lists what was made, so a command can tell the learner.
    public func loadOrCreate(
        _ trustDomain: TrustDomain, algorithm: JWTAlgorithm? = nil, now: Date
    ) throws -> (authorities: Authorities, created: [String]) {
        let directory = directory(for: trustDomain)
        try AuthorityStore.makePrivateDirectory(directory.appendingPathComponent("jwt"))
        var created: [String] = []
        var sequence = try readSequence(directory)

        // The X.509 CA.
        let caDirectory = caDirectory ?? directory
        let caCertificate = caDirectory.appendingPathComponent(CertificateAuthority.certificateFileName)
        var ca: CertificateAuthority?
        if FileManager.default.fileExists(atPath: caCertificate.path) {
            let loaded = try AuthorityStore.loadCA(trustDomain, directory: caDirectory)
            if loaded.certificate.notValidAfter > now { ca = loaded }
        }
        if ca == nil {
            let fresh = try CertificateAuthority(trustDomain: trustDomain, now: now)
            try fresh.save(to: caDirectory)   // ca.pem and ca.key (0600); an old pair is kept as .bak
            created.append("X.509 CA \(caCertificate.path)")
            sequence += 1
            ca = fresh
        }

        // The JWT authorities.
        var jwt = try JWTAuthority.load(from: directory.appendingPathComponent("jwt"), trustDomain: trustDomain)
        let needed = algorithm ?? .es256
        if algorithm == nil ? jwt.isEmpty : !jwt.values.contains(where: { $0.publicKey.allows(needed) }) {
            let algorithm = needed
            let kind: JWTPrivateKey.Kind
            switch algorithm {
            case .es256: kind = .p256
            case .es384: kind = .p384
            case .es512: kind = .p521
            default: kind = .rsa2048
            }
            let fresh = try JWTAuthority(trustDomain: trustDomain, keyType: kind, algorithm: algorithm)
            try fresh.save(in: directory.appendingPathComponent("jwt"))
            created.append("JWT authority \(kind.rawValue) kid \(fresh.keyID)")
            sequence += 1
            jwt[fresh.keyID] = fresh
        }

        if !created.isEmpty {
            try AtomicFile.write(JSONValue.encode(["spiffe_sequence": sequence], pretty: true),
                                 to: directory.appendingPathComponent("state.json"))
        }
        return (Authorities(trustDomain: trustDomain, ca: ca!, jwt: jwt, sequenceNumber: sequence), created)
    }

    /// Loads without creating anything; nil when the trust domain has no state yet.
    public func load(_ trustDomain: TrustDomain, now: Date) throws -> Authorities? {
        let directory = directory(for: trustDomain)
        let caDirectory = caDirectory ?? directory
        let caCertificate = caDirectory.appendingPathComponent(CertificateAuthority.certificateFileName)
        guard FileManager.default.fileExists(atPath: caCertificate.path) else { return nil }
        let ca = try AuthorityStore.loadCA(trustDomain, directory: caDirectory)
        return Authorities(trustDomain: trustDomain, ca: ca,
                           jwt: try JWTAuthority.load(from: directory.appendingPathComponent("jwt"), trustDomain: trustDomain),
                           sequenceNumber: try readSequence(directory))
    }

    // MARK: Files

    private func readSequence(_ directory: URL) throws(X509Error) -> UInt64 {
        let file = directory.appendingPathComponent("state.json")
        guard let data = FileManager.default.contents(atPath: file.path) else { return 0 }
        struct State: Decodable { let spiffe_sequence: UInt64 }
        guard let state = try? JSONDecoder().decode(State.self, from: data) else {
            throw .fileProblem(path: file.path, reason: "not a state file with a spiffe_sequence")
        }
        return state.spiffe_sequence
    }

    private static func loadCA(_ trustDomain: TrustDomain, directory: URL) throws -> CertificateAuthority {
        try CertificateAuthority.load(
            certificateFile: directory.appendingPathComponent(CertificateAuthority.certificateFileName),
            keyFile: directory.appendingPathComponent(CertificateAuthority.keyFileName),
            trustDomain: trustDomain)
    }

    /// Creates `directory` (and parents) readable by the owner only: it holds private keys.
    static func makePrivateDirectory(_ directory: URL) throws(X509Error) {
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .fileProblem(path: directory.path, reason: "cannot create directory: \(error.localizedDescription)")
        }
    }
}
