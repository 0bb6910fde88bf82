import Foundation
import TestSupport
import Testing

/// The workbook's --live path against an endpoint that answers: the local agent, with an entry
/// for this test's uid. Steps with a live form ask the agent and are labelled [live]; steps
/// without one run simulated and say so; evidence checks run the step against the endpoint.
@Suite("workbook --live against the local agent", .serialized)
struct WorkbookLiveTests {
    @Test("run 14 --live: fetch asks the agent and gets the registered ID; the others say they ran simulated; check's evidence asks the agent too")
    func runAndCheckLive() async throws {
        let agent = try AgentHarness()
        // The tests run as root: register uid 0 as service-a.
        try await agent.createEntry("spiffe://example.org/service-a", selectors: ["unix:uid:0"])
        try await agent.start()
        defer { agent.stop() }

        let home = agent.root.appendingPathComponent("home")
        // check grades Day 14's exercise too: with the grader prebuilt, not built inside `swift
        // test` (whose lock on .build a build would wait for).
        let env = ["WORKBOOK_HOME": home.path, "NO_COLOR": "1", "PAGER": "cat", "SPIFFE_ENDPOINT_SOCKET": agent.endpoint,
                   "WORKBOOK_EXERCISE_GRADER": try TestSupport.product("exercise-grader").path]
        func workbook(_ args: [String]) async throws -> TestSupport.ProcessResult {
            try await TestSupport.run(TestSupport.product("workbook").path, args, env: env,
                                unsetting: ["WORKBOOK_DAYS", "WORKBOOK_SOURCES", "COLUMNS"], currentDirectory: agent.root)
        }

        let run = try await workbook(["run", "14", "--live", "--plain"])
        #expect(run.status == 0, "\(run)\n\(agent.log)")
        #expect(run.stdout.contains("(live where a step has a live form, simulated otherwise)"), "\(run.stdout)")
        #expect(run.stdout.contains("[ok] fetch ran as expected [live]"), "\(run.stdout)")
        #expect(run.stdout.contains("SPIFFE ID:         spiffe://example.org/service-a"), "\(run.stdout)")
        #expect(run.stdout.contains("[ok] agent-register ran as expected [simulated]"))
        #expect(run.stdout.contains("[ok] svid-exchange ran as expected [simulated]"))
        #expect(run.stdout.contains("3 of 3 steps ran as expected (2 simulated, 1 live)"), "\(run.stdout)")
        // The agent really was asked, by this process's uid.
        #expect(agent.log.contains("uid=0"), "\(agent.log)")

        // The SVID the step wrote is the agent's: it chains to the agent's CA, not to a simulated one.
        let header = try #require(run.stdout.split(separator: "\n").first { $0.contains("files go to ") })
        let dayDirectory = try #require(header.range(of: "files go to ").map { String(header[$0.upperBound...]) })
        let fetched = URL(fileURLWithPath: dayDirectory).appendingPathComponent("fetch")
        let verify = try await TestSupport.run("openssl", ["verify", "-CAfile", agent.dataDirectory.appendingPathComponent("ca.pem").path,
                                                     fetched.appendingPathComponent("svid.0.pem").path])
        #expect(verify.status == 0, "\(verify)")

        // Evidence checks need no answers; with --live the `step fetch` evidence asks the agent.
        let answers = agent.root.appendingPathComponent("answers.txt")
        try Data("entry-and: a\n".utf8).write(to: answers)
        let check = try await workbook(["check", "14", "--live", "--answers", answers.path, "--plain"])
        #expect(check.stdout.contains("step fetch (live) reports trust_domain = example.org"), "\(check)")
        #expect(check.stdout.contains("step svid-exchange (simulated) reports a_peer_valid = true"), "\(check)")
    }
}
