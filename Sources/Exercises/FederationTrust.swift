import ExerciseKit
import SpiffeIdentity

/// Exercise `federation-trust` (Day 20): which bundle may a workload validate a peer with, after
/// its agent has federated with other trust domains?
///
/// The agent holds one bundle per trust domain, `held`, each under the name of the trust domain
/// it was configured or fetched for: the bundle names no trust domain itself (SPIFFE_Federation
/// §5.1). A workload validating the peer `peer` answers as follows:
/// - the peer's trust domain picks the bundle, and nothing else does (§7.3);
/// - the workload's own trust domain's bundle comes with every SVID; a foreign one reaches it only
///   if its entry federates with that trust domain (`federatesWith`, from `-federatesWith`).
///   Otherwise `.notFederated`, whether the agent holds that bundle or not;
/// - bundles are looked up by the name they are held under, compared as trust domains, never by
///   what their certificates say about themselves: a CA in partner.example's bundle that names
///   another trust domain is still one of partner.example's keys, and no other trust domain's;
/// - no bundle under that name: `.noBundle`; more than one: `.ambiguous` (a bundle map naming a
///   trust domain twice must be rejected, Trust Domain and Bundle §5.1.1);
/// - a bundle with no X.509 authority (`keys` empty, or JWT keys only): `.trustsNothing` (§4.1.3);
/// - otherwise `.validateWith` that held bundle, exactly as held: never merged with another
///   (§4.2).
/// Check in that order. Day 20, "Where a foreign bundle goes" and "Never merge", explains the rules.
///
/// Grade it with `workbook exercise 20`, or `workbook watch 20` to re-grade on every save.
public func peerBundle(
    for peer: SpiffeID, ownTrustDomain: TrustDomain, federatesWith: [TrustDomain], held: [HeldBundle]
) throws(ExerciseError) -> PeerBundle {
    throw .notDone
}
