import ExerciseKit
import Foundation
import X509

/// Exercise `renewal-due` (Day 16): is this SVID due for renewal, read from its own validity fields?
///
/// A certificate is valid from notBefore through notAfter, both included (RFC 5280 §4.1.2.5);
/// that span is its lifetime. SPIRE's agent renews an X509-SVID once at most half of that
/// lifetime is left (pkg/common/rotationutil, `shouldRotateX509`), adding ±10 % jitter, which you
/// leave out here. The lifetime is what the certificate says, not the TTL an entry asked for:
/// SPIRE's notBefore lies 10 s before the moment of signing, and a notAfter may be cut back to the
/// signing CA's own notAfter. The X509-SVID standard sets no renewal rule; this is SPIRE's.
/// Day 16, "Validity: the backdate and the cap", explains both.
///
/// Return, for `leaf` at the time `now`:
/// - `fractionLeft`: the time left until notAfter divided by the lifetime, kept between 0 and 1
///   (0 once notAfter has passed, 1 while notBefore is still ahead);
/// - `renewNow`: true when the time left is at most half of the lifetime (so also when the SVID
///   has expired), false otherwise (so also before notBefore).
/// The grader accepts a fractionLeft within 0.01 of its own.
///
/// Grade it with `workbook exercise 16`, or `workbook watch 16` to re-grade on every save.
public func renewalAdvice(for leaf: Certificate, at now: Date) throws(ExerciseError) -> RenewalAdvice {
    throw .notDone
}
