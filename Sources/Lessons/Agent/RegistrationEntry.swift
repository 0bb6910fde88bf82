import Foundation
import SpiffeIdentity

/// A registration entry: "a workload with *these* selectors gets *this* SPIFFE ID".
///
/// This is what `spire-server entry create` stores. An entry matches a workload when **all** of
/// its selectors are among the selectors attestation found for that workload (AND within an
/// entry). A workload that matches several entries gets several SVIDs (OR across entries); the
/// first is its default identity.
public struct RegistrationEntry: Sendable, Hashable, Codable {
    public var entryID: String
    public var spiffeID: SpiffeID
    /// The agent (or node alias) whose workloads the entry is for.
    public var parentID: SpiffeID
    public var selectors: [Selector]
    /// Lifetime of the X509-SVIDs minted for this entry, in seconds (SPIRE's default: 3600).
    public var x509SVIDTTL: Int
    /// Lifetime of JWT-SVIDs, in seconds (SPIRE's default: 300).
    public var jwtSVIDTTL: Int
    /// An operator-chosen label passed to the workload with the SVID.
    public var hint: String
    /// Foreign trust domains whose bundles this entry's workloads receive (`-federatesWith`):
    /// only they may authenticate peers of those trust domains.
    public var federatesWith: [TrustDomain]
    public var createdAt: Date

    public static let defaultX509SVIDTTL = 3600
    public static let defaultJWTSVIDTTL = 300

    public init(
        entryID: String = UUID().uuidString.lowercased(),
        spiffeID: SpiffeID,
        parentID: SpiffeID,
        selectors: [Selector],
        x509SVIDTTL: Int = RegistrationEntry.defaultX509SVIDTTL,
        jwtSVIDTTL: Int = RegistrationEntry.defaultJWTSVIDTTL,
        hint: String = "",
        federatesWith: [TrustDomain] = [],
        createdAt: Date = Date()
    ) throws(AgentError) {
        // SPIRE refuses entries without selectors: an entry that matches every workload would
        // hand its identity to anything that can reach the socket.
        guard !selectors.isEmpty else { throw .badEntry("at least one -selector is required") }
        guard !spiffeID.isTrustDomainRoot else { throw .badEntry("the SPIFFE ID \(spiffeID) has no path; a workload ID needs one") }
        guard x509SVIDTTL > 0, jwtSVIDTTL > 0 else { throw .badEntry("TTLs must be positive numbers of seconds") }
        // Federating with one's own trust domain means nothing: its bundle is always delivered.
        guard !federatesWith.contains(spiffeID.trustDomain) else {
            throw .badEntry("-federatesWith \(spiffeID.trustDomain.idString) is the entry's own trust domain")
        }
        self.entryID = entryID
        self.spiffeID = spiffeID
        self.parentID = parentID
        self.selectors = Array(Set(selectors)).sorted()
        self.x509SVIDTTL = x509SVIDTTL
        self.jwtSVIDTTL = jwtSVIDTTL
        self.hint = hint
        self.federatesWith = Array(Set(federatesWith)).sorted()
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case entryID, spiffeID, parentID, selectors, x509SVIDTTL, jwtSVIDTTL, hint, federatesWith, createdAt
    }

    /// Entries saved before federation have no `federatesWith`: they federate with nobody.
    ///
    /// A stored entry passes the same rules as `entry create`: an entries.json edited by hand to
    /// hold an entry with no selectors would otherwise match every workload on the machine.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            entryID: try container.decode(String.self, forKey: .entryID),
            spiffeID: try container.decode(SpiffeID.self, forKey: .spiffeID),
            parentID: try container.decode(SpiffeID.self, forKey: .parentID),
            selectors: try container.decode([Selector].self, forKey: .selectors),
            x509SVIDTTL: try container.decode(Int.self, forKey: .x509SVIDTTL),
            jwtSVIDTTL: try container.decode(Int.self, forKey: .jwtSVIDTTL),
            hint: try container.decode(String.self, forKey: .hint),
            federatesWith: try container.decodeIfPresent([TrustDomain].self, forKey: .federatesWith) ?? [],
            createdAt: try container.decode(Date.self, forKey: .createdAt))
    }

    // step: entry-matches
    /// True when every selector of this entry is among the workload's selectors (AND).
    public func matches(_ workloadSelectors: Set<Selector>) -> Bool {
        selectors.allSatisfy { workloadSelectors.contains($0) }
    }
    // end-step
}
