import Foundation
import Testing
import TestSupport
@testable import Workbook

/// `workbook analysis`: templates, the review of drafts, evidence, the assembled document and
/// the rule that no edit of the learner's is ever lost.
@Suite struct AnalysisTests {
    static let cover = """
        ---
        order: 0
        id: cover
        heading: Cover
        words: 5-100
        line: Service = text
        line: Date = YYYY-MM-DD
        ---
        <!-- Name the service and date the document. -->
        - **Service:** {{the service's name}}
        - **Date:** {{YYYY-MM-DD}}

        {{one paragraph on what the service does}}
        """

    static let inventory = """
        ---
        order: 1
        id: inventory
        heading: §1 Credential inventory with risk ratings
        words: 10-200
        rows: 2
        column: Risk = critical | high | medium | low
        evidence:
          - file day07/ids.txt: The IDs you checked on Day 7
          - step day16 inspect-fetched: The SVID you inspected on Day 16
          - record day12/deployment-plan: Your deployment plan from Day 12
        ---
        <!--
        A credential per row. Critical: a long-lived bearer secret many can read.
        -->
        | Credential | Lifetime | Risk |
        |---|---|---|
        | {{credential}} | {{lifetime}} | {{rating}} |

        What SPIFFE replaces: {{a sentence}}
        """

    static let recommendation = """
        ---
        order: 6
        id: recommendation
        heading: §6 Fit analysis and recommendation
        words: 3-100
        line: Recommendation = adopt | partial | defer
        ---
        Recommendation: {{adopt, partial or defer}}

        {{the reasons}}
        """

    static let internals = """
        ---
        order: 7
        id: internals
        heading: SPIRE internals notes
        words: 3-300
        ---
        ### When the server is down

        {{from day08/internals-server-down: what keeps working, what stops}}
        """

    struct Fixture {
        var root: URL
        var app: WorkbookApp
        var console: RecordingConsole
        var workspace: URL { app.paths.workspace }
        var drafts: URL { workspace.appendingPathComponent("analysis") }

        init(templates: [String: String] = [
            "00-cover.md": AnalysisTests.cover, "01-inventory.md": AnalysisTests.inventory,
            "06-recommendation.md": AnalysisTests.recommendation, "07-internals.md": AnalysisTests.internals,
        ], now: Date = Date(timeIntervalSince1970: 1_796_000_000)) throws {
            root = try TestSupport.makeTempDirectory(prefix: "analysis-test")
            let days = root.appendingPathComponent("days")
            try FileManager.default.createDirectory(at: days.appendingPathComponent("analysis"), withIntermediateDirectories: true)
            for (name, text) in templates {
                try text.write(to: days.appendingPathComponent("analysis/\(name)"), atomically: true, encoding: .utf8)
            }
            console = RecordingConsole()
            let paths = WorkbookPaths(days: days, sourceRoot: nil, workspace: root.appendingPathComponent("workspace"))
            app = WorkbookApp(paths: paths, console: console, style: .plain80, runner: .inProcess([]), now: { now })
        }

        func write(_ text: String, draft name: String) throws {
            try FileManager.default.createDirectory(at: drafts, withIntermediateDirectories: true)
            try text.write(to: drafts.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }

        func analysis() -> AnalysisDrafts { AnalysisDrafts(paths: app.paths) }

        func review(_ id: String) throws -> PartReview {
            let analysis = analysis()
            return try analysis.review(try analysis.template(named: id, in: analysis.templates()))
        }
    }

    static let completeCover = "- **Service:** provisioning-service\n- **Date:** 2026-12-01\n\nIt provisions accounts for new customers.\n"
    static let completeInventory = """
        | Credential | Lifetime | Risk |
        |---|---|---|
        | IAM access key | 1 year | critical |
        | Database password | 90 days | high |

        What SPIFFE replaces: the access key, with a one-hour SVID that nobody copies.
        """

    @Test func templatesParseAndBadHeadersNameTheirLine() throws {
        let template = try AnalysisTemplate.parse(Self.inventory, fileName: "01-inventory.md", path: "t.md")
        #expect(template.order == 1 && template.id == "inventory" && template.words == 10...200 && template.minimumRows == 2)
        #expect(template.columns == [.init(label: "Risk", form: .choices(["critical", "high", "medium", "low"]))])
        #expect(template.evidence == [
            .file(day: 7, path: "ids.txt", label: "The IDs you checked on Day 7"),
            .step(day: 16, id: "inspect-fetched", label: "The SVID you inspected on Day 16"),
            .record(day: 12, check: "deployment-plan", label: "Your deployment plan from Day 12"),
        ])
        #expect(template.body.hasPrefix("<!--"))
        for (text, line, reason) in [
            ("order: 1\nid: x\n", 1, "starts with a header"),
            ("---\norder: one\nid: x\nheading: H\n---\n", 2, "whole number"),
            ("---\norder: 1\nid: x\nheading: H\nwords: 300\n---\n", 5, "MIN-MAX"),
            ("---\norder: 1\nid: x\nheading: H\ncolumn: Risk\n---\n", 5, "LABEL = a | b | c"),
            ("---\norder: 1\nid: x\nheading: H\nevidence:\n  - file ../etc/passwd: x\n---\n", 6, "an evidence item reads"),
            ("---\norder: 1\nid: x\nheading: H\ncolour: red\n---\n", 5, "unknown key `colour`"),
        ] {
            do {
                _ = try AnalysisTemplate.parse(text, fileName: "t.md", path: "t.md")
                Issue.record("parsed: \(text)")
            } catch {
                guard case .lessonInvalid(let path, let at, let why) = error else { Issue.record("\(error)"); continue }
                #expect(path == "t.md" && at == line && why.contains(reason), "\(at): \(why)")
            }
        }
    }

    @Test func aReviewNamesEveryGapAndCompleteMeansNothingLeft() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        #expect(try fixture.review("1").state == .blank)
        #expect(try fixture.review("1").problems.map(\.message) == ["not started (workbook analysis edit 1)"])

        try fixture.write("""
            | Credential | Lifetime | Risk |
            |---|---|---|
            | IAM access key | 1 year | severe |
            | Database password |  | high |
            | {{credential}} | {{lifetime}} | {{rating}} |

            What SPIFFE replaces: {{a sentence}}
            """, draft: "01-inventory.md")
        let review = try fixture.review("§1")
        #expect(review.state == .draft)
        #expect(review.problems.map(\.message) == [
            "`Risk` is `severe`; it should be one of critical, high, medium, low",
            "the `Lifetime` cell is empty",
            "a table row is still a placeholder: fill it in or delete it",
            "an empty field: a sentence",
        ])
        #expect(review.problems.map(\.line) == [3, 4, 5, 7])

        try fixture.write("| Credential | Lifetime | Risk |\n|---|---|---|\n| IAM key | 1 year | **High** |\n", draft: "01-inventory.md")
        #expect(try fixture.review("inventory").problems.map(\.message) == [
            "1 table row filled; this part needs at least 2", "8 words, under the guide of 10–200",
        ])

        try fixture.write(Self.completeInventory, draft: "01-inventory.md")
        #expect(try fixture.review("01-inventory.md").state == .complete)
        #expect(try fixture.review("01").template.id == "inventory" && fixture.review("§ 1").template.id == "inventory")
        #expect(try fixture.review("07").template.id == "internals" && fixture.review("internals.md").template.id == "internals")

        try fixture.write("Recommendation: maybe\n\nBecause it is early.\n", draft: "06-recommendation.md")
        #expect(try fixture.review("6").problems.map(\.message) == ["`Recommendation:` is `maybe`; it should be one of adopt, partial, defer"])
        try fixture.write("**Recommendation:** Partial\n\nBecause Lambda has no agent.\n", draft: "06-recommendation.md")
        #expect(try fixture.review("6").state == .complete)
        // Past the length guide (3–100 words) is a problem too: a tech lead reads §6 in minutes.
        try fixture.write("Recommendation: partial\n\n" + String(repeating: "Lambda has no agent there. ", count: 25) + "\n", draft: "06-recommendation.md")
        let long = try fixture.review("6")
        #expect(long.state == .draft && long.problems.map(\.message) == ["\(long.words) words, over the guide of 3–100: cut it down"] && long.words > 100,
                "\(long.problems.map(\.message))")
        try fixture.write("Because Lambda has no agent.\n", draft: "06-recommendation.md")
        #expect(try fixture.review("6").problems.map(\.message) == ["no `Recommendation:` line; it should give one of adopt, partial, defer"])

        #expect(throws: WorkbookError.unknownAnalysisPart("9", known: ["cover", "1", "6", "internals"])) {
            try fixture.review("9")
        }
    }

    @Test func anEmptyWorkspaceNamesEveryPartBlankAndFails() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        #expect(try fixture.app.analysisCheck(json: false) == false)
        let lines = fixture.console.stdout.split(separator: "\n").map(String.init)
        let drafts = fixture.drafts.path
        #expect(lines == [
            "\(drafts)/00-cover.md: cover is blank: not started (workbook analysis edit cover)",
            "\(drafts)/01-inventory.md: §1 inventory is blank: not started (workbook analysis edit 1)",
            "\(drafts)/06-recommendation.md: §6 recommendation is blank: not started (workbook analysis edit 6)",
            "\(drafts)/07-internals.md: internals is blank: not started (workbook analysis edit internals)",
        ])
        #expect(fixture.console.stderr.contains("0 of 4 parts complete; 4 things to do"))
        #expect(try fixture.app.analysisStatus(json: false) == false)
        #expect(fixture.console.stdout.contains("0 of 4 parts complete"))
        #expect(fixture.console.stdout.contains("Next: workbook analysis edit cover"))
    }

    @Test func recordFieldsFillThemselvesAndEditNeverReplacesADraft() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let answer = "Agents keep serving cached SVIDs until they expire; nothing new is issued."
        try RecordedAnswers(directory: fixture.workspace.appendingPathComponent("day08"))
            .save(answer, for: "internals-server-down", now: Date())
        let review = try fixture.review("internals")
        #expect(review.state == .complete && !review.hasDraft, "\(review.problems)")

        try await fixture.app.analysisEdit(part: "internals", openEditor: false)
        let file = fixture.drafts.appendingPathComponent("07-internals.md")
        let created = try String(contentsOf: file, encoding: .utf8)
        #expect(created.contains(answer) && !created.contains("{{"))
        #expect(fixture.console.stderr.contains("created"))

        // An editor that writes the learner's text: edit opens it on the draft.
        let mine = fixture.root.appendingPathComponent("mine.md")
        try "### When the server is down\n\nMy own words, written in the editor.\n".write(to: mine, atomically: true, encoding: .utf8)
        try await fixture.app.analysisEdit(part: "internals", openEditor: true, environment: ["EDITOR": "cp '\(mine.path)'"])
        #expect(try String(contentsOf: file, encoding: .utf8).contains("My own words"))

        // A second edit without an editor keeps the learner's draft as it is.
        try await fixture.app.analysisEdit(part: "internals", openEditor: false)
        #expect(try String(contentsOf: file, encoding: .utf8).contains("My own words"))
        // No editor set: the path and how to set one, the draft untouched.
        try await fixture.app.analysisEdit(part: "internals", openEditor: true, environment: [:])
        #expect(fixture.console.stderr.contains("no editor: set EDITOR"))
        #expect(try String(contentsOf: file, encoding: .utf8).contains("My own words"))
    }

    @Test func aDamagedDraftIsAnErrorNamingItAndIsKept() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        try FileManager.default.createDirectory(at: fixture.drafts, withIntermediateDirectories: true)
        let file = fixture.drafts.appendingPathComponent("01-inventory.md")
        let bytes = Data([0x7c, 0x20, 0xff, 0xfe, 0x0a])
        try bytes.write(to: file)
        // status and check name it and still report the other parts; build refuses.
        #expect(try fixture.app.analysisCheck(json: false) == false)
        #expect(fixture.console.stdout.contains(file.path) && fixture.console.stdout.contains("not UTF-8"), "\(fixture.console.stdout)")
        #expect(fixture.console.stdout.contains("cover is blank"))
        #expect(throws: WorkbookError.self) { try fixture.app.analysisBuild() }
        #expect(try Data(contentsOf: file) == bytes)
        #expect(!FileManager.default.fileExists(atPath: fixture.workspace.appendingPathComponent("spiffe-analysis.md").path))
    }

    @Test func buildAssemblesInOrderQuotesEvidenceAndKeepsHandEdits() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        try fixture.write(Self.completeCover, draft: "00-cover.md")
        try fixture.write(Self.completeInventory, draft: "01-inventory.md")
        try fixture.write("Recommendation: partial\n\nBecause Lambda has no agent.\n", draft: "06-recommendation.md")
        // Evidence: a Day 7 file (with an escape sequence that must not survive), a step run, a record.
        let day07 = fixture.workspace.appendingPathComponent("day07")
        try FileManager.default.createDirectory(at: day07, withIntermediateDirectories: true)
        try "spiffe://prod.example/ns/prod/sa/api\nspiffe://prod.example/ns/prod/sa/\u{1b}[31mworker\n".write(to: day07.appendingPathComponent("ids.txt"), atomically: true, encoding: .utf8)
        var progress = WorkbookProgress()
        progress.update(16, now: Date(timeIntervalSince1970: 1_795_000_000)) {
            $0.steps["inspect-fetched"] = StepRecord(outcome: .passed, mode: .live, at: Date(timeIntervalSince1970: 1_795_000_000),
                                                     facts: ["spiffe_id": "spiffe://example.org/ns/prod/sa/provisioning", "lifetime_seconds": "3610"])
        }
        try ProgressStore(file: fixture.app.paths.progressFile).save(progress)
        try RecordedAnswers(directory: fixture.workspace.appendingPathComponent("day12")).save("Two servers on RDS.", for: "deployment-plan", now: Date())

        #expect(try fixture.app.analysisBuild() == false, "internals is still blank")
        let file = fixture.workspace.appendingPathComponent("spiffe-analysis.md")
        let first = try String(contentsOf: file, encoding: .utf8)
        let headings = first.split(separator: "\n").filter { $0.hasPrefix("#") }
        #expect(headings == ["# SPIFFE analysis: provisioning-service", "## §1 Credential inventory with risk ratings",
                             "### Evidence from the workbook", "## §6 Fit analysis and recommendation", "## SPIRE internals notes",
                             "### When the server is down"])
        #expect(first.contains("- **Date:** 2026-12-01"))
        #expect(!first.contains("<!--"), "guidance comments stay out of the document")
        #expect(first.contains("**The IDs you checked on Day 7**, from `day07/ids.txt` in your workspace:\n\n```text\nspiffe://prod.example/ns/prod/sa/api\n"))
        #expect(!first.contains("\u{1b}") && first.contains("\u{FFFD}[31mworker"))
        #expect(first.contains("**The SVID you inspected on Day 16**, from step `inspect-fetched` of Day 16, run live on 2026-11-18:"))
        #expect(first.contains("| lifetime_seconds | `3610` |\n| spiffe_id | `spiffe://example.org/ns/prod/sa/provisioning` |"), "\(first)")
        #expect(first.contains("**Your deployment plan from Day 12**, from your answer to `deployment-plan` on Day 12:\n\n> Two servers on RDS."))
        #expect(fixture.console.stderr.contains("1 part still incomplete: internals"))

        // The same drafts build the same bytes.
        #expect(try fixture.app.analysisBuild() == false)
        #expect(try String(contentsOf: file, encoding: .utf8) == first)
        #expect(fixture.console.stdout.contains("spiffe-analysis.md unchanged"))
        #expect(fixture.app.analysisClaim(.built).0)

        // --date replaces the cover's date.
        _ = try fixture.app.analysisBuild(date: "2027-01-15")
        #expect(try String(contentsOf: file, encoding: .utf8).contains("- **Date:** 2027-01-15"))
        #expect(fixture.app.analysisClaim(.built).0, "a --date build still counts as built from the drafts")
        #expect(throws: WorkbookError.self) { try fixture.app.analysisBuild(date: "15/01/2027") }

        // A hand edit of the assembled file survives the next build as a dated copy.
        let edited = first + "\nA line I added by hand.\n"
        try edited.write(to: file, atomically: true, encoding: .utf8)
        try fixture.write("Recommendation: adopt\n\nBecause every host has an agent.\n", draft: "06-recommendation.md")
        #expect(!fixture.app.analysisClaim(.built).0)
        _ = try fixture.app.analysisBuild()
        let kept = try FileManager.default.contentsOfDirectory(atPath: fixture.workspace.path).filter { $0.hasPrefix("spiffe-analysis.2") }
        #expect(kept == ["spiffe-analysis.20261130T005320Z.md"])
        #expect(try String(contentsOf: fixture.workspace.appendingPathComponent(kept[0]), encoding: .utf8) == edited)
        #expect(fixture.console.stderr.contains("had been edited since the last build: your version is kept as"))
        #expect(try String(contentsOf: file, encoding: .utf8).contains("Recommendation: adopt"))
        // A second edit in the same second gets its own copy.
        try (edited + "again\n").write(to: file, atomically: true, encoding: .utf8)
        _ = try fixture.app.analysisBuild()
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.workspace.path).filter { $0.hasPrefix("spiffe-analysis.2") }.count == 2)

        #expect(!fixture.app.analysisClaim(.complete).0)
        try RecordedAnswers(directory: fixture.workspace.appendingPathComponent("day08"))
            .save("Cached SVIDs keep being served until they expire.", for: "internals-server-down", now: Date())
        let claim = fixture.app.analysisClaim(.complete)
        #expect(claim.0 && claim.1 == "all 4 parts of the analysis are complete", "\(claim.1)")
        #expect(try fixture.app.analysisBuild(json: true))
        #expect(fixture.console.stdout.contains("\"outcome\" : \"written\""))
    }

    /// What a careless or hostile draft must not get past `check`, or do to `build`.
    @Test func hiddenTextCodeAndBadValuesAreCaught() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        // An unclosed comment would hide the rest of the part from the document.
        try fixture.write(Self.completeInventory + "\n<!-- TODO: ask security\n\nMore text that vanishes.\n", draft: "01-inventory.md")
        #expect(try fixture.review("1").problems.map(\.message).contains { $0.contains("a `<!--` opens here and nothing closes it") })
        // A template header copied into a draft.
        try fixture.write("---\norder: 1\nid: inventory\n---\n" + Self.completeInventory, draft: "01-inventory.md")
        #expect(try fixture.review("1").problems.map(\.line).contains(1))
        // No Risk column at all, and a row one cell short.
        try fixture.write("| Credential | Lifetime | Rating |\n|---|---|---|\n| IAM key | 1 year | bogus |\n| DB password | 90 days |\n\nWhat SPIFFE replaces: the key.\n", draft: "01-inventory.md")
        let messages = try fixture.review("1").problems.map(\.message)
        #expect(messages.contains("no table has a `Risk` column (its values: one of critical, high, medium, low)"), "\(messages)")
        #expect(messages.contains("the row has 2 cells; the header has 3"), "\(messages)")
        // Code is code: a Helm template in a fence, or in a code span, is no field to fill.
        try fixture.write("Recommendation: adopt\n\n```yaml\nname: \"{{ .Values.name }}\"\n```\n\nWe template `{{x}}` values.\n", draft: "06-recommendation.md")
        let code = try fixture.review("6")
        #expect(code.state == .complete, "\(code.problems)")
        // Only real calendar dates.
        for (text, valid) in [("2026-02-28", true), ("2028-02-29", true), ("2026-02-29", false), ("2026-02-31", false),
                              ("2026-13-01", false), ("2026-+1-01", false), ("26-01-01", false), ("２０２６-01-01", false)] {
            #expect(AnalysisTemplate.isDate(text) == valid, "\(text)")
        }
        // Control characters in a value never reach the terminal.
        try fixture.write("| Credential | Lifetime | Risk |\n|---|---|---|\n| a | b | \u{1b}]0;pwned\u{07}high |\n| c | d | low |\n\nWhat SPIFFE replaces: all of it.\n", draft: "01-inventory.md")
        #expect(try fixture.review("1").problems.allSatisfy { !$0.message.contains("\u{1b}") && !$0.message.contains("\u{07}") })
        // A draft that is a link to nowhere is an error, not "not started".
        try FileManager.default.createSymbolicLink(atPath: fixture.drafts.appendingPathComponent("07-internals.md").path,
                                                   withDestinationPath: fixture.root.appendingPathComponent("nowhere/x.md").path)
        #expect(throws: WorkbookError.self) { try fixture.review("internals") }
    }

    @Test func buildKeepsItsOwnPlaceLinksAndLimits() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        try fixture.write("- **Service:** provisioning-service\n- **Date**: 2026-12-01\n\nIt provisions accounts.\n", draft: "00-cover.md")
        // --out into the drafts folder would replace a draft: refused.
        #expect(throws: WorkbookError.self) {
            try fixture.app.analysisBuild(output: fixture.drafts.appendingPathComponent("01-inventory.md"))
        }
        // --date replaces a `**Date**:` value too.
        let file = fixture.workspace.appendingPathComponent("spiffe-analysis.md")
        _ = try fixture.app.analysisBuild(date: "2027-03-04")
        #expect(try String(contentsOf: file, encoding: .utf8).contains("- **Date**: 2027-03-04"))
        // A document that is a symbolic link is written through it; the link stays.
        let target = fixture.root.appendingPathComponent("docs/analysis.md")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: target.path)
        _ = try fixture.app.analysisBuild()
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: file.path)) == target.path)
        #expect(try String(contentsOf: target, encoding: .utf8).hasPrefix("# SPIFFE analysis: provisioning-service"))
        // A huge evidence file is quoted in part, not read whole.
        let ids = fixture.workspace.appendingPathComponent("day07/ids.txt")
        try FileManager.default.createDirectory(at: ids.deletingLastPathComponent(), withIntermediateDirectories: true)
        try String(repeating: String(repeating: "x", count: 999) + "\n", count: 20_000).write(to: ids, atomically: true, encoding: .utf8)
        _ = try fixture.app.analysisBuild()
        let built = try Data(contentsOf: target)
        #expect(built.count < 40_000, "\(built.count) bytes")
        #expect(String(decoding: built, as: UTF8.self).contains("(The first 40 lines; the rest of the file is not quoted.)"))
        // A binary file is not evidence at all.
        try Data([0x41, 0x00, 0x42, 0x0a]).write(to: ids)
        _ = try fixture.app.analysisBuild()
        #expect(!(try String(contentsOf: target, encoding: .utf8)).contains("day07/ids.txt"))
    }

    // MARK: The repository's own templates and worked example

    static var checkout: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func repositoryApp(workspace: URL) -> (WorkbookApp, RecordingConsole) {
        let console = RecordingConsole()
        let paths = WorkbookPaths(days: Self.checkout.appendingPathComponent("days"), sourceRoot: Self.checkout, workspace: workspace)
        return (WorkbookApp(paths: paths, console: console, style: .plain80, runner: .inProcess([])), console)
    }

    @Test func theCoursesTemplatesHaveTheTenPartsAndStartBlank() throws {
        let workspace = try TestSupport.makeTempDirectory(prefix: "analysis-blank")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let (app, console) = repositoryApp(workspace: workspace)
        let templates = try AnalysisDrafts(paths: app.paths).templates()
        #expect(templates.map(\.id) == ["cover", "inventory", "ids", "federation", "pki", "deployment", "recommendation",
                                        "internals", "summaries", "reflection"])
        #expect(templates.allSatisfy { $0.words != nil && !DraftText($0.body).fields.isEmpty })
        #expect(templates[1].columns.map(\.label) == ["Risk"] && templates[6].lines.map(\.label) == ["Recommendation"])
        #expect(try app.analysisCheck(json: false) == false)
        for template in templates {
            #expect(console.stdout.contains("\(template.fileName): \(template.label) is blank"), "\(template.id)")
        }
    }

    @Test func theWorkedExampleIsCompleteAndRebuildsToTheCommittedFile() throws {
        let scratch = try TestSupport.makeTempDirectory(prefix: "analysis-example")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (app, console) = repositoryApp(workspace: scratch.appendingPathComponent("workspace"))
        let drafts = Self.checkout.appendingPathComponent("days/analysis/example")
        #expect(try app.analysisCheck(drafts: drafts, json: false), "\(console.stdout)")
        let rebuilt = scratch.appendingPathComponent("spiffe-analysis.md")
        #expect(try app.analysisBuild(drafts: drafts, output: rebuilt, evidence: false))
        let committed = try String(contentsOf: Self.checkout.appendingPathComponent("spiffe-analysis.md"), encoding: .utf8)
        let text = try String(contentsOf: rebuilt, encoding: .utf8)
        #expect(text == committed, "spiffe-analysis.md is stale: run scripts/build-example-analysis")
        #expect(DraftText(text).wordCount >= 1_500)
        #expect(!text.contains("{{") && !text.contains("<!--"))
        let tables = DraftText(text).tables
        #expect(tables.contains { $0.header.contains("Risk") && $0.rows.count >= 6 }, "§1's risk table")
        #expect(tables.contains { $0.header.contains("Classical PKI today") && $0.rows.count >= 6 }, "§4's comparison table")
        for heading in ["## §1 ", "## §2 ", "## §3 ", "## §4 ", "## §5 ", "## §6 ", "## SPIRE internals notes"] {
            #expect(text.contains("\n\(heading)"), "\(heading)")
        }
    }
}
