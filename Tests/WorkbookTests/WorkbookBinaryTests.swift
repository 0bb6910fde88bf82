import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import WorkbookProtocol

/// Drives the real `workbook` binary: through pipes for --plain and --json, and through a
/// pseudo-terminal (tmux) for `check` with typed answers. Each test gets its own workspace
/// (WORKBOOK_HOME) and runs from a scratch directory, so the binary must find the lessons from
/// its own location.
@Suite(.serialized) struct WorkbookBinaryTests {
    struct Scratch {
        var directory: URL
        var home: URL
        init() throws {
            directory = try TestSupport.makeTempDirectory(prefix: "workbook-cli")
            home = directory.appendingPathComponent("home")
        }
        /// The grader is run prebuilt: a build of it inside `swift test` would wait for the lock
        /// the test run holds (only the watch test builds, with its own environment).
        var env: [String: String] {
            ["WORKBOOK_HOME": home.path, "NO_COLOR": "1", "PAGER": "cat",
             "WORKBOOK_EXERCISE_GRADER": (try? TestSupport.product("exercise-grader").path) ?? ""]
        }
        var unsetting: [String] { ["WORKBOOK_DAYS", "WORKBOOK_SOURCES", "WORKBOOK_KERNEL", "SPIFFE_ENDPOINT_SOCKET", "COLUMNS"] }

        @discardableResult
        func workbook(_ args: [String], stdin: String? = nil, env extra: [String: String] = [:]) async throws -> TestSupport.ProcessResult {
            try await TestSupport.run(TestSupport.product("workbook").path, args, env: env.merging(extra) { $1 },
                                unsetting: unsetting, stdin: stdin, currentDirectory: directory)
        }
        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func showPlainRendersDayThreeThroughAPipe() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await scratch.workbook(["show", "3", "--plain"])
        #expect(result.status == 0, "\(result)")
        let out = result.stdout
        #expect(out.hasPrefix("Day 3: Anatomy of an X509-SVID\n=============================="))
        #expect(out.contains("Agenda\n------"))
        #expect(out.contains(" Min | Activity"))
        #expect(out.contains("Check 1 of 9 (multiple choice)"))
        #expect(out.contains("a) In the subject's common name (CN)"))
        #expect(!out.contains("answer: b"), "answers are never shown")
        #expect(!out.contains("\u{1B}"), "no escape codes in a pipe")
        #expect(result.stderr.isEmpty)
        // The default width of a pipe is 80: prose fits, only code may overflow.
        let lines = out.split(separator: "\n")
        let tooLong = lines.filter { $0.count > 80 && !$0.hasPrefix("| ") && !$0.hasPrefix("> | ") }
        #expect(tooLong.isEmpty, "\(tooLong)")
        // COLUMNS narrows it.
        let medium = try await scratch.workbook(["show", "3", "--plain"], env: ["COLUMNS": "50"])
        #expect(medium.status == 0)
        #expect(medium.stdout.contains(" Field       | Leaf SVID          | Signing"), "the table shrinks to fit 50 columns")
        let narrow = try await scratch.workbook(["show", "3", "--plain"], env: ["COLUMNS": "40"])
        #expect(narrow.status == 0)
        #expect(narrow.stdout.split(separator: "\n").filter { $0.count > 40 && !$0.contains("| ") && Self.hasBreakableSpace($0) }.isEmpty)
        #expect(narrow.stdout.contains("* Field: Basic constraints"), "the table falls back to records at 40 columns")
    }

    /// Whether a line has a space outside code spans after its indentation and markers: a line
    /// without one is a single unbreakable token, which may overflow by design.
    static func hasBreakableSpace(_ line: Substring) -> Bool {
        var inCode = false
        for character in line.drop(while: { " >*".contains($0) }) {
            if character == "`" { inCode.toggle() } else if character == " " && !inCode { return true }
        }
        return false
    }

    @Test func workbookAloneStartsAtDayThreeAndThenResumes() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let first = try await scratch.workbook(["--plain"])
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains("Starting with Day 3."))
        #expect(first.stdout.contains("Day 3: Anatomy of an X509-SVID\n===="))
        #expect(FileManager.default.fileExists(atPath: scratch.home.appendingPathComponent("progress.json").path))

        let bare = try await scratch.workbook([])
        #expect(bare.status == 0)
        #expect(bare.stdout.contains("Resuming Day 3: Anatomy of an X509-SVID — steps 0/2 run, checks 0/9 right"))

        let next = try await scratch.workbook(["next"])
        #expect(next.status == 0)
        #expect(next.stdout.contains("workbook "))
    }

    @Test func listAndStatusAsJSON() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let list = try await scratch.workbook(["list", "--json"])
        #expect(list.status == 0, "\(list)")
        let days = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        let day3 = try #require(days.first { $0["day"] as? Int == 3 })
        #expect(day3["title"] as? String == "Anatomy of an X509-SVID")
        #expect(day3["state"] as? String == "not started")
        #expect(day3["checks"] as? Int == 9)
        #expect(days.contains { $0["day"] as? Int == 14 })

        let answers = scratch.directory.appendingPathComponent("answers.txt")
        try "uri-san: b\ndefault-ttl: 60 minutes\nca-id: d\nconcept uri-san: solid\n".write(to: answers, atomically: true, encoding: .utf8)
        let check = try await scratch.workbook(["check", "3", "--answers", answers.path, "--plain"])
        #expect(check.status == 1, "not every check is right yet: \(check)")
        #expect(check.stdout.contains("[ok] Right."))
        #expect(check.stdout.contains("the answer is a) spiffe://example.org."))
        // The day's exercise is graded too (its verdict depends on what the grader in .build was
        // last built from, which the watch test changes; checkGradesTheExercise… pins verdicts).
        #expect(check.stdout.contains("Exercise leaf-key-usage (Sources/Exercises/LeafKeyUsage.swift)"), "\(check.stdout)")

        let status = try await scratch.workbook(["status", "--json"])
        #expect(status.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["last_day"] as? Int == 3)
        let statusDays = try #require(object["days"] as? [[String: Any]])
        let three = try #require(statusDays.first { $0["day"] as? Int == 3 })
        #expect(three["state"] as? String == "started")
        let checks = try #require(three["checks"] as? [[String: Any]])
        #expect(checks.first { $0["id"] as? String == "uri-san" }?["correct"] as? Bool == true)
        #expect(checks.first { $0["id"] as? String == "default-ttl" }?["correct"] as? Bool == true)
        #expect(checks.first { $0["id"] as? String == "ca-id" }?["correct"] as? Bool == false)
        #expect(checks.first { $0["id"] as? String == "empty-subject" }?["correct"] as? Bool == nil)
        #expect((three["concepts"] as? [String: String])?["uri-san"] == "solid")
        #expect((three["concepts"] as? [String: String])?["short-ttl"] == "unrated")

        let plainList = try await scratch.workbook(["list", "--plain"])
        #expect(plainList.stdout.contains("[~] Day 3   Anatomy of an X509-SVID"))
    }

    /// `workbook analysis` through the binary: exit statuses, JSON, a draft made from its
    /// template, and the assembled file, all without a kernel.
    @Test func analysisCommandsExitHonestlyAndNeedNoKernel() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let noKernel = ["WORKBOOK_KERNEL": scratch.directory.appendingPathComponent("no-kernel").path]
        let check = try await scratch.workbook(["analysis", "check", "--plain"], env: noKernel)
        #expect(check.status == 1, "\(check)")
        #expect(check.stdout.contains("01-inventory.md: §1 inventory is blank"), "\(check.stdout)")
        #expect(check.stderr.contains("0 of 10 parts complete"), "\(check.stderr)")

        let edit = try await scratch.workbook(["analysis", "edit", "§2", "--no-editor", "--plain"], env: noKernel)
        #expect(edit.status == 0, "\(edit)")
        let draft = scratch.home.appendingPathComponent("analysis/02-ids.md")
        #expect(edit.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == draft.path)
        #expect(try String(contentsOf: draft, encoding: .utf8).contains("{{"))

        let status = try await scratch.workbook(["analysis", "status", "--json"], env: noKernel)
        #expect(status.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let parts = try #require(object["parts"] as? [[String: Any]])
        #expect(parts.count == 10 && parts[2]["id"] as? String == "ids" && parts[2]["has_draft"] as? Bool == true)

        let build = try await scratch.workbook(["analysis", "build", "--date", "2026-12-01", "--plain"], env: noKernel)
        #expect(build.status == 1, "written, but incomplete: \(build)")
        #expect(FileManager.default.fileExists(atPath: scratch.home.appendingPathComponent("spiffe-analysis.md").path))
        let unknown = try await scratch.workbook(["analysis", "edit", "7x", "--no-editor"], env: noKernel)
        #expect(unknown.status == 2 && unknown.stderr.contains("the analysis has no part '7x'"), "\(unknown)")
    }

    /// The front end and its kernel: `run` goes through workbook-kernel (found beside the
    /// workbook, as a plain `swift build` leaves them) in both modes; `show` needs no kernel at all.
    /// Weeks 1 and 3 (Days 15-21) end to end through the binaries: every day runs simulated, and with --live
    /// against the local agent (this process registered) the days with live steps ask it, while
    /// the others say they ran simulated; every run exits 0.
    @Test func weeksOneAndThreeRunSimulatedAndLive() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let kernel = try TestSupport.product("workbook-kernel").path
        for day in Array(3...7) + Array(15...21) {
            let run = try await scratch.workbook(["run", String(day), "--plain"], env: ["WORKBOOK_KERNEL": kernel])
            #expect(run.status == 0, "day \(day): \(run)")
            #expect(!run.stdout.contains("[FAIL]"), "day \(day): \(run.stdout)")
        }
        let agent = try AgentHarness()
        _ = try await agent.createEntry("spiffe://example.org/ns/prod/sa/provisioning", uid: Int(getuid()))
        try await agent.start()
        defer { agent.stop() }
        for day in [4, 5, 15, 16, 17, 18, 19, 20, 21] {
            let live = try await scratch.workbook(["run", String(day), "--live", "--plain"],
                                            env: ["WORKBOOK_KERNEL": kernel, "SPIFFE_ENDPOINT_SOCKET": agent.endpoint])
            #expect(live.status == 0, "day \(day) live: \(live)\n\(agent.log)")
            if [4, 5, 16, 18, 21].contains(day) {
                #expect(live.stdout.contains("[live]"), "day \(day): a step ran live: \(live.stdout)")
            }
        }
    }

    /// Week 2 runs simulated, and --live against the SPIRE model (server and agent tier as
    /// processes, the entry on the server, parented by the attested agent). Days 8-13's steps run
    /// their own model in the kernel either way; Day 14's fetch asks the model's agent.
    @Test func weekTwoRunsSimulatedAndLiveOnTheSpireModel() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let kernel = try TestSupport.product("workbook-kernel").path
        let days = Array(8...14)
        for day in days {
            let run = try await scratch.workbook(["run", String(day), "--plain"], env: ["WORKBOOK_KERNEL": kernel])
            #expect(run.status == 0, "day \(day): \(run)")
            #expect(!run.stdout.contains("[FAIL]"), "day \(day): \(run.stdout)")
        }
        let spire = try SpireHarness()
        try await spire.startServer()
        try await spire.writeBundle()
        let agent = try await spire.startAgent(["--join-token", try await spire.joinToken()])
        try await spire.createEntry("spiffe://example.org/service-a", parent: try await spire.agentID(agent), uid: Int(getuid()))
        for day in days {
            let live = try await scratch.workbook(["run", String(day), "--live", "--plain"],
                                            env: ["WORKBOOK_KERNEL": kernel, "SPIFFE_ENDPOINT_SOCKET": spire.endpoint])
            #expect(live.status == 0, "day \(day) live: \(live)\n\(agent.stderr)")
            if day == 14 {
                #expect(live.stdout.contains("[ok] fetch ran as expected [live]"), "day 14: \(live.stdout)")
                #expect(live.stdout.contains("spiffe://example.org/service-a"), "day 14: \(live.stdout)")
            }
        }
        #expect(agent.stderr.contains("workload attested: "), "the model's agent was asked")
    }

    /// `check` grades the day's exercise, and trusts an earlier pass only while the file is the
    /// one that passed. The graders here are scripts that answer as exercise-grader does.
    @Test func checkGradesTheExerciseAndTrustsAPassOnlyForTheSameFile() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let sources = scratch.directory.appendingPathComponent("checkout")
        let file = sources.appendingPathComponent("Sources/Exercises/LeafKeyUsage.swift")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestSupport.packageRoot.appendingPathComponent("days/exercises/LeafKeyUsage.swift"), to: file)
        func grader(_ name: String, _ outcome: String) throws -> String {
            let script = scratch.directory.appendingPathComponent(name)
            let result = #"{"exercise":"leaf-key-usage","expected":"nil","got":"a problem","kind":"result","name":"a leaf as SPIRE issues it","outcome":"\#(outcome)"}"#
            let end = #"{"exercise":"leaf-key-usage","kind":"end","outcome":"\#(outcome)"}"#
            try "#!/bin/sh\necho '\(result)'\necho '\(end)'\n".write(to: script, atomically: true, encoding: .utf8)
            chmod(script.path, 0o755)
            return script.path
        }
        let passing = try grader("passing-grader", "passed")
        let failing = try grader("failing-grader", "failed")
        let answers = scratch.directory.appendingPathComponent("answers.txt")
        try "uri-san: b\n".write(to: answers, atomically: true, encoding: .utf8)
        func check(_ graderPath: String) async throws -> TestSupport.ProcessResult {
            try await scratch.workbook(["check", "3", "--answers", answers.path, "--plain"],
                                 env: ["WORKBOOK_SOURCES": sources.path, "WORKBOOK_EXERCISE_GRADER": graderPath])
        }
        let first = try await check(passing)
        #expect(first.stdout.contains("[ok] leaf-key-usage: all 1 cases pass"), "\(first.stdout)")
        #expect(first.stdout.contains("1 of 1 exercise passed"), "\(first.stdout)")

        // The same file: the pass stands, and the (now failing) grader is not even asked.
        let second = try await check(failing)
        #expect(second.stdout.contains("Exercise leaf-key-usage: passed (graded"), "\(second.stdout)")
        #expect(second.stdout.contains("has not changed since"))

        // An edited file is graded again.
        try (try String(contentsOf: file, encoding: .utf8) + "// edited\n").write(to: file, atomically: true, encoding: .utf8)
        let third = try await check(failing)
        #expect(third.stdout.contains("leaf-key-usage: case \"a leaf as SPIRE issues it\" fails"), "\(third.stdout)")
        #expect(third.stdout.contains("0 of 1 exercise passed"))
        #expect(third.status == 1)
    }

    @Test func runGoesThroughTheKernelInBothModesAndShowNeedsNone() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let kernel = try TestSupport.product("workbook-kernel").path

        // Found beside the workbook (what a plain `swift build` leaves), with no variable set.
        let beside = try await scratch.workbook(["run", "3", "--step", "make-svid", "--plain"])
        #expect(beside.status == 0, "\(beside)")
        #expect(beside.stdout.contains("[ok] make-svid ran as expected [simulated]"), "\(beside)")

        let simulated = try await scratch.workbook(["run", "3", "--plain"], env: ["WORKBOOK_KERNEL": kernel])
        #expect(simulated.status == 0, "\(simulated)")
        #expect(simulated.stdout.contains("[ok] make-svid ran as expected [simulated]"), "\(simulated)")
        #expect(simulated.stdout.contains("[ok] x509/svid.0.pem is an X509-SVID for spiffe://example.org/ns/prod/sa/provisioning, valid now"), "\(simulated)")
        #expect(FileManager.default.fileExists(atPath: scratch.home.appendingPathComponent("day03/x509/svid.0.pem").path))

        // Live: an agent answers, so the run is live. Day 14's fetch has a live form and gets this
        // process's SVID from the agent; Day 3's steps have none, and each result says so.
        let agent = try AgentHarness()
        _ = try await agent.createEntry("spiffe://example.org/workbook", uid: Int(getuid()))
        try await agent.start()
        defer { agent.stop() }
        let live = try await scratch.workbook(["run", "3", "--live", "--plain"], env: ["WORKBOOK_KERNEL": kernel, "SPIFFE_ENDPOINT_SOCKET": agent.endpoint])
        #expect(live.status == 0, "\(live)")
        #expect(live.stdout.contains("running 2 steps (live where a step has a live form, simulated otherwise)"), "\(live)")
        #expect(live.stdout.contains("[ok] inspect ran as expected [simulated]"), "\(live)")
        let fetched = try await scratch.workbook(["run", "14", "--step", "fetch", "--live", "--plain"],
                                           env: ["WORKBOOK_KERNEL": kernel, "SPIFFE_ENDPOINT_SOCKET": agent.endpoint])
        #expect(fetched.status == 0, "\(fetched)\n\(agent.log)")
        #expect(fetched.stdout.contains("[ok] fetch ran as expected [live]"), "\(fetched)")
        #expect(fetched.stdout.contains("spiffe://example.org/workbook"), "the agent's answer, not a simulated one: \(fetched)")

        // No kernel at all: show renders and quotes every step from the files; run says in one
        // line what is missing and how to get it.
        let nowhere = scratch.directory.appendingPathComponent("no-kernel-here/workbook-kernel").path
        let shown = try await scratch.workbook(["show", "3", "--plain"], env: ["WORKBOOK_KERNEL": nowhere])
        #expect(shown.status == 0, "\(shown)")
        #expect(shown.stdout.contains("Step `make-svid`: Mint an X509-SVID"), "\(shown.stdout.prefix(2000))")
        #expect(shown.stdout.contains("From Sources/Lessons/X509/CertificateAuthority.swift, line"))
        let run = try await scratch.workbook(["run", "3", "--plain"], env: ["WORKBOOK_KERNEL": nowhere])
        #expect(run.status != 0)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run)")
        #expect(run.stderr.contains("the toolkit kernel (workbook-kernel) is not built yet"), "\(run)")
        #expect(run.stderr.contains(nowhere), "\(run)")
    }

    /// What a learner meets when the kernel is not what this workbook expects: each is one line
    /// that names the way out, and nothing is recorded as run.
    @Test func aKernelOfAnotherCheckoutOrABuildThatFailedIsOneLine() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // A kernel that answers with another protocol number.
        let other = scratch.directory.appendingPathComponent("other-kernel")
        try "#!/bin/sh\necho '{\"protocol\": 99}'\n".write(to: other, atomically: true, encoding: .utf8)
        chmod(other.path, 0o755)
        let mismatch = try await scratch.workbook(["run", "3", "--plain"], env: ["WORKBOOK_KERNEL": other.path])
        #expect(mismatch.status == 2, "\(mismatch)")
        #expect(mismatch.stderr.split(separator: "\n").count == 1, "\(mismatch)")
        #expect(mismatch.stderr.contains("speaks kernel protocol 99, this workbook speaks \(KernelProtocol.version)"), "\(mismatch)")
        // A kernel that crashes: its last stderr line is shown.
        let crashing = scratch.directory.appendingPathComponent("crashing-kernel")
        try "#!/bin/sh\necho 'Fatal error: boom' >&2\nkill -SEGV $$\n".write(to: crashing, atomically: true, encoding: .utf8)
        chmod(crashing.path, 0o755)
        let crashed = try await scratch.workbook(["run", "3", "--plain"], env: ["WORKBOOK_KERNEL": crashing.path])
        #expect(crashed.status == 2, "\(crashed)")
        #expect(crashed.stderr.contains("Fatal error: boom"), "\(crashed)")
        #expect(!crashed.stdout.contains("Step 1 of"), "no step is shown as run: \(crashed)")

        // The background first build failed, and no other kernel is around (a workbook alone in
        // a directory, as on a fresh clone): one line with the log's path, before any step.
        let bin = scratch.directory.appendingPathComponent("bin")
        let sources = scratch.directory.appendingPathComponent("checkout")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: sources.appendingPathComponent("Sources/Lessons/Steps"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestSupport.product("workbook"), to: bin.appendingPathComponent("workbook"))
        try FileManager.default.copyItem(at: TestSupport.packageRoot.appendingPathComponent("Sources/Lessons/Steps/registry.json"),
                                         to: sources.appendingPathComponent("Sources/Lessons/Steps/registry.json"))
        let build = scratch.home.appendingPathComponent(".kernel-build")
        try FileManager.default.createDirectory(at: build, withIntermediateDirectories: true)
        try "1\n".write(to: build.appendingPathComponent("status"), atomically: true, encoding: .utf8)
        let failed = try await TestSupport.run(bin.appendingPathComponent("workbook").path, ["run", "3", "--plain"],
            env: scratch.env.merging(["WORKBOOK_DAYS": TestSupport.packageRoot.appendingPathComponent("days").path,
                                      "WORKBOOK_SOURCES": sources.path]) { $1 },
            unsetting: ["WORKBOOK_KERNEL", "SPIFFE_ENDPOINT_SOCKET"], currentDirectory: scratch.directory)
        #expect(failed.status == 2, "\(failed)")
        #expect(failed.stderr == "workbook: building the toolkit kernel failed; the compiler's output is in \(build.appendingPathComponent("log").path)\n", "\(failed)")
        #expect(!failed.stdout.contains("Step 1 of"), "\(failed)")
    }

    /// The front end is a front end: none of the toolkit's heavy dependencies is linked into it.
    @Test func theWorkbookLinksNoGRPCTLSOrCrypto() async throws {
        let symbols = try await TestSupport.run("nm", ["--defined-only", try TestSupport.product("workbook").path], deadline: 120)
        #expect(symbols.status == 0, "\(symbols.stderr)")
        #expect(symbols.stdout.count > 10_000, "nm printed too little to judge")
        for module in ["GRPCCore", "NIOSSL", "X509", "Crypto", "SwiftProtobuf", "Lessons", "SpiffeX509"] {
            // Swift mangles a module name as <length><name>; a symbol of that module contains it.
            #expect(!symbols.stdout.contains("\(module.count)\(module)"), "the workbook links \(module)")
        }
        // BoringSSL is C: its symbols carry swift-crypto's prefix instead.
        #expect(!symbols.stdout.contains("CCryptoBoringSSL_"), "the workbook links BoringSSL")
    }

    @Test func runFourteenRunsEveryStepSimulated() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await scratch.workbook(["run", "14", "--plain"])
        #expect(result.status == 0, "\(result)")
        for id in ["agent-register", "fetch", "svid-exchange"] {
            #expect(result.stdout.contains("[ok] \(id) ran as expected [simulated]"), "\(id): \(result)")
        }
        #expect(result.stdout.contains("a: I am spiffe://example.org/service-a; my peer is spiffe://example.org/service-b: valid"))
        #expect(result.stdout.contains("b: I am spiffe://example.org/service-b; my peer is spiffe://example.org/service-a: valid"))
        #expect(result.stdout.contains("3 of 3 steps ran as expected (simulated)"), "\(result)")
    }

    @Test func commandLineMistakesAreOneLine() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        for (args, message, help) in [(["show"], "Missing expected argument '<day>'", "workbook show --help"),
                                      (["run", "three"], "The value 'three' is invalid for '<day>'", "workbook run --help")] {
            let result = try await scratch.workbook(args)
            #expect(result.status == 64, "\(args): \(result)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("workbook: \(message)"), "\(result.stderr)")
            #expect(result.stderr.contains("(see '\(help)')"), "\(result.stderr)")
        }
        let help = try await scratch.workbook(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: workbook"))
    }

    @Test func aDamagedProgressFileIsAClearErrorAndIsKept() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(at: scratch.home, withIntermediateDirectories: true)
        let file = scratch.home.appendingPathComponent("progress.json")
        let damaged = "{ \"format\": 1, \"days\": { \"day03\": "
        try damaged.write(to: file, atomically: true, encoding: .utf8)
        for args in [["status"], ["show", "3", "--plain"], ["check", "3"], []] {
            let result = try await scratch.workbook(args, stdin: "")
            #expect(result.status == 2, "\(args): \(result)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "one line: \(result.stderr)")
            #expect(result.stderr.hasPrefix("workbook: the progress file \(file.path) is damaged"))
            #expect(result.stderr.contains("left untouched"))
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == damaged)
    }

    @Test func liveWithoutAnEndpointSaysSoInOneLine() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let unset = try await scratch.workbook(["run", "3", "--live", "--plain"])
        #expect(unset.status == 2)
        #expect(unset.stderr == "workbook: live mode needs a Workload API endpoint, but SPIFFE_ENDPOINT_SOCKET is not set; run without --live for the simulated mode, or start an agent (spiffe-demo agent)\n")
        let nobody = scratch.directory.appendingPathComponent("nobody.sock")
        let dead = try await scratch.workbook(["run", "3", "--live", "--plain"], env: ["SPIFFE_ENDPOINT_SOCKET": "unix://" + nobody.path])
        #expect(dead.status == 2)
        #expect(dead.stderr.contains("nothing answers at SPIFFE_ENDPOINT_SOCKET=unix://\(nobody.path)"))
    }

    @Test func resetAsksAndKeepsABackup() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try await scratch.workbook(["show", "3", "--plain"])
        let declined = try await scratch.workbook(["reset", "3"], stdin: "n\n")
        #expect(declined.status == 1)
        #expect(declined.stdout.contains("Reset Day 3 (Anatomy of an X509-SVID)?"))
        #expect(declined.stderr == "workbook: cancelled; nothing was changed\n")
        let accepted = try await scratch.workbook(["reset", "3"], stdin: "y\n")
        #expect(accepted.status == 0, "\(accepted)")
        #expect(accepted.stdout.contains("Day 3 reset."))
        #expect(accepted.stdout.contains("progress backup: "))
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.home.path)
        #expect(names.contains { $0.hasPrefix("progress.2") && $0.hasSuffix(".json") }, "\(names)")
    }

    /// Lists, quotes and emphasis nested far deeper than any lesson: every command that reads
    /// the lesson still works (the renderer used to overflow the stack at ~900 levels).
    @Test func deeplyNestedLessonRenders() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let days = scratch.directory.appendingPathComponent("days")
        try FileManager.default.createDirectory(at: days, withIntermediateDirectories: true)
        let original = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("days/day03.md"), encoding: .utf8)
        let deep = "\n" + String(repeating: "- ", count: 900) + "deep *list* end\nsecond line\n\n"
            + String(repeating: ">", count: 50_000) + " deep-quote-end\n\n"
            + String(repeating: "*", count: 10_000) + "deep-emphasis" + String(repeating: "*", count: 10_000) + "\n\n"
        let lesson = original.replacingOccurrences(of: "## Reading\n", with: "## Reading\n" + deep)
        try lesson.write(to: days.appendingPathComponent("day03.md"), atomically: true, encoding: .utf8)
        let env = ["WORKBOOK_DAYS": days.path]

        let shown = try await scratch.workbook(["show", "3", "--plain"], env: env)
        #expect(shown.status == 0, "\(shown.status) \(shown.stderr)")
        // Past the nesting limit the text is kept as plain words, spaces and breaks included.
        let words = shown.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("deep list end second line"), "\(shown.stdout.prefix(6000))")
        #expect(shown.stdout.contains("deep-quote-end") && shown.stdout.contains("deep-emphasis"))
        for args in [["list", "--plain"], ["hint", "3", "--plain"], ["status", "--plain"]] {
            let result = try await scratch.workbook(args, env: env)
            #expect(result.status == 0, "\(args): \(result.status) \(result.stderr)")
        }
        let answers = scratch.directory.appendingPathComponent("answers.txt")
        try "uri-san: b\n".write(to: answers, atomically: true, encoding: .utf8)
        let checked = try await scratch.workbook(["check", "3", "--answers", answers.path, "--plain"], env: env)
        #expect(checked.status < 128, "\(checked.status) \(checked.stderr)")
    }

    @Test func badInputsAreOneLineErrors() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let noDay = try await scratch.workbook(["show", "2"])
        #expect(noDay.status == 2)
        #expect(noDay.stderr.hasPrefix("workbook: there is no lesson for day 2; lessons exist for days 3"))
        let answers = scratch.directory.appendingPathComponent("answers.txt")
        try "uri-san: b\nuri-sna: b\n".write(to: answers, atomically: true, encoding: .utf8)
        let badAnswers = try await scratch.workbook(["check", "3", "--answers", answers.path])
        #expect(badAnswers.status == 2)
        #expect(badAnswers.stderr.hasPrefix("workbook: \(answers.path):2: Day 3 has no check `uri-sna`"))
        let noDays = try await scratch.workbook(["list"], env: ["WORKBOOK_DAYS": scratch.directory.path])
        #expect(noDays.status == 0, "an empty days directory lists nothing")
    }

    /// A learner types answers at the prompts of `workbook check 3` in a real terminal.
    /// rustlings' loop: `workbook watch 3` runs in a terminal; the test saves a wrong solution and
    /// sees the failing case named, then the right one and sees the pass, without restarting.
    @Test func watchRegradesOnEverySave() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = TestSupport.packageRoot.appendingPathComponent("Sources/Exercises/LeafKeyUsage.swift")
        let shipped = try String(contentsOf: file, encoding: .utf8)
        defer { try? shipped.write(to: file, atomically: true, encoding: .utf8) }
        let kept = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("days/exercises/LeafKeyUsage.swift"), encoding: .utf8)
        #expect(shipped == kept, "the tracked exercise file ships as the stub the workbook keeps for reset")
        let swift = try TestSupport.resolveExecutable("swift").deletingLastPathComponent().path
        let terminal = try TerminalSession(
            command: [try TestSupport.product("workbook").path, "watch", "3"],
            env: ["WORKBOOK_HOME": scratch.home.path, "TERM": "xterm-256color", "PATH": "\(swift):/usr/bin:/bin",
                  "HOME": NSHomeDirectory(), "WORKBOOK_TEST_IGNORE_SWIFTPM_LOCK": "1"],
            currentDirectory: scratch.directory, width: 200, height: 80)
        defer { terminal.close() }
        try await terminal.waitFor("leaf-key-usage: not done yet", deadline: 600)

        let common = """
                guard let ext = leaf.extensions[oid: .X509ExtensionID.keyUsage] else { return "the key usage extension is missing" }
                guard ext.critical, let usage = try? KeyUsage(ext) else { return "not critical" }
                if usage.keyCertSign { return "keyCertSign is set" }

            """
        let wrong = shipped.replacingOccurrences(of: "    throw .notDone\n", with: common + "    return usage.digitalSignature ? nil : \"no digitalSignature\"\n")
        #expect(wrong != shipped)
        let wrongSaved = Date()
        try wrong.write(to: file, atomically: true, encoding: .utf8)
        try await terminal.waitFor("case \"cRLSign set: the leaf's key could sign revocation lists\" fails", deadline: 600)
        let wrongVerdict = Date().timeIntervalSince(wrongSaved)

        let right = shipped.replacingOccurrences(of: "    throw .notDone\n", with: common
            + "    if usage.cRLSign { return \"cRLSign is set\" }\n    return usage.digitalSignature ? nil : \"no digitalSignature\"\n")
        let rightSaved = Date()
        try right.write(to: file, atomically: true, encoding: .utf8)
        try await terminal.waitFor("leaf-key-usage: all 8 cases pass", deadline: 600)
        let rightVerdict = Date().timeIntervalSince(rightSaved)
        print("watch: edit-to-verdict \(String(format: "%.1f", wrongVerdict)) s (wrong), \(String(format: "%.1f", rightVerdict)) s (right)")

        try terminal.type("h")
        try await terminal.waitFor("hint 1 of 3:")
        try terminal.type("q")
        let (status, _) = try await terminal.waitForExit(deadline: 60)
        #expect(status == 0)
        let progress = try String(contentsOf: scratch.home.appendingPathComponent("progress.json"), encoding: .utf8)
        #expect(progress.contains("\"passed\""), "\(progress)")
    }

    @Test func checkInATerminalWithTypedAnswers() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let terminal = try TerminalSession(
            command: [try TestSupport.product("workbook").path, "check", "3"],
            env: ["WORKBOOK_HOME": scratch.home.path, "TERM": "xterm-256color", "PATH": "/usr/bin:/bin",
                  "WORKBOOK_EXERCISE_GRADER": try TestSupport.product("exercise-grader").path],
            currentDirectory: scratch.directory, width: 200, height: 80
        )
        defer { terminal.close() }
        try await terminal.waitFor("Where in an X509-SVID is the SPIFFE ID written?")
        try await terminal.waitFor("Your answer (a-d, ? for a hint, Enter to skip):")
        try terminal.type("b")
        try await terminal.waitFor("Which key usage must a leaf X509-SVID never have?")
        try terminal.type("?")
        try await terminal.waitFor("Hint: Which bits does §4.3 reserve for signing certificates?")
        try terminal.type("a")
        try await terminal.waitFor("the answer is c) keyCertSign")
        try await terminal.waitFor("except the cRLSign test. Which leaf does it wrongly accept?")
        try terminal.type("a")
        try await terminal.waitFor("What must be true of its subject")
        try terminal.type("Critical")
        try await terminal.waitFor("default lifetime")
        try terminal.type("3600s")
        try await terminal.waitFor("Which value is allowed?")
        try terminal.type("")
        try await terminal.waitFor("Should the SVID be accepted?")
        try terminal.type("c")
        // The challenge's files first (skipped: this learner has not built them), then the SVID.
        try await terminal.waitFor("Build the challenge's three certificates")
        try await terminal.waitFor("Press Enter to verify (s to skip):")
        try terminal.type("s")
        try await terminal.waitFor("Your workspace must now hold an SVID")
        try terminal.type("")
        try await terminal.waitFor("Rate yourself")
        try terminal.type("s")
        try terminal.type("p")
        try terminal.type("maybe")
        try await terminal.waitFor("(type s, p or n)")
        try terminal.type("n")
        try terminal.type("")
        try terminal.type("")
        let (status, screen) = try await terminal.waitForExit()
        #expect(status == 1, "not all right yet")
        #expect(screen.contains("✓ Right."))
        #expect(screen.contains("✗ Not quite"))
        #expect(screen.contains("This round: 5 right, 2 not yet, 2 skipped. Day 3: 5 of 9 checks right, "), "\(screen)")

        let progress = try String(contentsOf: scratch.home.appendingPathComponent("progress.json"), encoding: .utf8)
        #expect(progress.contains("\"uri-san\" : \"solid\""))
        #expect(progress.contains("\"empty-subject\" : \"partial\""))
        #expect(progress.contains("\"leaf-constraints\" : \"need review\""))
        #expect(!progress.contains("\"short-ttl\""))
        #expect(progress.contains("\"hints_shown\""))
    }

    /// Colour appears on a terminal and disappears with NO_COLOR.
    @Test func colourOnlyOnATerminalWithoutNoColor() async throws {
        for noColor in [false, true] {
            let scratch = try Scratch()
            defer { scratch.remove() }
            var env = ["WORKBOOK_HOME": scratch.home.path, "TERM": "xterm-256color", "PAGER": "cat", "PATH": "/usr/bin:/bin"]
            if noColor { env["NO_COLOR"] = "1" }
            let terminal = try TerminalSession(command: [try TestSupport.product("workbook").path, "list"],
                                               env: env, currentDirectory: scratch.directory)
            defer { terminal.close() }
            _ = try await terminal.waitForExit()
            let screen = try terminal.screen(escapes: true)
            #expect(screen.contains("Anatomy of an X509-SVID"))
            #expect(screen.contains("\u{1B}[") != noColor, "NO_COLOR=\(noColor): \(screen.debugDescription)")
        }
    }
}
