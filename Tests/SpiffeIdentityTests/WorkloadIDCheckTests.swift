import Testing
@testable import SpiffeIdentity

@Suite struct WorkloadIDCheckTests {
    let check = WorkloadIDCheck()

    @Test func everyLineIsJudgedInOrderBlankLinesIncluded() {
        let verdicts = check.judge("spiffe://example.org/ns/prod/sa/a\n\nspiffe://example.org\nspiffe://example.org/a/\n")
        #expect(verdicts.map(\.line) == [1, 2, 3, 4])
        #expect(verdicts.map(\.valid) == [true, false, false, false])
        #expect(verdicts[1].reason == "the SPIFFE ID is empty")
        // The root ID is a valid SPIFFE ID, but not a workload's.
        #expect(verdicts[2].reason?.contains("trust domain's own ID") == true)
        #expect(verdicts[3].reason?.contains("trailing slashes") == true)
    }

    @Test func reasonsAreTheParsersOwn() throws {
        for text in ["spiffe://td:8080/a", "spiffe://user@td/a", "spiffe://td/a?x=1", "http://td/a", "spiffe://td/a/../b", "spiffe://[::1]/a"] {
            let verdict = try #require(check.judge(text).first)
            #expect(!verdict.valid)
            do {
                _ = try SpiffeID(text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(verdict.reason == error.description, "\(text)")
            }
        }
    }

    @Test func crlfFilesReadLikeLFFiles() {
        #expect(check.judge("spiffe://example.org/a\r\nspiffe://example.org/b\r\n").map(\.valid) == [true, true])
    }

    @Test(arguments: [
        ("spiffe://example.org/ns/prod/sa/db-password-hunter2", "secret"),
        ("spiffe://example.org/ns/prod/sa/aB3kZ9qLm2Xp7Rt5Vw8Yc", "secret"),
        ("spiffe://example.org/billing/key-7f3a9c2e41d8b6a0", "secret"),
        ("spiffe://example.org/ci/sk-proj-Ab3dEf6hIj9kLm2nOp5q", "secret"),
        ("spiffe://example.org/ci/ghp_R4nd0mT0k3nV4lu3Xy9Zq8Wp7Lk6Mj5Nh4", "secret"),
        ("spiffe://example.org/users/alice/sa/x", "person"),
        ("spiffe://example.org/team/payments/sa/x", "team or role"),
        ("spiffe://example.org/ns/prod/sa/web/v2", "version"),
        ("spiffe://example.org/ns/prod/sa/web/1.4.2", "version"),
        ("spiffe://example.org/ns/prod/sa/api-v3", "version"),
        ("spiffe://example.org/ns/prod/sa/v2beta1", "version"),
        ("spiffe://example.org/ns/prod/host/ip-10-0-3-17", "IP address"),
        ("spiffe://example.org/ns/prod/host/10-0-3-17", "IP address"),
        ("spiffe://example.org/ns/prod/host/10.0.3.17", "IP address"),
        ("spiffe://example.org/ns/prod/host/web.prod.example.com", "host name"),
        ("spiffe://example.org/ns/prod/sa/x/i-0abc123def4567890", "instance"),
        ("spiffe://example.org/ns/prod/pod/web-7d4b9c8f6-x2k9p", "instance"),
        ("spiffe://example.org/spire/agent/x", "reserved"),
    ])
    func designWarningsAreAdvice(id: String, word: String) throws {
        let verdict = try #require(check.judge(id).first)
        #expect(verdict.valid, "a warning never rejects: \(id)")
        #expect(verdict.warnings.contains { $0.contains(word) }, "\(id): \(verdict.warnings)")
    }

    /// Names a reviewer found flagged wrongly: a service's purpose is not a secret, a version in
    /// the middle names the workload, an opaque ULID is one of the spec's own styles.
    @Test(arguments: [
        "spiffe://example.org/ns/prod/sa/token-exchange",
        "spiffe://example.org/ns/prod/sa/password-reset",
        "spiffe://example.org/ns/prod/sa/credential-issuer",
        "spiffe://example.org/ns/prod/sa/secrets-manager-proxy",
        "spiffe://example.org/ns/prod/sa/provisioning-v2-migrator",
        "spiffe://example.org/ns/prod/sa/provisioningservice2024worker",
        "spiffe://example.org/workload/01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "spiffe://example.org/workload/8c1f2a8e-3b4d-4e5f-9a6b-7c8d9e0f1a2b",
        "spiffe://example.org/ns/com.example.provisioning",
        "spiffe://example.org/aws/123456789012/us-east-1/lambda/x",
    ])
    func ordinaryNamesGetNoWarning(id: String) throws {
        let verdict = try #require(check.judge(id).first)
        #expect(verdict.valid && verdict.warnings.isEmpty, "\(id): \(verdict.warnings)")
    }

    @Test func aGoodSchemeHasNoWarnings() {
        let verdicts = check.judge("""
            spiffe://example.org/ns/prod/sa/provisioning
            spiffe://example.org/ns/prod/sa/billing
            spiffe://example.org/ns/staging/sa/provisioning
            """)
        #expect(verdicts.allSatisfy { $0.valid && $0.warnings.isEmpty }, "\(verdicts)")
    }

    @Test func withNoMajorityTheDepthsAreSaidToDiffer() {
        let verdicts = check.judge("spiffe://example.org/ns/prod/sa/a\nspiffe://example.org/b\n")
        #expect(verdicts[0].warnings == ["the IDs here have different depths (1, 4 segments): is the naming scheme consistent?"], "\(verdicts)")
        #expect(verdicts[1].warnings.isEmpty, "a tie goes to no one; only the IDs off the smaller depth are named")
    }

    @Test func anIDOffTheUsualDepthIsFlagged() {
        let verdicts = check.judge("spiffe://example.org/ns/prod/sa/a\nspiffe://example.org/ns/prod/sa/b\nspiffe://example.org/lambda/c\n")
        #expect(verdicts[0].warnings.isEmpty && verdicts[1].warnings.isEmpty)
        #expect(verdicts[2].warnings == ["2 path segments where most IDs here have 4: is the naming scheme consistent?"])
    }
}
