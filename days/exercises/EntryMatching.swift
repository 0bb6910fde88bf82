import ExerciseKit
import Foundation
import SpiffeIdentity

/// Exercise `entry-matching` (Day 11): which SVIDs an attested workload gets, and in what order.
///
/// The agent has attested a caller and found its selectors, `workload` (for example
/// `unix:uid:1000`, `unix:gid:1000`, `unix:path:/opt/prov/bin/provisioner`). `entries` are the
/// registration entries in the agent's cache, in no particular order. Return the SPIFFE IDs the
/// caller gets, one per matching entry, in the order SPIRE's agent sends them:
///
/// 1. AND inside an entry: an entry matches when every one of its selectors is among the
///    workload's. Selectors are compared whole and exactly, as text (`unix:uid:100` is not
///    `unix:uid:1000`, `unix:user:Prov` is not `unix:user:prov`).
/// 2. An entry with no selectors matches nothing, whatever the workload's selectors are. (SPIRE's
///    `entry create` refuses one: "at least one selector is required"; and its cache finds
///    candidate entries through the workload's selectors, so an entry without any is never found.)
/// 3. OR across entries: every matching entry gives one SVID, even when two entries give the same
///    SPIFFE ID. (These entries carry no hints. SPIRE also drops all but the oldest of several
///    matching entries that share a non-empty hint; the lesson says more.)
/// 4. The order is by entry ID, ascending, the IDs compared byte by byte as Go compares strings
///    (SPIRE's pkg/agent/manager/cache/util.go, `sortIdentities`): not as numbers, not ignoring
///    case, and not by SPIFFE ID. The first SVID is the workload's default identity (SPIFFE
///    Workload API §8).
///
/// No entry matches: return an empty array (the agent then answers PermissionDenied, "no identity
/// issued"; that part is not this function's job). Every entry ID in the cases is distinct.
/// Day 11, "From selectors to SVIDs", explains each rule.
///
/// Grade it with `workbook exercise 11`, or `workbook watch 11` to re-grade on every save.
public func matchingIdentities(workload: Set<String>, entries: [CachedEntry]) throws(ExerciseError) -> [SpiffeID] {
    throw .notDone
}
