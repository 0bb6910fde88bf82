// Sources/ExerciseKit/FederationTrustTypes.swift
//
// The input and answer types of the Day 20 exercise `federation-trust`: the bundles an agent
// holds, each under the name of the trust domain it was configured or fetched for, and what a
// workload may validate a peer with. They live in ExerciseKit (like AllowedPeers.swift) because
// the stub, the cases and the reference solution all name them. ExerciseKit links only
// SpiffeIdentity, Crypto and X509: the authorities are swift-certificates `Certificate`s.
import SpiffeIdentity
import X509

/// One bundle as an agent holds it (SPIFFE Trust Domain and Bundle §3, SPIFFE_Federation §5.1):
/// the trust domain name it is held under, recorded beside the bundle because the bundle itself
/// names none, and the keys it contains.
public struct HeldBundle: Sendable, Hashable, CustomStringConvertible {
    /// The trust domain this bundle was configured or fetched for: the name it is held under,
    /// whatever its certificates say about themselves.
    public var trustDomain: TrustDomain
    /// Its `x509-svid` keys: the CA certificates (x5c) that may anchor an X509-SVID's path.
    public var x509Authorities: [Certificate]
    /// The `kid`s of its `jwt-svid` keys. They validate JWT-SVIDs only, never an X509-SVID.
    public var jwtKeyIDs: [String]

    public init(trustDomain: TrustDomain, x509Authorities: [Certificate], jwtKeyIDs: [String] = []) {
        self.trustDomain = trustDomain
        self.x509Authorities = x509Authorities
        self.jwtKeyIDs = jwtKeyIDs
    }

    public var description: String {
        let x509 = x509Authorities.isEmpty ? "none" : x509Authorities.map { $0.subject.description }.joined(separator: "; ")
        let jwt = jwtKeyIDs.isEmpty ? "none" : jwtKeyIDs.joined(separator: ", ")
        return "the bundle held for \(trustDomain) (X.509 authorities: \(x509); JWT keys: \(jwt))"
    }
}

/// Which bundle a workload must validate a peer's X509-SVID with, or why there is none.
public enum PeerBundle: Sendable, Hashable, CustomStringConvertible {
    /// Validate the peer's chain against exactly this held bundle, as it is held.
    case validateWith(HeldBundle)
    /// The peer's trust domain is neither the workload's own nor one its entry federates with
    /// (`-federatesWith`): the agent does not hand this workload that bundle, held or not.
    case notFederated(TrustDomain)
    /// The entry federates with the peer's trust domain, but no bundle is held under that name
    /// (the relationship's first fetch has not happened, or failed).
    case noBundle(TrustDomain)
    /// More than one bundle is held under the peer's trust domain's name: a bundle map that names a
    /// trust domain twice must be rejected (SPIFFE Trust Domain and Bundle §5.1.1, §6.3).
    case ambiguous(TrustDomain)
    /// The bundle held for the peer's trust domain has no X.509 authority: the trust domain has
    /// withdrawn its keys, or publishes none an X509-SVID could chain to (§4.1.3).
    case trustsNothing(TrustDomain)

    public var description: String {
        switch self {
        case .validateWith(let bundle): return "validate with \(bundle)"
        case .notFederated(let trustDomain): return "notFederated(\(trustDomain))"
        case .noBundle(let trustDomain): return "noBundle(\(trustDomain))"
        case .ambiguous(let trustDomain): return "ambiguous(\(trustDomain))"
        case .trustsNothing(let trustDomain): return "trustsNothing(\(trustDomain))"
        }
    }
}
