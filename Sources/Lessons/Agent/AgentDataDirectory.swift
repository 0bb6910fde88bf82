import Foundation
import SpiffeIdentity
import SpiffeJWT
import SpiffeLocalTrustDomain
import SpiffeX509

/// The agent's state on disk: its trust domain's authorities (so a restart keeps the trust domain,
/// and every bundle and JWT-SVID a workload already holds stays valid) and its registration
/// entries.
///
///     <data-dir>/ca.pem, ca.key, jwt/, state.json   a TrustDomainDirectory (the CA and JWT key)
///     <data-dir>/entries.json                       registration entries (EntryStore)
///
/// The directory itself is 0700: nobody but the agent's user needs to read any of it.
public struct AgentDataDirectory: Sendable {
    public let url: URL
    public var entries: EntryStore { EntryStore(directory: url) }
    /// Federation relationships and the foreign bundles fetched for them.
    public var federation: FederationStore { FederationStore(directory: url) }
    /// The CA and JWT signing key, kept the way simulated mode keeps a trust domain.
    public var authorities: TrustDomainDirectory { TrustDomainDirectory(url) }

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

    /// Loads the CA and JWT key, creating them for `trustDomain` on first start (ES256 on P-256,
    /// SPIRE's default, for the JWT key). A CA that `RenewalRule.agent` says is due is replaced.
    /// Passing `nil` means "whatever trust domain the directory already has, else example.org".
    ///
    /// Keeping the JWT key matters as much as keeping the CA: a restart with a new key would make
    /// every JWT-SVID already handed out fail validation (unknown kid) until it expired.
    public func loadOrCreateAuthorities(
        trustDomain requested: TrustDomain?, now: Date
    ) throws(AgentError) -> TrustDomainDirectory.Authorities {
        do {
            return try authorities.loadOrCreate(trustDomain: requested, jwt: .anyKey, renewal: .agent, now: now)
        } catch {
            switch error {
            case .otherTrustDomain(_, let found, let wanted):
                throw .trustDomainMismatch(dataDirectory: url.path, existing: found.name, requested: wanted.name)
            case .fileProblem(let path, let reason):
                throw .dataDirectory(path: path, reason: reason)
            }
        }
    }

    /// The CA alone (`loadOrCreateAuthorities(…).ca`).
    public func loadOrCreateCA(trustDomain requested: TrustDomain?, now: Date) throws(AgentError) -> CertificateAuthority {
        try loadOrCreateAuthorities(trustDomain: requested, now: now).ca
    }

    /// The trust domain of the saved CA, if any (for `entry create` to check IDs against).
    public func trustDomain() -> TrustDomain? {
        authorities.trustDomain()
    }
}
