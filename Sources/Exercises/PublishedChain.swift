// Sources/Exercises/PublishedChain.swift (and its identical copy days/exercises/PublishedChain.swift)
import ExerciseKit
import X509

/// Exercise `published-chain` (Day 18): did the peer send enough to reach your bundle?
///
/// In a TLS handshake each side sends a certificate list: its own certificate first, then the
/// certificates that lead from it towards a trust anchor. The anchor itself may be left out, and
/// a receiver should cope with extra certificates and with intermediates in any order (RFC 8446
/// §4.4.2). A SPIFFE peer must therefore send its leaf SVID and every intermediate between that
/// leaf and a CA in the bundle you hold for its trust domain. Under an UpstreamAuthority, SPIRE's
/// own CA is such an intermediate, so a peer that sends only its leaf cannot be validated. An
/// anchor is never taken from the peer: only `bundle` can end a path.
///
/// Return the path from the leaf to the bundle: leaf first, then the presented certificates you
/// climbed through, and last the CA from `bundle` that signed the one before it. Return nil
/// when there is no such path. The rules:
/// - the first presented certificate is the sender's own and must be a leaf (not a CA);
/// - a certificate is issued by another when its issuer name equals the other's subject name and
///   the other's public key verifies its signature;
/// - every presented certificate you climb through must be a CA (basic constraints cA true,
///   RFC 5280 §6.1.4(k)).
/// Validity periods, key usage and the SPIFFE ID are the validator's business (Day 17), not
/// this function's. Day 18, "The chain on the wire", explains why the chain must be whole.
///
/// Grade it with `workbook exercise 18`, or `workbook watch 18` to re-grade on every save.
public func publishedPath(_ presented: [Certificate], bundle: [Certificate]) throws(ExerciseError) -> [Certificate]? {
    throw .notDone
}
