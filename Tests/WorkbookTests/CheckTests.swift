import Testing
@testable import Workbook

@Suite struct CheckTests {
    @Test func multipleChoiceParsesAndGrades() throws {
        let check = try Check.parse("""
            id: uri-san
            question: Where is the ID?
            choices:
              a) In the CN
              b) In a URI SAN,
                 exactly one
            answer: b
            hint: think SAN
            explain: URI SAN.
            """, line: 10)
        guard case .choice(let choices, let answer) = check.kind else {
            Issue.record("not a choice: \(check.kind)"); return
        }
        #expect(choices.map(\.letter) == ["a", "b"])
        #expect(choices[1].text == "In a URI SAN, exactly one")
        #expect(answer == "b")
        #expect(check.grade("b"))
        #expect(check.grade(" B) "))
        #expect(!check.grade("a"))
        #expect(!check.grade(""))
        #expect(check.hint == "think SAN")
    }

    @Test func recordChecksParseAndGradeByLengthAndWords() throws {
        let check = try Check.parse("id: week1\nquestion: Your sentence?\nrecord: at least 30 characters\nexplain: A good one names the agent.", line: 1)
        #expect(check.kind == .record(minimumLength: 30))
        #expect(check.isRecord && !check.isEvidence)
        #expect(check.grade("SPIFFE solves bootstrapping by attesting workloads."))
        #expect(!check.grade("Too short to count."))
        #expect(!check.grade("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "one word is not a sentence")
        #expect(!check.grade("   padded        with          spaces   "), "padding does not count")
        #expect(check.rightAnswer == nil)
        for (body, reason) in [
            ("id: r\nquestion: q\nrecord: 30\nexplain: x", "record: at least <N> characters"),
            ("id: r\nquestion: q\nrecord: at least 30 characters\naccept: y\nexplain: x", "exactly one of"),
            ("id: r\nquestion: q\nrecord: at least 30 characters\nmatch: text\nexplain: x", "takes no `answer:` or `match:`"),
        ] {
            #expect(throws: Check.ParseError.self) { try Check.parse(body, line: 1) }
            do { _ = try Check.parse(body, line: 1) } catch { #expect(error.reason.contains(reason), "\(error.reason)") }
        }
    }

    @Test func durationAnswersAreNormalised() throws {
        let check = try Check.parse("id: ttl\nquestion: TTL?\naccept: 1h\nmatch: duration\nexplain: One hour.", line: 1)
        for answer in ["1h", "60m", "3600s", "60 minutes", "1 hour", "1H", "0.5h30m", "`1h`", "one hour", "an hour"] {
            #expect(check.grade(answer), "\(answer) should be accepted")
        }
        for answer in ["3600", "2h", "1d", "two hours", "", "59m", "1 hour (60 s)"] {
            #expect(!check.grade(answer), "\(answer) should be rejected")
        }
    }

    @Test func textAndNumberAnswers() throws {
        let text = try Check.parse("id: crit\nquestion: ?\naccept: critical\naccept: marked critical\nexplain: x", line: 1)
        #expect(text.grade("Critical."))
        // days/README.md: quotes and a final full stop are ignored, in either order.
        for answer in ["\"critical\".", "\"critical.\"", "`critical`.", "'Critical'"] {
            #expect(text.grade(answer), "\(answer) should be accepted")
        }
        #expect(text.grade("  marked   CRITICAL "))
        #expect(!text.grade("non-critical"))
        let number = try Check.parse("id: n\nquestion: ?\naccept: 2048\nmatch: number\nexplain: x", line: 1)
        #expect(number.grade("2,048"))
        #expect(!number.grade("2047"))
    }

    @Test func evidenceChecksParseConditions() throws {
        let check = try Check.parse("""
            id: disk
            question: q
            evidence: file svid.0.pem
            evidence: mode svid.0.key 0600
            evidence: chain svid.0.pem bundle.0.pem
            evidence: svid svid.0.pem spiffe://example.org/a
            evidence: step fetch fact spiffe_id = spiffe://example.org/a
            explain: x
            """, line: 1)
        #expect(check.kind == .evidence([
            .file("svid.0.pem"), .mode("svid.0.key", 0o600), .chain(svid: "svid.0.pem", bundle: "bundle.0.pem"),
            .svid(path: "svid.0.pem", id: "spiffe://example.org/a"),
            .stepFact(step: "fetch", name: "spiffe_id", value: "spiffe://example.org/a"),
        ]))
    }

    @Test(arguments: [
        ("question: q\naccept: a\nexplain: x", "needs `id:`"),
        ("id: a\naccept: a\nexplain: x", "needs `question:`"),
        ("id: a\nquestion: q\naccept: a", "needs `explain:`"),
        ("id: a\nquestion: q\naccept: a\nexplian: x", "unknown key `explian`"),
        ("id: a\nquestion: q\nexplain: x", "exactly one of"),
        ("id: a\nquestion: q\naccept: a\nevidence: file x\nexplain: x", "exactly one of"),
        ("id: a\nquestion: q\nchoices:\n  a) x\n  b) y\nanswer: c\nexplain: x", "naming one of its choices"),
        ("id: a\nquestion: q\naccept: soon\nmatch: duration\nexplain: x", "is not a duration"),
        ("id: a\nquestion: q\nevidence: file /etc/passwd\nexplain: x", "stay inside it"),
        ("id: a\nquestion: q\nevidence: file ../x\nexplain: x", "stay inside it"),
        ("id: a\nquestion: q\nevidence: output contains x\nexplain: x", "needs a step's output"),
        ("id: A b\nquestion: q\naccept: a\nexplain: x", "may use only"),
    ])
    func malformedChecksAreRejected(body: String, message: String) {
        #expect {
            try Check.parse(body, line: 1)
        } throws: { error in
            (error as? Check.ParseError)?.reason.contains(message) == true
        }
    }

    @Test func durationParser() {
        #expect(AnswerMatch.seconds("1h") == 3600)
        #expect(AnswerMatch.seconds("1h30m") == 5400)
        #expect(AnswerMatch.seconds("5 min") == 300)
        #expect(AnswerMatch.seconds("24h") == AnswerMatch.seconds("1d"))
        #expect(AnswerMatch.seconds("10") == nil)
        #expect(AnswerMatch.seconds("h") == nil)
        #expect(AnswerMatch.seconds("1 fortnight") == nil)
    }

    @Test func conceptRatings() {
        #expect(ConceptRating(answer: "s") == .solid)
        #expect(ConceptRating(answer: "Partial") == .partial)
        #expect(ConceptRating(answer: "need-review") == .needReview)
        #expect(ConceptRating(answer: "n") == .needReview)
        #expect(ConceptRating(answer: "great") == nil)
    }

    @Test func crlfFilesReadLikeUnixOnes() throws {
        let unix = try Lesson.parse(RunnerTests.lesson, path: "day05.md")
        let windows = try Lesson.parse(RunnerTests.lesson.replacingOccurrences(of: "\n", with: "\r\n"), path: "day05.md")
        #expect(windows.checks.map(\.id) == unix.checks.map(\.id))
        #expect(windows.title == unix.title)
        let answers = try AnswersFile.parse("word: critical\r\npick: b\r\nconcept alpha: solid\r\n", path: "a.txt", lesson: unix)
        #expect(answers.answers == ["word": "critical", "pick": "b"])
        #expect(answers.ratings == ["alpha": .solid])
    }

    @Test func anAnswerGivenTwiceIsAnError() throws {
        let lesson = try Lesson.parse(RunnerTests.lesson, path: "day05.md")
        #expect(throws: WorkbookError.answersFileInvalid(path: "a.txt", line: 3, reason: "check `word` is already answered on line 1; keep one of the two")) {
            try AnswersFile.parse("word: critical\npick: b\nword: wrong\n", path: "a.txt", lesson: lesson)
        }
        #expect(throws: WorkbookError.self) {
            try AnswersFile.parse("concept alpha: solid\nconcept alpha: partial\n", path: "a.txt", lesson: lesson)
        }
    }
}
