import ExerciseKit
import SpiffeIdentity
import X509

/// Exercise `bundle-choice` (Day 6): which trust domain's bundle must verify this leaf?
///
/// A validator holds one bundle per trust domain it trusts: its own, and those it federates
/// with. A bundle vouches for its own trust domain only, so the validator picks it by the trust
/// domain of the SPIFFE ID the leaf carries (SPIFFE Trust Domain and Bundle §3), never by the
/// issuer or subject names, which any CA can fill in as it likes. The ID is the leaf's URI SAN:
/// exactly one URI SAN in all, whatever its scheme (X509-SVID §2), holding a valid SPIFFE ID
/// (SPIFFE-ID §2) with a path, since an ID without one names no workload (X509-SVID §3.1).
///
/// Return the trust domain from `held` whose bundle must verify `leaf`, or nil when the leaf
/// carries no such ID or no bundle is held for its trust domain. Day 6, "Which bundle verifies
/// an SVID", explains the rules.
///
/// Grade it with `workbook exercise 6`, or `workbook watch 6` to re-grade on every save.
public func bundleTrustDomain(for leaf: Certificate, among held: Set<TrustDomain>) throws(ExerciseError) -> TrustDomain? {
    throw .notDone
}
