import Foundation
import SpiffeBundles
import SpiffeFederation
import SpiffeFormats
import SpiffeIdentity

/// One federation relationship, as `spire-server federation create` records it: which trust
/// domain, where its bundle endpoint is, and how to authenticate it.
public struct FederationRelationship: Sendable, Codable, Equatable {
    public var trustDomain: TrustDomain
    public var bundleEndpointURL: String
    /// `https_web` or `https_spiffe`, SPIRE's names.
    public var bundleEndpointProfile: String
    /// https_spiffe only: the SPIFFE ID the endpoint must present.
    public var endpointSPIFFEID: SpiffeID?

    public init(trustDomain: TrustDomain, bundleEndpointURL: String, bundleEndpointProfile: String,
                endpointSPIFFEID: SpiffeID?) throws(AgentError) {
        self.trustDomain = trustDomain
        self.bundleEndpointURL = bundleEndpointURL
        self.bundleEndpointProfile = bundleEndpointProfile
        self.endpointSPIFFEID = endpointSPIFFEID
        _ = try endpoint()
    }

    /// The endpoint as the federation client takes it; checks the URL and the profile's parameters.
    public func endpoint() throws(AgentError) -> BundleEndpoint {
        let profile: BundleEndpoint.Profile
        switch bundleEndpointProfile {
        case "https_web":
            guard endpointSPIFFEID == nil else { throw .badEntry("-endpointSpiffeID is for https_spiffe; https_web is authenticated by Web PKI") }
            profile = .httpsWeb
        case "https_spiffe":
            guard let endpointSPIFFEID else { throw .badEntry("https_spiffe needs -endpointSpiffeID: the SPIFFE ID the endpoint must present") }
            profile = .httpsSPIFFE(endpointID: endpointSPIFFEID)
        default:
            throw .badEntry("-bundleEndpointProfile is https_web or https_spiffe, not \(bundleEndpointProfile)")
        }
        do {
            return try BundleEndpoint(url: bundleEndpointURL, trustDomain: trustDomain, profile: profile)
        } catch {
            throw .badEntry("-bundleEndpointURL \(error)")
        }
    }
}

extension FederationRelationship {
    /// A self-serving https_spiffe endpoint (its SPIFFE ID is of the trust domain it serves) can
    /// only be authenticated by a bundle of that trust domain, so the first fetch needs one
    /// obtained out of band (SPIFFE_Federation §5.2.2.2, §5.2.2.4). SPIRE accepts the relationship anyway
    /// and retries each minute; the toolkit says so at once.
    public func checkFirstBundle(held: Bool) throws(AgentError) {
        guard try endpoint().isSelfServing, !held, let endpointSPIFFEID else { return }
        throw .badEntry("-trustDomainBundlePath is needed: \(endpointSPIFFEID) serves the bundle of its own trust domain, so its first fetch must be authenticated by a bundle of \(trustDomain) obtained out of band")
    }
}

/// The local agent's federation relationships and the foreign bundles fetched for them, in its
/// data directory:
///
///     <data-dir>/federation.json               the relationships
///     <data-dir>/federated/<trust-domain>.json  each foreign trust domain's latest bundle
///
/// Each bundle is kept under the name of the trust domain it was fetched *for*, never merged
/// with another: the keys of partner.example vouch for partner.example only. Every write is
/// atomic; `federation create` and a running agent share the files, as they share entries.json.
public struct FederationStore: Sendable {
    public let directory: URL
    public var file: URL { directory.appendingPathComponent("federation.json") }
    var bundles: URL { directory.appendingPathComponent("federated", isDirectory: true) }

    public init(directory: URL) { self.directory = directory }

    private struct Document: Codable { var relationships: [FederationRelationship] }

    public func relationships() throws(AgentError) -> [FederationRelationship] {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [] }
        do {
            return try JSONDecoder().decode(Document.self, from: data).relationships
        } catch {
            throw .dataDirectory(path: directory.path, reason: "federation.json is not valid: \(error)")
        }
    }

    /// Adds or replaces the relationship for its trust domain; `bootstrap`, the trust domain's
    /// bundle obtained out of band, is stored as its current bundle (SPIRE's
    /// -trustDomainBundlePath), so an https_spiffe endpoint can be authenticated the first time.
    public func create(_ relationship: FederationRelationship, bootstrap: SpiffeBundle?) throws(AgentError) {
        if let bootstrap { try saveBundle(bootstrap) }
        var all = try relationships().filter { $0.trustDomain != relationship.trustDomain }
        all.append(relationship)
        try write(all)
    }

    /// Removes the relationship and its bundle; false when there was none.
    @discardableResult
    public func delete(_ trustDomain: TrustDomain) throws(AgentError) -> Bool {
        let all = try relationships()
        guard all.contains(where: { $0.trustDomain == trustDomain }) else { return false }
        try write(all.filter { $0.trustDomain != trustDomain })
        try? FileManager.default.removeItem(at: bundleFile(trustDomain))
        return true
    }

    public func bundle(for trustDomain: TrustDomain) -> SpiffeBundle? {
        guard let data = FileManager.default.contents(atPath: bundleFile(trustDomain).path) else { return nil }
        return try? SpiffeBundle(json: data, trustDomain: trustDomain, format: .spiffe, source: bundleFile(trustDomain).path)
    }

    public func saveBundle(_ bundle: SpiffeBundle) throws(AgentError) {
        do {
            try PrivateDirectory.create(directory)
            try FileManager.default.createDirectory(at: bundles, withIntermediateDirectories: true)
            try AtomicFile.write(try bundle.spiffeJSON(pretty: true), to: bundleFile(bundle.trustDomain))
        } catch {
            throw .dataDirectory(path: bundles.path, reason: "cannot save the bundle of \(bundle.trustDomain): \(error)")
        }
    }

    /// Changes whenever federation.json is replaced (as EntryStore.stamp).
    public func stamp() -> String { EntryStore.stamp(of: file) }

    func bundleFile(_ trustDomain: TrustDomain) -> URL { bundles.appendingPathComponent("\(trustDomain.name).json") }

    private func write(_ relationships: [FederationRelationship]) throws(AgentError) {
        do {
            try PrivateDirectory.create(directory)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(try encoder.encode(Document(relationships: relationships.sorted { $0.trustDomain < $1.trustDomain })), to: file, mode: 0o600)
        } catch {
            throw .dataDirectory(path: directory.path, reason: "cannot write federation.json: \(error)")
        }
    }
}
