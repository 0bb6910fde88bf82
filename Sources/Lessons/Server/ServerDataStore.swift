import Foundation
import SpiffeAgent
import SpiffeFormats
import SpiffeIdentity
import Synchronization

/// The server's datastore: what SPIRE keeps in SQLite (or MySQL, PostgreSQL), kept here in one
/// JSON file, `<data-dir>/datastore.json`, rewritten atomically after every change.
///
/// It always survives a restart, whatever the KeyManager: registration entries, attested agents,
/// unused join tokens, and the trust bundle (every root that may still have SVIDs under it). Only
/// the CA's private key is the KeyManager's business (ServerCA).
///
/// One server process owns the file; a second server on the same data directory is refused by
/// the lock `SpireServer` holds for its whole life.
public final class ServerDataStore: Sendable {
    /// An agent that passed node attestation.
    public struct AttestedAgent: Codable, Sendable, Equatable {
        public var spiffeID: SpiffeID
        /// The node attestor that vouched for it: "join_token" or "aws_iid".
        public var attestationType: String
        /// The serial number of its current SVID, in hex: only that SVID authenticates it (an
        /// older one it renewed away does not).
        public var serialNumber: String
        public var expiresAt: Date
        public var attestedAt: Date
        public var banned: Bool = false
    }

    /// A join token that has not been used yet (a used one is deleted: single use).
    public struct JoinToken: Codable, Sendable, Equatable {
        public var value: String
        public var expiresAt: Date

        public init(value: String, expiresAt: Date) {
            self.value = value
            self.expiresAt = expiresAt
        }
    }

    public struct Contents: Codable, Sendable {
        public var trustDomain: TrustDomain
        public var entries: [RegistrationEntry] = []
        public var agents: [AttestedAgent] = []
        public var joinTokens: [JoinToken] = []
        /// The bundle's X.509 authorities (PEM), oldest first. A new CA's root is appended; a
        /// root leaves only when it has expired, so SVIDs signed under it stay verifiable.
        public var bundleRoots: [String] = []
        /// The bundle's sequence number: one more for every change of its roots.
        public var bundleSequence: UInt64 = 0
        /// Federation relationships (`federation create -socketPath`), one per trust domain.
        public var federationRelationships: [FederationRelationship] = []
        /// Other trust domains' bundles: fetched from their bundle endpoints, or given with a
        /// relationship. A bundle outlives its relationship, as in SPIRE (whose `bundle delete`
        /// removes it), and is never merged with another trust domain's.
        public var federatedBundles: [FederatedBundle] = []
    }

    /// One foreign trust domain's bundle: the SPIFFE bundle document, as fetched.
    public struct FederatedBundle: Codable, Sendable, Equatable {
        public var trustDomain: TrustDomain
        public var document: String
    }

    public let url: URL
    private let contents: Mutex<Contents>

    public static let fileName = "datastore.json"

    /// Opens `<directory>/datastore.json`, creating it (for `trustDomain`) if missing. A file of
    /// another trust domain is refused: a server never silently changes its trust domain.
    public init(directory: URL, trustDomain: TrustDomain) throws(ServerError) {
        url = directory.appendingPathComponent(Self.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            contents = Mutex(Contents(trustDomain: trustDomain))
            try save(Contents(trustDomain: trustDomain))
            return
        }
        let loaded: Contents
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            loaded = try decoder.decode(Contents.self, from: try InputFile.read(url))
        } catch {
            throw .dataStore(path: url.path, reason: "cannot be read (\(error)); move it away to start an empty datastore")
        }
        guard loaded.trustDomain == trustDomain else {
            throw .dataStore(path: url.path, reason: "belongs to trust domain \(loaded.trustDomain), not \(trustDomain); use another --data-dir")
        }
        contents = Mutex(loaded)
    }

    /// A consistent copy of everything.
    public var snapshot: Contents { contents.withLock { $0 } }

    /// Changes the contents and writes them before returning; if the write fails, nothing
    /// changes in memory either.
    @discardableResult
    public func update<T>(_ body: (inout Contents) throws -> T) throws -> T {
        try contents.withLock { current in
            var next = current
            let result = try body(&next)
            try save(next)
            current = next
            return result
        }
    }

    private func save(_ contents: Contents) throws(ServerError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do {
            // 0600: join tokens in here are credentials until used.
            try AtomicFile.write(try encoder.encode(contents), to: url, mode: 0o600)
        } catch {
            throw .dataStore(path: url.path, reason: "cannot be written: \(error)")
        }
    }
}

extension ServerDataStore.Contents {
    /// A datastore written before federation has neither federation key: it federates with nobody.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        trustDomain = try container.decode(TrustDomain.self, forKey: .trustDomain)
        entries = try container.decode([RegistrationEntry].self, forKey: .entries)
        agents = try container.decode([ServerDataStore.AttestedAgent].self, forKey: .agents)
        joinTokens = try container.decode([ServerDataStore.JoinToken].self, forKey: .joinTokens)
        bundleRoots = try container.decode([String].self, forKey: .bundleRoots)
        bundleSequence = try container.decode(UInt64.self, forKey: .bundleSequence)
        federationRelationships = try container.decodeIfPresent([FederationRelationship].self, forKey: .federationRelationships) ?? []
        federatedBundles = try container.decodeIfPresent([ServerDataStore.FederatedBundle].self, forKey: .federatedBundles) ?? []
    }
}
