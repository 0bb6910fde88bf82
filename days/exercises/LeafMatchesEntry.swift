import ExerciseKit
import Foundation
import X509

/// Exercise `leaf-matches-entry` (Day 13): is this leaf what SPIRE's server makes for its entry?
///
/// The server signs a workload's X509-SVID from the agent's CSR, but takes nothing from the CSR
/// except the public key: everything else comes from the registration entry and from SPIRE's own
/// template (pkg/server/credtemplate). For an entry without `-dns` names, as every entry here is,
/// that gives a leaf with
///
/// 1. exactly one URI SAN (X509-SVID §2: exactly one, never none or two),
/// 2. and that URI SAN is the entry's SPIFFE ID, exactly (a SPIFFE ID's path is case-sensitive);
/// 3. notBefore 10 s before signing and notAfter the TTL after signing, cut back to the signing
///    CA's notAfter if that comes first: so notAfter = min(notBefore + TTL + 10 s, caNotAfter).
///    The TTL is the entry's `-x509SVIDTTL`, or the server's `default_x509_svid_ttl` when the
///    entry's is 0 (created without one);
/// 4. the subject C=US, O=SPIRE, SPIRE's default (credtemplate's DefaultX509SVIDSubject), with
///    nothing added: SPIRE adds a CN only when an entry has DNS names;
/// 5. a basic constraints extension that says cA false (X509-SVID §4.1; SPIRE always writes it).
///
/// Return nil when `leaf` meets all five, or the first it breaks, in this order: `.uriSANCount`,
/// `.spiffeID`, `.lifetime`, `.subject`, `.ca`. Each leaf the grader tries breaks at most one.
/// Day 13, "From entry to leaf", has the rules and where SPIRE makes each one.
///
/// Grade it with `workbook exercise 13`, or `workbook watch 13` to re-grade on every save.
public func leafMismatch(_ leaf: Certificate, for issuance: EntryIssuance) throws(ExerciseError) -> LeafMismatch? {
    throw .notDone
}
