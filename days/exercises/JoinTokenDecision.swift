import ExerciseKit
import Foundation
import SpiffeIdentity

/// Exercise `join-token-decision` (Day 9): the server's side of join-token node attestation.
///
/// An agent has presented the join token `presented`. `stored` lists the tokens the server
/// holds: made by `token generate`, none of them used yet, each with its `expiresAt`. The
/// server's trust domain is `trustDomain`, and the time is `now`. Decide as SPIRE's server does
/// (pkg/server/api/agent/v1/service.go, `attestJoinToken`), and as the model's `node-attest`
/// (Sources/Lessons/Server/NodeAttestor.swift) does:
///
/// 1. Find the stored token whose value is exactly `presented`. If there is none, refuse with
///    `.unknownOrUsed`: the server never made it, or someone has used it already.
/// 2. A token that was found is spent, valid or not: it leaves the stored tokens now, so it can
///    never be presented twice.
/// 3. If its time has run out (`now` is after `expiresAt`), refuse with `.expired`.
/// 4. Otherwise the agent is attested as spiffe://<trustDomain>/spire/agent/join_token/<token>
///    (SPIRE's doc/plugin_server_nodeattestor_jointoken.md).
///
/// Return the outcome together with the tokens the server still holds afterwards, in any order.
/// Leave every other token alone, even an expired one: this decision is about one token only.
/// The grader never presents a token at the very second it expires (the model refuses it then,
/// SPIRE still takes it). Every token in the cases is a valid segment for a SPIFFE ID path, so
/// building the ID cannot fail for a token that was stored.
/// Day 9, "Join tokens: one use, ten minutes", explains each rule.
///
/// Grade it with `workbook exercise 9`, or `workbook watch 9` to re-grade on every save.
public func joinTokenDecision(
    presented: String, stored: [StoredJoinToken], trustDomain: TrustDomain, now: Date
) throws(ExerciseError) -> JoinTokenDecision {
    throw .notDone
}
