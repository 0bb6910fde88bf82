import ExerciseKit
import X509

/// Exercise `leaf-key-usage` (Day 3): the key usage check of the X509-SVID validator.
///
/// A leaf SVID's key authenticates TLS handshakes and must never sign certificates or revocation
/// lists. So the leaf must carry the key usage extension, marked critical, with digitalSignature
/// set and neither keyCertSign nor cRLSign (X509-SVID §4.3; keyEncipherment and keyAgreement may
/// be set). §4.3 says what every SVID must carry; a validator's own list (§5.2) only requires
/// rejecting keyCertSign and cRLSign, but the course's validator, and this exercise, check it all.
/// Day 3, "Leaf or signing certificate", explains why each bit matters.
///
/// Return nil when `leaf` meets the rule, or one sentence naming the part it breaks.
/// Grade it with `workbook exercise 3`, or `workbook watch 3` to re-grade on every save.
public func leafKeyUsageProblem(_ leaf: Certificate) throws(ExerciseError) -> String? {
    throw .notDone
}
