import Foundation
import SpiffeIdentity
import SpireAPIProto

/// Conversions between the toolkit's types and the SPIRE server APIs' wire types
/// (spire.api.types), used by the model's server, its agent and the admin commands.
extension Spire_Api_Types_SPIFFEID {
    /// SPIRE sends an ID as its trust domain and path, not as one string.
    public init(_ id: SpiffeID) {
        self.init()
        trustDomain = id.trustDomain.name
        path = id.path
    }

    public func spiffeID() throws -> SpiffeID {
        try SpiffeID(trustDomain: try TrustDomain(trustDomain), path: path)
    }
}

extension Spire_Api_Types_Selector {
    public init(_ selector: Selector) {
        self.init()
        type = selector.type
        value = selector.value
    }
}

extension Spire_Api_Types_Entry {
    public init(_ entry: RegistrationEntry) {
        self.init()
        id = entry.entryID
        spiffeID = .init(entry.spiffeID)
        parentID = .init(entry.parentID)
        selectors = entry.selectors.map(Spire_Api_Types_Selector.init)
        x509SvidTtl = Int32(clamping: entry.x509SVIDTTL)
        jwtSvidTtl = Int32(clamping: entry.jwtSVIDTTL)
        hint = entry.hint
        createdAt = Int64(entry.createdAt.timeIntervalSince1970)
    }

    /// The entry as the toolkit models it; the same rules as `entry create` (AgentError.badEntry).
    /// A TTL of 0 means "the server's default", as in SPIRE.
    public func registrationEntry(defaultX509SVIDTTL: Int = RegistrationEntry.defaultX509SVIDTTL) throws -> RegistrationEntry {
        let spiffeID: SpiffeID, parentID: SpiffeID
        do { spiffeID = try self.spiffeID.spiffeID() } catch { throw AgentError.badEntry("spiffe_id: \(error)") }
        do { parentID = try self.parentID.spiffeID() } catch { throw AgentError.badEntry("parent_id: \(error)") }
        return try RegistrationEntry(
            entryID: id.isEmpty ? UUID().uuidString.lowercased() : id,
            spiffeID: spiffeID,
            parentID: parentID,
            selectors: selectors.map { Selector(type: $0.type, value: $0.value) },
            x509SVIDTTL: x509SvidTtl == 0 ? defaultX509SVIDTTL : Int(x509SvidTtl),
            jwtSVIDTTL: jwtSvidTtl == 0 ? RegistrationEntry.defaultJWTSVIDTTL : Int(jwtSvidTtl),
            hint: hint,
            createdAt: createdAt == 0 ? Date() : Date(timeIntervalSince1970: TimeInterval(createdAt))
        )
    }
}
