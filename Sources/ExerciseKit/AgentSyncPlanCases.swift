import Foundation
import SpiffeIdentity

/// The cases for `agent-sync-plan` (Day 8): one sync of a SPIRE agent's cache. A CSR for every
/// authorized entry with no SVID held, an SVID signed for another revision, or an SVID with at
/// most half of its notBefore..notAfter window left; every held SVID whose entry is no longer
/// authorized dropped, and not renewed (pkg/agent/manager/sync.go `updateCache`, and
/// pkg/common/rotationutil without its jitter).
///
/// Goes to Sources/ExerciseKit/AgentSyncPlanCases.swift.
public enum AgentSyncPlanCases {
    public static let exercise = Exercise(
        id: "agent-sync-plan", day: 8, title: "The agent's sync: which entries need a CSR, which SVIDs go",
        file: "Sources/Exercises/AgentSyncPlan.swift",
        hints: [
            "Look the held SVIDs up in a dictionary before you walk the entries. Which field of an entry is unique, and which one may two entries share?",
            "An SVID can be fine now and due in a minute: compare the time left with half of the certificate's own window, notBefore to notAfter. What an entry's TTL asks for and what a certificate got can differ, by 10 s or by much more.",
            "Walk the held SVIDs as well as the entries: an SVID can outlive the entry it was made for. What does the agent do with it, and what does it not do?",
        ])

    /// `implementation` returns the plan for `held` and `authorized` at the given time.
    public static func cases(
        _ implementation: @escaping @Sendable ([HeldSVID], [AuthorizedEntry], Date) throws(ExerciseError) -> SyncPlan
    ) -> [GradingCase] {
        // Whole seconds around one fixed moment: the time the first SVIDs were signed.
        let signed = Date(timeIntervalSince1970: 1_798_761_600)   // 2027-01-01T00:00:00Z
        let provisioning = try! SpiffeID("spiffe://example.org/ns/prod/sa/provisioning")
        let worker = try! SpiffeID("spiffe://example.org/ns/prod/sa/worker")
        let reports = try! SpiffeID("spiffe://example.org/ns/prod/sa/reports")
        let admin = try! SpiffeID("spiffe://example.org/ns/prod/sa/provisioning-admin")
        let legacy = try! SpiffeID("spiffe://example.org/ns/prod/sa/legacy-importer")

        func entry(_ entryID: String, _ id: SpiffeID, revision: Int64 = 1, ttl: Int = 3600) -> AuthorizedEntry {
            AuthorizedEntry(entryID: entryID, revision: revision, spiffeID: id, x509SVIDTTL: ttl)
        }
        /// An SVID valid from `from` through `to`, in seconds after `signed`. SPIRE's shape by
        /// default: signed at 0, notBefore 10 s earlier, notAfter one hour later.
        func svid(_ entryID: String, _ id: SpiffeID, revision: Int64 = 1, from: TimeInterval = -10, to: TimeInterval = 3600) -> HeldSVID {
            HeldSVID(entryID: entryID, entryRevision: revision, spiffeID: id, notBefore: signed + from, notAfter: signed + to)
        }
        func sync(_ name: String, held: [HeldSVID], authorized: [AuthorizedEntry], at: TimeInterval,
                  csr: Set<String> = [], drop: Set<String> = []) -> GradingCase {
            let expected = SyncPlan(csrFor: csr, drop: drop)
            let now = signed + at
            return GradingCase(name: name, expected: expected.description) {
                do throws(ExerciseError) {
                    let got = try implementation(held, authorized, now)
                    return got == expected ? .passed : .failed(got: got.description)
                } catch { return .notDone }
            }
        }

        return [
            sync("a fresh agent: two entries authorized, no SVID held yet",
                 held: [],
                 authorized: [entry("e-provisioning", provisioning), entry("e-worker", worker)],
                 at: 0, csr: ["e-provisioning", "e-worker"]),
            sync("a quiet sync: one entry, its SVID signed a minute ago for the same revision",
                 held: [svid("e-provisioning", provisioning)],
                 authorized: [entry("e-provisioning", provisioning)],
                 at: 60),
            sync("the SVID 29 min 50 s after signing: 1810 s of its 3610 s left, not due yet",
                 held: [svid("e-provisioning", provisioning)],
                 authorized: [entry("e-provisioning", provisioning)],
                 at: 1790),
            sync("the SVID 29 min 58 s after signing: the 10 s backdate counts, so half of 3610 s has passed",
                 held: [svid("e-provisioning", provisioning)],
                 authorized: [entry("e-provisioning", provisioning)],
                 at: 1798, csr: ["e-provisioning"]),
            sync("exactly half left: an SVID with no backdate, 30 minutes into its hour",
                 held: [svid("e-provisioning", provisioning, from: 0)],
                 authorized: [entry("e-provisioning", provisioning)],
                 at: 1800, csr: ["e-provisioning"]),
            sync("the entry changed (revision 4; the SVID was signed for revision 3), its SVID a minute old",
                 held: [svid("e-provisioning", provisioning, revision: 3)],
                 authorized: [entry("e-provisioning", provisioning, revision: 4)],
                 at: 60, csr: ["e-provisioning"]),
            sync("an SVID cut back to its CA's notAfter (20 min in all), its entry unchanged, 2 minutes after signing",
                 held: [svid("e-provisioning", provisioning, to: 1190)],
                 authorized: [entry("e-provisioning", provisioning)],
                 at: 120),
            sync("the same capped SVID 10 min 5 s after signing: half of its 1200 s window has passed",
                 held: [svid("e-provisioning", provisioning, to: 1190)],
                 authorized: [entry("e-provisioning", provisioning)],
                 at: 605, csr: ["e-provisioning"]),
            sync("an entry was deleted: its SVID is dropped, and no CSR is sent for it",
                 held: [svid("e-provisioning", provisioning), svid("e-worker", worker)],
                 authorized: [entry("e-provisioning", provisioning)],
                 at: 60, drop: ["e-worker"]),
            sync("a deleted entry whose SVID has also expired: drop it, do not renew it",
                 held: [svid("e-worker", worker)],
                 authorized: [],
                 at: 7200, drop: ["e-worker"]),
            sync("an entry deleted and created again with the same SPIFFE ID: a new entry ID, so a CSR for it, and the old SVID dropped",
                 held: [svid("e-provisioning", provisioning)],
                 authorized: [entry("e-provisioning-2", provisioning)],
                 at: 60, csr: ["e-provisioning-2"], drop: ["e-provisioning"]),
            sync("two entries that give the same SPIFFE ID (with other selectors), an SVID held for the first only",
                 held: [svid("e-provisioning", provisioning)],
                 authorized: [entry("e-provisioning", provisioning), entry("e-provisioning-alt", provisioning)],
                 at: 60, csr: ["e-provisioning-alt"]),
            sync("an SVID that expired while the server was down for two hours",
                 held: [svid("e-provisioning", provisioning)],
                 authorized: [entry("e-provisioning", provisioning)],
                 at: 7200, csr: ["e-provisioning"]),
            sync("not valid yet: this machine's clock is 5 minutes behind the server's",
                 held: [svid("e-provisioning", provisioning)],
                 authorized: [entry("e-provisioning", provisioning)],
                 at: -300),
            sync("a full sync: one entry new, one changed, one SVID due, one quiet, one entry deleted",
                 held: [
                    svid("e-provisioning", provisioning, revision: 2, from: 1790, to: 5400),
                    svid("e-worker", worker),
                    svid("e-reports", reports, from: 1840, to: 5450),
                    svid("e-legacy", legacy, from: 1840, to: 5450),
                 ],
                 authorized: [
                    entry("e-provisioning", provisioning, revision: 2),
                    entry("e-worker", worker),
                    entry("e-reports", reports, revision: 2),
                    entry("e-admin", admin),
                 ],
                 at: 1900, csr: ["e-worker", "e-reports", "e-admin"], drop: ["e-legacy"]),
        ]
    }
}
