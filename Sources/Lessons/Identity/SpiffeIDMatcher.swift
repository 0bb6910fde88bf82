/// Which SPIFFE IDs a workload is willing to talk to.
///
/// Authentication ("this certificate really carries spiffe://example.org/db") and authorization
/// ("and spiffe://example.org/db is allowed here") are separate steps. A matcher is the second
/// step: it looks only at an already-authenticated ID.
public enum SpiffeIDMatcher: Sendable, Hashable, CustomStringConvertible {
    /// Any authenticated ID. Useful in exercises; rarely right in production.
    case any
    /// Exactly this ID.
    case id(SpiffeID)
    /// One of these IDs.
    case oneOf(Set<SpiffeID>)
    /// Any ID in this trust domain.
    case memberOf(TrustDomain)

    public func matches(_ id: SpiffeID) -> Bool {
        switch self {
        case .any: return true
        case .id(let expected): return id == expected
        case .oneOf(let allowed): return id.isOne(of: allowed)
        case .memberOf(let trustDomain): return id.isMember(of: trustDomain)
        }
    }

    public var description: String {
        switch self {
        case .any: return "any SPIFFE ID"
        case .id(let expected): return "exactly \(expected)"
        case .oneOf(let allowed): return "one of " + allowed.sorted().map(\.description).joined(separator: ", ")
        case .memberOf(let trustDomain): return "any ID in trust domain \(trustDomain)"
        }
    }
}
