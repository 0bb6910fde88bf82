import ExerciseKit
import SpiffeIdentity

/// Exercise `peer-authorization` (Day 14): the authorizer a service runs after the handshake.
///
/// By now the peer's SVID has been authenticated: it chains to the bundle of its own trust
/// domain, so its SPIFFE ID can be believed. Authorization asks a different question: is this
/// workload one we talk to? Return true when `peer` is allowed by `allowed`: exactly one ID, any
/// ID of a set, or any workload of a trust domain. Day 14, "Authentication is not authorization", has the rules.
///
/// Grade it with `workbook exercise 14`, or `workbook watch 14` to re-grade on every save.
public func isAuthorized(_ peer: SpiffeID, _ allowed: AllowedPeers) throws(ExerciseError) -> Bool {
    throw .notDone
}
