import ExerciseKit
import Foundation
import X509

/// Exercise `chain-to-bundle` (Day 17): the heart of check 5, built without a library.
///
/// The bundle has been chosen by the trust domain of the leaf's SPIFFE ID (Day 6), and checks 1
/// to 4 have passed on the leaf. Now find the path that RFC 5280 §6.1 validates, from `leaf` up to
/// one of `authorities` (the bundle's CAs). At each step up, the next certificate is one that
///  - has the current certificate's issuer name as its subject, and whose public key verifies the
///    current certificate's signature (a matching name alone is only a label);
///  - is a CA: basic constraints with cA true (RFC 5280 §6.1.4(k));
///  - has keyCertSign in its key usage, when it has a key usage extension (§6.1.4(n));
///  - is valid at `time`: notBefore <= time <= notAfter, both ends included (§6.1.3(a)(2)).
/// Look among `authorities` first: a bundle CA ends the path. Otherwise take the next one from
/// `presented`, the certificates the peer sent after its leaf, in any order and perhaps with
/// certificates that belong to no path. Nothing in `presented` is trusted by itself, not even a
/// self-signed CA. No certificate may appear twice in a path, and a path holds at most
/// `maximumLength` certificates, the leaf and the bundle CA included. No case needs you to go
/// back and try a second candidate. (RFC 5280 has more rules, such as pathLenConstraint and name
/// constraints; the library applies them in the real check 5, and the cases here need none.)
///
/// Return the path, leaf first and the bundle CA last, or nil when no path reaches the bundle.
/// Day 17, "Layer one: RFC 5280 path validation", explains the rules.
///
/// Grade it with `workbook exercise 17`, or `workbook watch 17` to re-grade on every save.
public func pathToBundle(
    leaf: Certificate,
    presented: [Certificate],
    authorities: [Certificate],
    at time: Date,
    maximumLength: Int
) throws(ExerciseError) -> [Certificate]? {
    throw .notDone
}
