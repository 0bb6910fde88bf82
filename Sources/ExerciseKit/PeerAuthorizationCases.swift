import SpiffeIdentity

/// The cases for `peer-authorization` (Day 14): authorizing an authenticated peer by its SPIFFE ID.
public enum PeerAuthorizationCases {
    public static let exercise = Exercise(
        id: "peer-authorization", day: 14, title: "Authorize a peer by its SPIFFE ID",
        file: "Sources/Exercises/PeerAuthorization.swift",
        hints: [
            "Compare SpiffeID values, not strings: two IDs are the same workload only when they are equal as SpiffeIDs.",
            "For .memberOf, ask the peer's ID which trust domain it is in (peer.trustDomain); a string prefix would let example.org.evil.com in.",
            "An empty .anyOf set allows nobody.",
        ])

    /// `implementation` says whether `peer` is allowed by the policy.
    public static func cases(_ implementation: @escaping @Sendable (SpiffeID, AllowedPeers) throws(ExerciseError) -> Bool) -> [GradingCase] {
        let a = try! SpiffeID("spiffe://example.org/service-a")
        let ab = try! SpiffeID("spiffe://example.org/service-ab")
        let b = try! SpiffeID("spiffe://example.org/service-b")
        let evil = try! SpiffeID("spiffe://example.org.evil.com/service-a")
        let other = try! SpiffeID("spiffe://other.org/service-a")
        let suffix = try! SpiffeID("spiffe://evilexample.org/service-a")
        let exampleOrg = try! TrustDomain("example.org")
        func decide(_ name: String, _ peer: SpiffeID, _ allowed: AllowedPeers, _ expected: Bool) -> GradingCase {
            GradingCase(name: name, expected: "\(expected) for \(peer) against \(allowed)") {
                do throws(ExerciseError) {
                    let got = try implementation(peer, allowed)
                    return got == expected ? .passed : .failed(got: "\(got)")
                } catch { return .notDone }
            }
        }
        return [
            decide("the one allowed workload", a, .exactly(a), true),
            decide("another workload of the same trust domain", b, .exactly(a), false),
            decide("a path that only starts like the allowed one", ab, .exactly(a), false),
            decide("a member of the set", b, .anyOf([a, b]), true),
            decide("nobody is in an empty set", a, .anyOf([]), false),
            decide("a path that only starts like a member of the set", ab, .anyOf([a, b]), false),
            decide("a workload of another trust domain against a set", other, .anyOf([a, b]), false),
            decide("a member of the allowed trust domain", b, .memberOf(exampleOrg), true),
            decide("a trust domain whose name only starts like the allowed one", evil, .memberOf(exampleOrg), false),
            decide("the same path in another trust domain", other, .exactly(a), false),
            decide("a trust domain whose name only ends like the allowed one", suffix, .memberOf(exampleOrg), false),
        ]
    }
}
