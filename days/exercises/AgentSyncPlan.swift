import ExerciseKit
import Foundation
import SpiffeIdentity

/// Exercise `agent-sync-plan` (Day 8): one sync of a SPIRE agent's cache.
///
/// Every sync interval (5 s by default) SPIRE's agent gets from its server the registration
/// entries it is authorized to serve, and then decides, entry by entry, whether it needs a new
/// X509-SVID (SPIRE: pkg/agent/manager/sync.go, `updateCache`). You get what the agent holds
/// (`held`: one SVID per entry it has served so far), the entries the server has just authorized
/// (`authorized`), and the time. Return the plan:
/// - `csrFor`: the IDs of the authorized entries that need a new key and CSR now, because the
///   agent holds no SVID for that entry, or holds one signed for another revision of it, or holds
///   one with at most half of its lifetime left at `now` (so also an expired one). The lifetime
///   is the certificate's own window, notBefore through notAfter, not the TTL the entry asks for.
///   An SVID whose notBefore is still ahead is not due.
/// - `drop`: the IDs of the held SVIDs whose entry is not among the authorized ones any more. The
///   agent stops serving them.
/// Everything else stays as it is. An SVID belongs to an entry, not to a SPIFFE ID. SPIRE adds
/// ±10 % jitter to the half; leave it out. Day 8, "One issuance, step by step" and "When the
/// server is away", explains each rule.
///
/// Grade it with `workbook exercise 8`, or `workbook watch 8` to re-grade on every save.
public func agentSyncPlan(held: [HeldSVID], authorized: [AuthorizedEntry], now: Date) throws(ExerciseError) -> SyncPlan {
    throw .notDone
}
