import Foundation
import SpiffeIdentity

/// The cases for `entry-matching` (Day 11): which registration entries an attested workload
/// matches, and the order of its SVIDs. AND inside an entry, OR across entries, an entry without
/// selectors never matches, and the order is by entry ID compared byte by byte, as SPIRE's agent
/// does (pkg/agent/manager/cache: `getRecordsForSelectors` in lru_cache.go, `sortIdentities` in
/// util.go). The first SVID is the default identity (SPIFFE Workload API §8).
///
/// Every entry ID is distinct. Up to the case about operator-chosen IDs, the IDs of the entries
/// that match in one case differ in their first character, a letter, so that any sensible
/// comparison orders them the same way; the two cases after that are the ones about how IDs are
/// compared.
///
/// Goes to Sources/ExerciseKit/EntryMatchingCases.swift.
public enum EntryMatchingCases {
    public static let exercise = Exercise(
        id: "entry-matching", day: 11, title: "Selectors to SVIDs: which entries match, and in what order",
        file: "Sources/Exercises/EntryMatching.swift",
        hints: [
            "Take one entry at a time and ask a yes-or-no question about its selectors and the workload's. Which of Swift's sequence methods asks it for every element? Try your answer on an entry that has no selectors at all.",
            "The result is a list, not a set: how many SVIDs should two entries with the same SPIFFE ID give?",
            "Sort the matching entries, not the SPIFFE IDs. SPIRE compares entry IDs as Go compares strings; which of Swift's comparisons of two strings looks at one byte after another, and nothing else?",
        ])

    /// `implementation` gets the workload's selectors and the cached entries, and returns the
    /// SPIFFE IDs the workload gets, in order.
    public static func cases(
        _ implementation: @escaping @Sendable (Set<String>, [CachedEntry]) throws(ExerciseError) -> [SpiffeID]
    ) -> [GradingCase] {
        func check(_ name: String, workload: Set<String> = provisioning, _ entries: [CachedEntry],
                   expect expected: [SpiffeID]) -> GradingCase {
            let given = workload == provisioning ? "the provisioning service's selectors" : describe(workload)
            let setting = "workload: \(given); entries, as given: " + entries.map(\.description).joined(separator: "; ")
            return GradingCase(name: name, expected: "\(show(expected)) (\(setting))") {
                do throws(ExerciseError) {
                    let got = try implementation(workload, entries)
                    return got == expected ? .passed : .failed(got: show(got))
                } catch { return .notDone }
            }
        }

        let (prov, admin, deployer, metrics, web, orphan) = (Self.prov, Self.admin, Self.deployer, Self.metrics, Self.web, Self.orphan)
        let (a, b, c, d, e, f) = (Self.a, Self.b, Self.c, Self.d, Self.e, Self.f)
        let uid = "unix:uid:1000", path = "unix:path:/opt/prov/bin/provisioner", hash = "unix:sha256:\(Self.hex)"
        return [
            check("one entry, one selector the workload has: one SVID",
                  [entry(c, prov, [uid])], expect: [prov]),
            check("AND: the entry's uid and path are both among the workload's selectors",
                  [entry(c, prov, [uid, path])], expect: [prov]),
            check("AND: the uid matches but the gid does not, so the entry does not match",
                  [entry(c, prov, [uid, "unix:gid:2000"])], expect: []),
            check("no entry matches this workload: no SVIDs",
                  [entry(a, web, ["unix:uid:1001"]), entry(d, metrics, ["unix:user:metrics"])], expect: []),
            check("an entry with no selectors matches nothing, not even this workload",
                  [entry(b, admin, [])], expect: []),
            check("a workload with no selectors at all: nothing matches, not even an entry with none",
                  workload: [], [entry(b, admin, []), entry(c, prov, [uid])], expect: []),
            check("OR across entries: three entries match, so three SVIDs",
                  [entry(a, deployer, ["unix:supplementary_group:deploy"]), entry(c, prov, [uid]), entry(e, admin, [uid, hash])],
                  expect: [deployer, prov, admin]),
            check("entries arrive in any order: the SVIDs come in entry-ID order",
                  [entry(e, admin, [uid, path]), entry(a, deployer, ["unix:supplementary_gid:4200"]), entry(c, prov, ["unix:user:prov"])],
                  expect: [deployer, prov, admin]),
            check("ordered by entry ID, not by SPIFFE ID: the default is the entry with the lowest ID",
                  [entry(b, admin, [uid]), entry(f, deployer, [path])], expect: [admin, deployer]),
            check("two entries give the same SPIFFE ID and both match: two SVIDs",
                  [entry(a, prov, [uid]), entry(d, prov, [path])], expect: [prov, prov]),
            check("a selector that only begins like one of the workload's (unix:uid:100) does not match",
                  [entry(c, prov, ["unix:uid:100"])], expect: []),
            check("selectors are compared exactly: unix:user:Prov is not unix:user:prov",
                  [entry(c, prov, ["unix:user:Prov"])], expect: []),
            check("a colon inside the value: only the whole selector counts (…/provisioner:v2 is another path)",
                  [entry(c, prov, ["unix:path:/opt/prov/bin/provisioner:v2"])], expect: []),
            check("an entry that also asks for a k8s selector: the unix selectors alone do not satisfy it",
                  [entry(c, prov, [uid, "k8s:ns:prod"])], expect: []),
            check("the same selector written twice in one entry still matches",
                  [entry(c, prov, [uid, uid])], expect: [prov]),
            check("entry IDs an operator chose are compared as text: prov-1, prov-10, prov-2",
                  [entry("prov-2", admin, [uid]), entry("prov-10", deployer, [uid]), entry("prov-1", prov, [uid])],
                  expect: [prov, deployer, admin]),
            check("compared byte by byte: the entry ID Zeta comes before alpha",
                  [entry("alpha", prov, [uid]), entry("Zeta", admin, [path])], expect: [admin, prov]),
            check("a realistic cache: six entries, three of them for this workload",
                  [entry(f, web, ["unix:uid:1001", "unix:path:/opt/web/bin/web"]),
                   entry(Self.digitFirst1, prov, [uid, path]),
                   entry(d, admin, [uid, "unix:supplementary_gid:4200"]),
                   entry(Self.digitFirst2, metrics, ["unix:user:prov", "unix:gid:2000"]),
                   entry(a, deployer, [hash]),
                   entry(c, orphan, [])],
                  expect: [prov, deployer, admin]),
        ]
    }

    static func entry(_ entryID: String, _ spiffeID: SpiffeID, _ selectors: [String]) -> CachedEntry {
        CachedEntry(entryID: entryID, spiffeID: spiffeID, selectors: selectors)
    }

    static func show(_ ids: [SpiffeID]) -> String {
        guard let first = ids.first else { return "no SVIDs (the agent would answer PermissionDenied)" }
        let count = ids.count == 1 ? "1 SVID" : "\(ids.count) SVIDs"
        return "\(count): \(ids.map(\.description).joined(separator: ", ")) (default: \(first))"
    }

    static func describe(_ selectors: Set<String>) -> String {
        selectors.isEmpty ? "no selectors" : selectors.sorted().joined(separator: " ")
    }

    static func id(_ path: String) -> SpiffeID {
        do { return try SpiffeID("spiffe://example.org" + path) } catch {
            fatalError("the grader's own SPIFFE ID \(path) could not be made: \(error)")
        }
    }

    /// What the unix attestor finds for the provisioning service, run as uid 1000 with the
    /// deploy group (4200) as a supplementary group, and with discover_workload_path on.
    static let provisioning: Set<String> = [
        "unix:uid:1000", "unix:user:prov", "unix:gid:1000", "unix:group:prov",
        "unix:supplementary_gid:4200", "unix:supplementary_group:deploy",
        "unix:path:/opt/prov/bin/provisioner", "unix:sha256:\(hex)",
    ]
    static let hex = "5f2b9c0e7a41d38b6c1e0f9a2d7b4c6e8a0f1b3d5c7e9a2b4d6f8a0c1e3b5d70"

    static let prov = id("/ns/prod/sa/provisioning")
    static let admin = id("/ns/prod/sa/provisioning-admin")
    static let deployer = id("/ns/prod/sa/deployer")
    static let metrics = id("/ns/prod/sa/metrics")
    static let web = id("/ns/prod/sa/web")
    static let orphan = id("/ns/prod/sa/orphan")

    // Entry IDs shaped as SPIRE makes them (lowercase UUIDs), each starting with another letter.
    static let a = "a41f0c2e-6b7d-4e19-8c3a-5d2f1e0b9a77"
    static let b = "b7d25e90-3c1a-4f6b-a8e2-0d9c7b5a3f11"
    static let c = "c09e5b7a-1d2f-4e3a-9b8c-7d6e5f4a3b2c"
    static let d = "d3a8f1c4-7e2b-4a95-b061-2c8d4e6f0a93"
    static let e = "e5b1c7d9-0a3e-4f82-9d6b-4e1a2c3b5d08"
    static let f = "f2c6a0e8-9b4d-4c17-8e5a-6f3b1d7c9e20"
    // Two that start with a digit, for the last case: digits sort before letters.
    static let digitFirst1 = "3b9e7d1a-4c6f-4b28-a0e5-9f1c3d5b7a64"
    static let digitFirst2 = "9a1c5e3b-7d0f-4a6e-b2c8-1e4a6c8d0f35"
}
