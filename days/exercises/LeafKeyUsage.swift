import ExerciseKit
import X509

/// Exercise `leaf-key-usage` (Day 3): check 3 of the X509-SVID validator.
///
/// A leaf SVID's key signs TLS handshakes and nothing else. So the leaf must carry the key usage
/// extension, marked critical, with digitalSignature set and neither keyCertSign nor cRLSign
/// (X509-SVID §4.3; keyEncipherment and keyAgreement may be set). Day 3, "Check 3", explains why
/// each bit matters.
///
/// Return nil when `leaf` meets the rule, or one sentence naming the part it breaks.
/// Grade it with `workbook exercise 3`, or `workbook watch 3` to re-grade on every save.
public func leafKeyUsageProblem(_ leaf: Certificate) throws(ExerciseError) -> String? {
    throw .notDone
}
