import SpiffeIdentity

/// Whom a service talks to, as the Day 14 exercise (`peer-authorization`) states it: the three
/// shapes of authorization policy after the peer's SVID has been authenticated.
public enum AllowedPeers: Sendable, Equatable, CustomStringConvertible {
    /// Exactly this workload.
    case exactly(SpiffeID)
    /// Any workload of this set (none, when it is empty).
    case anyOf(Set<SpiffeID>)
    /// Any workload of this trust domain.
    case memberOf(TrustDomain)

    public var description: String {
        switch self {
        case .exactly(let id): return "exactly \(id)"
        case .anyOf(let ids): return ids.isEmpty ? "nobody (an empty set)" : "any of " + ids.map(\.description).sorted().joined(separator: ", ")
        case .memberOf(let trustDomain): return "any workload of \(trustDomain)"
        }
    }
}
