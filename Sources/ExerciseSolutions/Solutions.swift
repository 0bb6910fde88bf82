import ExerciseKit
import SpiffeIdentity
import X509

/// The reference solutions: what the grader's cases are checked against in CI, and what
/// `workbook solution N` shows. The learner edits Sources/Exercises, never this.
public enum Solutions {
    // solution: leaf-key-usage
    public static func leafKeyUsageProblem(_ leaf: Certificate) throws(ExerciseError) -> String? {
        guard let ext = leaf.extensions[oid: .X509ExtensionID.keyUsage] else {
            return "the key usage extension is missing; every SVID must have one"
        }
        guard ext.critical else { return "the key usage extension is not marked critical" }
        guard let usage = try? KeyUsage(ext) else { return "the key usage extension does not parse" }
        if usage.keyCertSign { return "keyCertSign is set: a leaf SVID must not sign certificates" }
        if usage.cRLSign { return "cRLSign is set: a leaf SVID must not sign revocation lists" }
        if !usage.digitalSignature { return "digitalSignature is missing: the key could not sign a handshake" }
        return nil
    }
    // end-solution

    // solution: peer-authorization
    public static func isAuthorized(_ peer: SpiffeID, _ allowed: AllowedPeers) throws(ExerciseError) -> Bool {
        switch allowed {
        case .exactly(let id): return peer == id
        case .anyOf(let ids): return ids.contains(peer)
        case .memberOf(let trustDomain): return peer.trustDomain == trustDomain
        }
    }
    // end-solution
}
