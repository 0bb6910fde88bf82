import Foundation
import SpiffeBundles
import SpiffeFormats
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
        // Names, as SPIRE sends them ("partner.example").
        federatesWith = entry.federatesWith.map(\.name)
    }

    /// The entry as the toolkit models it; the same rules as `entry create` (AgentError.badEntry).
    /// A TTL of 0 means "the server's default", as in SPIRE.
    public func registrationEntry(defaultX509SVIDTTL: Int = RegistrationEntry.defaultX509SVIDTTL) throws -> RegistrationEntry {
        let spiffeID: SpiffeID, parentID: SpiffeID
        do { spiffeID = try self.spiffeID.spiffeID() } catch { throw AgentError.badEntry("spiffe_id: \(error)") }
        do { parentID = try self.parentID.spiffeID() } catch { throw AgentError.badEntry("parent_id: \(error)") }
        // SPIRE takes a name or a spiffe:// trust domain ID here; so does TrustDomain.
        let federated = try federatesWith.map { (text: String) throws(AgentError) -> TrustDomain in
            do { return try TrustDomain(text) } catch { throw .badEntry("federates_with \(text): \(error)") }
        }
        return try RegistrationEntry(
            entryID: id.isEmpty ? UUID().uuidString.lowercased() : id,
            spiffeID: spiffeID,
            parentID: parentID,
            selectors: selectors.map { Selector(type: $0.type, value: $0.value) },
            x509SVIDTTL: x509SvidTtl == 0 ? defaultX509SVIDTTL : Int(x509SvidTtl),
            jwtSVIDTTL: jwtSvidTtl == 0 ? RegistrationEntry.defaultJWTSVIDTTL : Int(jwtSvidTtl),
            hint: hint,
            federatesWith: federated,
            createdAt: createdAt == 0 ? Date() : Date(timeIntervalSince1970: TimeInterval(createdAt))
        )
    }
}

extension Spire_Api_Types_Bundle {
    /// A bundle on the wire: its X.509 authorities (DER), sequence number and refresh hint. The
    /// model's trimmed type has no JWT authorities (SPIRE's field 3): the SPIRE model's agent
    /// serves X.509 only.
    public init(_ bundle: SpiffeBundle) throws {
        self.init()
        trustDomain = bundle.trustDomain.name
        x509Authorities = try bundle.x509Authorities.map { certificate in
            var authority = Spire_Api_Types_X509Certificate()
            authority.asn1 = Data(try PEM.der([certificate]))
            return authority
        }
        sequenceNumber = bundle.sequenceNumber ?? 0
        refreshHint = Int64(bundle.refreshHint ?? 0)
    }

    /// The bundle as the toolkit models it; `expected` is the trust domain it was asked for, and a
    /// bundle naming another is refused rather than filed under the wrong name.
    public func spiffeBundle(expected: TrustDomain) throws -> SpiffeBundle {
        guard let named = try? TrustDomain(trustDomain), named == expected else {
            throw AgentError.badEntry("the server sent a bundle of \"\(trustDomain)\" when asked for \(expected)")
        }
        return SpiffeBundle(
            trustDomain: expected,
            x509Authorities: try x509Authorities.map { try ParsedCertificates.certificate(derEncoded: Array($0.asn1)) },
            sequenceNumber: sequenceNumber == 0 ? nil : sequenceNumber,
            refreshHint: refreshHint == 0 ? nil : Int(clamping: refreshHint))
    }
}

extension Spire_Api_Types_FederationRelationship {
    public init(_ relationship: FederationRelationship, bundle: SpiffeBundle? = nil) throws {
        self.init()
        trustDomain = relationship.trustDomain.name
        bundleEndpointURL = relationship.bundleEndpointURL
        // FederationRelationship's initializer has made sure an https_spiffe relationship has
        // an endpoint ID and an https_web one has none.
        if let id = relationship.endpointSPIFFEID {
            var profile = Spire_Api_Types_HTTPSSPIFFEProfile()
            profile.endpointSpiffeID = id.description
            httpsSpiffe = profile
        } else {
            httpsWeb = .init()
        }
        if let bundle { trustDomainBundle = try .init(bundle) }
    }

    /// The relationship, checked as `federation create` checks it (AgentError.badEntry).
    public func federationRelationship() throws(AgentError) -> FederationRelationship {
        let domain: TrustDomain
        do { domain = try TrustDomain(trustDomain) } catch { throw .badEntry("trust_domain \(trustDomain): \(error)") }
        let profile: String, endpointID: SpiffeID?
        switch bundleEndpointProfile {
        case .httpsWeb?:
            (profile, endpointID) = ("https_web", nil)
        case .httpsSpiffe(let https)?:
            do { endpointID = try SpiffeID(https.endpointSpiffeID) } catch { throw .badEntry("endpoint_spiffe_id \(https.endpointSpiffeID): \(error)") }
            profile = "https_spiffe"
        case nil:
            throw .badEntry("a bundle endpoint profile is required: https_web or https_spiffe")
        }
        return try FederationRelationship(trustDomain: domain, bundleEndpointURL: bundleEndpointURL,
                                          bundleEndpointProfile: profile, endpointSPIFFEID: endpointID)
    }
}
