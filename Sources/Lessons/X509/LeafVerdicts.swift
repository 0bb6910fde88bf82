import SpiffeIdentity
import Synchronization
import X509

/// What checks 1–3 found for leaves that passed them, remembered by the leaf's bytes.
///
/// Checks 1–3 read nothing but the leaf certificate, so a leaf that passed them once passes them
/// again, with the same findings. A TLS server sees the same peer SVID on handshake after
/// handshake until it rotates (an hour, by SPIRE's default), so those findings are kept and put
/// into the report again instead of being worked out again. Nothing else is: check 4 depends on
/// the time, check 5 (the signature and the path) on the bundle, check 6 on the caller, and all
/// three run on every validation. As in `ParsedCertificates`, the key is the whole certificate,
/// compared in full on a hit; a leaf that failed is checked afresh every time, so its report
/// says exactly why.
enum LeafVerdicts {
    /// What checks 1–3 found: the leaf's SPIFFE ID and their three results.
    struct Verdict: Sendable {
        let id: SpiffeID
        let results: [ValidationReport.Result]
    }

    /// Enough for the peers of a busy server; the memory starts over when full.
    static let capacity = 256
    private static let passed = Mutex<[Certificate: Verdict]>([:])

    /// Runs `checks` (checks 1–3, recording into `report`) unless the chain's leaf is one that
    /// passed them before, in which case their results go into `report` as they were.
    static func check(
        _ chain: [Certificate],
        into report: inout ValidationReport,
        _ checks: (inout ValidationReport) throws(SVIDCheckFailure) -> (Certificate, SpiffeID)
    ) throws(SVIDCheckFailure) -> (Certificate, SpiffeID) {
        // The chain's length is check 1's too, and it is a property of the chain, not the leaf.
        if chain.count <= SVIDValidator.maximumChainLength, let leaf = chain.first,
           let known = passed.withLock({ $0[leaf] }) {
            report.spiffeID = known.id
            report.append(known.results)
            return (leaf, known.id)
        }
        let before = report.results.count
        let (leaf, id) = try checks(&report)
        let verdict = Verdict(id: id, results: Array(report.results[before...]))
        passed.withLock { passed in
            if passed.count >= capacity { passed.removeAll(keepingCapacity: true) }
            passed[leaf] = verdict
        }
        return (leaf, id)
    }
}
