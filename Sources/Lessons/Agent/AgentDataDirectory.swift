import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509
import X509

/// The agent's state on disk: its CA (so a restart keeps the trust domain and every bundle a
/// workload already holds stays valid) and its registration entries.
///
///     <data-dir>/ca.pem         the CA certificate (public)
///     <data-dir>/ca.key         the CA private key, PKCS#8, mode 0600
///     <data-dir>/jwt/<kid>.key  the JWT signing key, PKCS#8, mode 0600; its name is its kid
///     <data-dir>/entries.json   registration entries (EntryStore)
///
/// The directory itself is 0700: nobody but the agent's user needs to read any of it.
public struct AgentDataDirectory: Sendable {
    public let url: URL
    public var entries: EntryStore { EntryStore(directory: url) }
    var caCertificateFile: URL { url.appendingPathComponent("ca.pem") }
    var caKeyFile: URL { url.appendingPathComponent("ca.key") }
    var jwtDirectory: URL { url.appendingPathComponent("jwt") }

    /// Where `spiffe-demo agent` and `spiffe-demo entry` keep their state unless told otherwise.
    public static let defaultPath = "/tmp/spire-agent/data"

    public init(_ url: URL) {
        self.url = url
    }

    /// The SPIFFE ID of the local agent in `trustDomain`: the parent of its entries.
    /// SPIRE agents get IDs under `/spire/agent/<attestor>/…`; this one has no node attestor.
    public static func agentID(in trustDomain: TrustDomain) -> SpiffeID {
        try! SpiffeID(trustDomain: trustDomain, path: "/spire/agent/local")
    }

    /// Loads the CA, or creates and saves one for `trustDomain` on first start. A CA that has
    /// expired is replaced (and the replacement saved). Passing `nil` means "whatever trust
    /// domain the directory already has, else example.org".
    public func loadOrCreateCA(trustDomain requested: TrustDomain?, now: Date) throws(AgentError) -> CertificateAuthority {
        try Self.create(url)
        if let existing = try loadCA() {
            if let requested, requested != existing.trustDomain {
                throw .trustDomainMismatch(dataDirectory: url.path, existing: existing.trustDomain.name, requested: requested.name)
            }
            if existing.certificate.notValidAfter > now {
                return existing
            }
            return try createCA(trustDomain: existing.trustDomain, now: now)
        }
        return try createCA(trustDomain: requested ?? (try! TrustDomain("example.org")), now: now)
    }

    /// The saved CA, if there is one.
    public func loadCA() throws(AgentError) -> CertificateAuthority? {
        guard FileManager.default.fileExists(atPath: caCertificateFile.path) else { return nil }
        do {
            let certificate = try PEM.certificates(from: try Data(contentsOf: caCertificateFile), source: caCertificateFile.path)[0]
            let key = try PEM.privateKey(from: try Data(contentsOf: caKeyFile), source: caKeyFile.path)
            // The CA carries its trust domain's ID as its URI SAN (spiffe://example.org).
            let id = try CertificateNames.spiffeID(of: certificate)
            return try CertificateAuthority(trustDomain: id.trustDomain, certificate: certificate, privateKey: key)
        } catch {
            throw .dataDirectory(path: url.path, reason: "cannot load the CA: \(error)")
        }
    }

    /// The trust domain of the saved CA, if any (for `entry create` to check IDs against).
    public func trustDomain() -> TrustDomain? {
        (try? loadCA())??.trustDomain
    }

    /// Replaces the CA with a fresh one of the same trust domain (when the old one nears expiry).
    public func replaceCA(now: Date) throws(AgentError) -> CertificateAuthority {
        guard let existing = try loadCA() else { return try loadOrCreateCA(trustDomain: nil, now: now) }
        return try createCA(trustDomain: existing.trustDomain, now: now)
    }

    private func createCA(trustDomain: TrustDomain, now: Date) throws(AgentError) -> CertificateAuthority {
        do {
            let ca = try CertificateAuthority(trustDomain: trustDomain, now: now)
            // Key first, so a crash between the two writes never leaves a certificate whose key
            // is missing.
            try AtomicFile.write(Data(try PEM.pkcs8PEM(ca.privateKey).utf8), to: caKeyFile, mode: 0o600)
            try AtomicFile.write(Data(try PEM.encode([ca.certificate]).utf8), to: caCertificateFile, mode: 0o644)
            return ca
        } catch let error as AgentError {
            throw error
        } catch {
            throw .dataDirectory(path: url.path, reason: "cannot create the CA: \(error)")
        }
    }

    /// Loads the JWT authority, or creates one (ES256 on P-256, SPIRE's default) on first start.
    /// Keeping it on disk matters as much as keeping the CA: a restart with a new key would make
    /// every JWT-SVID already handed out fail validation (unknown kid) until it expired.
    public func loadOrCreateJWTAuthority(trustDomain: TrustDomain) throws(AgentError) -> JWTAuthority {
        try Self.create(url)
        try Self.create(jwtDirectory)
        do {
            if let saved = try JWTAuthority.load(from: jwtDirectory, trustDomain: trustDomain).min(by: { $0.key < $1.key }) {
                return saved.value
            }
            let fresh = try JWTAuthority(trustDomain: trustDomain)
            try fresh.save(in: jwtDirectory)
            return fresh
        } catch {
            throw .dataDirectory(path: url.path, reason: "cannot load or create the JWT signing key: \(error)")
        }
    }

    /// Creates the directory (mode 0700) if it is missing.
    static func create(_ directory: URL) throws(AgentError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .dataDirectory(path: directory.path, reason: "exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .dataDirectory(path: directory.path, reason: "cannot create: \(error.localizedDescription)")
        }
    }
}
