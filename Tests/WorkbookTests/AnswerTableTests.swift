import Foundation
import Testing
@testable import Workbook

/// Short answers are graded as a person would grade them, and every short-answer check of every
/// lesson proves it: a table of at least five right forms and three wrong ones.
@Suite struct AnswerTableTests {
    /// `day/check-id` -> the forms a grader must accept and refuse.
    static let tables: [String: (right: [String], wrong: [String])] = [
        "3/empty-subject": (
            right: ["critical", "Critical.", "it must be critical", "must be marked as critical", "`critical`", "marked critical"],
            wrong: ["not critical", "non-critical", "empty", "optional"]),
        "3/default-ttl": (
            right: ["1h", "one hour", "an hour", "1 hour (3600 s)", "60 minutes", "3600s", "60m"],
            wrong: ["1", "1 hour (60 s)", "24h", "5m"]),
        "4/missing-header": (
            right: ["INVALID_ARGUMENT", "3", "InvalidArgument", "codes.InvalidArgument", "invalid argument", "StatusCode.INVALID_ARGUMENT"],
            wrong: ["PERMISSION_DENIED", "7", "UNAVAILABLE", "400"]),
        "4/rotation-interval": (
            right: ["30s", "about 30 seconds", "every 30 seconds", "~30s", "half a minute", "30 s (half of 60 s)"],
            wrong: ["60s", "30", "5m", "15s", "25s"]),
        "8/ttl-cap": (
            right: ["1810s", "30m10s", "30 min 10 s", "1810 seconds", "30 minutes 10 seconds", "30 minutes and 10 seconds", "1810 s", "0h30m10s"],
            wrong: ["3610s", "1h", "30m", "1800s", "1800 seconds", "1h10s", "1810"]),
        "8/bundle-roots": (
            right: ["2", "two", "2 roots", "two roots", "Two.", "2 roots.", "2 CAs", "two CAs"],
            wrong: ["1", "3", "one", "both", "3 roots", "1 root"]),
        "9/agent-id-form": (
            right: ["spiffe://prod.example.com/spire/agent/join_token/5d2a9e81-c47b-4f10-8e36-a9b0c2d4e7f5",
                    "`spiffe://prod.example.com/spire/agent/join_token/5d2a9e81-c47b-4f10-8e36-a9b0c2d4e7f5`",
                    "\"spiffe://prod.example.com/spire/agent/join_token/5d2a9e81-c47b-4f10-8e36-a9b0c2d4e7f5\"",
                    "spiffe://prod.example.com/spire/agent/join_token/5d2a9e81-c47b-4f10-8e36-a9b0c2d4e7f5.",
                    "the spiffe://prod.example.com/spire/agent/join_token/5d2a9e81-c47b-4f10-8e36-a9b0c2d4e7f5"],
            wrong: ["spiffe://prod.example.com/spire/agent/join_token/",
                    "spiffe://example.org/spire/agent/join_token/5d2a9e81-c47b-4f10-8e36-a9b0c2d4e7f5",
                    "spiffe://prod.example.com/agent/join_token/5d2a9e81-c47b-4f10-8e36-a9b0c2d4e7f5",
                    "spiffe://prod.example.com/spire/agent/join-token/5d2a9e81-c47b-4f10-8e36-a9b0c2d4e7f5",
                    "spiffe://prod.example.com/spire/server"]),
        "10/agent-id-format": (
            right: ["spiffe://prod.example.com/spire/agent/aws_iid/210987654321/eu-west-1/i-0f1e2d3c4b5a69788",
                    "`spiffe://prod.example.com/spire/agent/aws_iid/210987654321/eu-west-1/i-0f1e2d3c4b5a69788`",
                    "\"spiffe://prod.example.com/spire/agent/aws_iid/210987654321/eu-west-1/i-0f1e2d3c4b5a69788\"",
                    "spiffe://prod.example.com/spire/agent/aws_iid/210987654321/eu-west-1/i-0f1e2d3c4b5a69788.",
                    "  spiffe://prod.example.com/spire/agent/aws_iid/210987654321/eu-west-1/i-0f1e2d3c4b5a69788  "],
            wrong: ["spiffe://example.org/spire/agent/aws_iid/210987654321/eu-west-1/i-0f1e2d3c4b5a69788",
                    "spiffe://prod.example.com/aws_iid/210987654321/eu-west-1/i-0f1e2d3c4b5a69788",
                    "spiffe://prod.example.com/spire/agent/aws_iid/eu-west-1/210987654321/i-0f1e2d3c4b5a69788",
                    "spiffe://prod.example.com/spire/agent/aws/210987654321/eu-west-1/i-0f1e2d3c4b5a69788",
                    "spiffe://prod.example.com/spire/agent/aws_iid/210987654321/eu-west-1a/i-0f1e2d3c4b5a69788",
                    "/spire/agent/aws_iid/210987654321/eu-west-1/i-0f1e2d3c4b5a69788"]),
        "10/tofu-status": (
            right: ["PERMISSION_DENIED", "7", "PermissionDenied", "codes.PermissionDenied", "permission denied", "StatusCode.PERMISSION_DENIED", "Permission denied."],
            wrong: ["INVALID_ARGUMENT", "3", "UNAUTHENTICATED", "16", "ALREADY_EXISTS", "FAILED_PRECONDITION", "denied"]),
        "11/default-identity": (
            right: ["spiffe://example.org/ns/prod/sa/provisioning-admin", "`spiffe://example.org/ns/prod/sa/provisioning-admin`",
                    "\"spiffe://example.org/ns/prod/sa/provisioning-admin\"", "spiffe://example.org/ns/prod/sa/provisioning-admin.",
                    "provisioning-admin", "/ns/prod/sa/provisioning-admin"],
            wrong: ["spiffe://example.org/ns/prod/sa/provisioning", "provisioning", "2b9a4d17", "f03c9b2e",
                    "spiffe://example.org/ns/prod/sa/provisioning-admin/", "both"]),
        "11/match-count": (
            right: ["3", " 3 ", "3.", "\"3\"", "`3`", "three", "Three", "3 SVIDs", "three SVIDs"],
            wrong: ["03", "2", "4", "5", "1", "E1, E2, E4", "not 3"]),
        "12/ca-ttl-sixth": (
            right: ["2h", "120m", "7200 s", "two hours", "2 hours (7200 s)", "7200 seconds", "120 minutes"],
            wrong: ["12h", "4h", "1h", "6h", "20m", "2"]),
        "13/lifetime-seconds": (
            right: ["310", "310.", "`310`", " 310 ", "\"310\"", "310 s", "310s", "310 Seconds"],
            wrong: ["300", "3610", "320", "305", "3600", "310 min", "3,610"]),
        "13/no-match-status": (
            right: ["PERMISSION_DENIED", "PermissionDenied", "7", "codes.PermissionDenied", "permission denied", "StatusCode.PERMISSION_DENIED"],
            wrong: ["NotFound", "Unauthenticated", "InvalidArgument", "5", "16", "UNAVAILABLE"]),
        "14/no-identity": (
            right: ["PermissionDenied", "PERMISSION_DENIED", "permission denied", "7", "codes.PermissionDenied", "7 (PERMISSION_DENIED)"],
            wrong: ["UNAUTHENTICATED", "16", "NOT_FOUND", "UNAVAILABLE"]),
        "15/credential-lifetime": (
            right: ["1h", "60m", "3600s", "one hour", "an hour", "60 minutes", "3600 seconds", "1 hour (3600 s)"],
            wrong: ["5m", "15m", "12h", "300s", "30"]),
        "15/key-ahead": (
            right: ["8h", "8 hours", "eight hours", "480m", "28800s", "480 minutes", "about 8 hours"],
            wrong: ["12h", "4h", "24h", "10s", "8"]),
        "16/renew-after": (
            right: ["295s", "4m55s", "4 min 55 s", "295 seconds", "4 minutes 55 seconds", "4m 55s"],
            wrong: ["300s", "5m", "305s", "4m50s", "30m", "295"]),
        "18/possession": (
            right: ["CertificateVerify", "certificateverify", "Certificate Verify", "the CertificateVerify message", "`CertificateVerify`", "certificate_verify"],
            wrong: ["Certificate", "Finished", "CertificateRequest", "ServerHello", "the Certificate message", "Verify"]),
        "17/clock-skew": (
            right: ["15s", "15 s", "15 seconds", "fifteen seconds", "15 sec", "0.25 min", "15 seconds."],
            wrong: ["25s", "10s", "35s", "15", "0s", "40s"]),
        "17/partner-check": (
            right: ["6", "6.", "six", "check 6", "Check 6", "CHECK SIX"],
            wrong: ["06", "5", "1", "check 5", "none", "authorization", "16"]),
        "7/spire-reserved": (
            right: ["spire", "/spire", "/spire/", "SPIRE", "`/spire`", "spire.", "spire/"],
            wrong: ["agent", "/spire/agent", "spiffe", "/spire/server"]),
        "7/max-length": (
            right: ["2048", "2,048", "2048 bytes", "2048 Bytes.", "2,048 bytes", "2048."],
            wrong: ["255", "1024", "4096", "2049", "2048 kilobytes"]),
        "5/leeway": (
            right: ["30s", "30 seconds", "thirty seconds", "half a minute", "30 s (half a minute)", "0.5m"],
            wrong: ["30", "1m", "60s", "30 minutes", "0s"]),
        "5/jwt-ttl": (
            right: ["5m", "five minutes", "300s", "5 min", "300 seconds (5 minutes)"],
            wrong: ["5", "1h", "5 minutes (60 s)", "10m"]),
        "6/refresh-hint": (
            right: ["5m", "300s", "five minutes", "300 seconds", "5 minutes (300 s)"],
            wrong: ["300", "5h", "30s", "1m"]),
        "19/hybrid-share-size": (
            right: ["1216", "1,216", "1216 bytes", "1,216 bytes", "1216 B", "1216 b", "1,216.", "`1216`"],
            wrong: ["1184", "1184 bytes", "1120", "1226", "32", "1216 kB"]),
        "19/retry-message": (
            right: ["HelloRetryRequest", "Hello Retry Request", "hello_retry_request", "HRR", "a HelloRetryRequest",
                    "the HelloRetryRequest", "HelloRetryRequest message", "helloretryrequest"],
            wrong: ["ServerHello", "ClientHello", "handshake_failure", "alert", "Hello Request"]),
        "20/spire-poll": (
            right: ["75s", "75 seconds", "75 s", "1m15s", "1 min 15 s", "every 75 seconds", "75 seconds (a quarter of 300)", "one minute 15 seconds", "75 sec"],
            wrong: ["300s", "5 minutes", "60 s", "15s", "1200 seconds", "75"]),
        "20/self-serving": (
            right: ["self-serving", "Self-serving", "self serving", "a self-serving endpoint", "self-serving bundle endpoint",
                    "the self-serving endpoint.", "`self-serving`", "selfserving"],
            wrong: ["non-self-serving", "not self-serving", "https_web", "self-signed", "federated"]),
        "21/ca-key-rating": (
            right: ["high", "High", "HIGH", "`high`", "high.", "high risk", "it is high", "rated high", "\"high\"", "It's high", "must be high"],
            wrong: ["low", "medium", "critical", "very high", "medium-high", "high or critical", "not high"]),
    ]

    static let lessons: [Lesson] = DriftTests.days.compactMap { try? DriftTests.lesson($0) }

    @Test func everyShortAnswerCheckHasATable() {
        for lesson in Self.lessons {
            for check in lesson.checks {
                guard case .shortAnswer = check.kind else { continue }
                let key = "\(lesson.day)/\(check.id)"
                guard let table = Self.tables[key] else {
                    Issue.record("day \(lesson.day): short-answer check \(check.id) has no answer table in AnswerTableTests")
                    continue
                }
                #expect(table.right.count >= 5, "\(key): at least five right forms")
                #expect(table.wrong.count >= 3, "\(key): at least three wrong forms")
                for answer in table.right { #expect(check.grade(answer), "\(key) must accept \"\(answer)\"") }
                for answer in table.wrong { #expect(!check.grade(answer), "\(key) must refuse \"\(answer)\"") }
            }
        }
    }

    @Test func noTableIsLeftOverFromAnOldCheck() {
        let present = Set(Self.lessons.flatMap { lesson in lesson.checks.map { "\(lesson.day)/\($0.id)" } })
        for key in Self.tables.keys { #expect(present.contains(key), "AnswerTableTests has a table for \(key), which no lesson has") }
    }

    @Test(arguments: [
        ("7", true), ("PERMISSION_DENIED", true), ("codes.PermissionDenied", true), ("permission denied", true),
        ("StatusCode.PERMISSION_DENIED", true), (".permissionDenied", true), ("status 7", true), ("7 (PERMISSION_DENIED)", true),
        ("Permission-Denied", true), ("16", false), ("UNAUTHENTICATED", false), ("7 (UNAVAILABLE)", false),
        ("denied", false), ("99", false), ("", false),
    ])
    func grpcStatusCodes(answer: String, right: Bool) {
        #expect(AnswerMatch.grpcStatus.equivalent(answer, "PERMISSION_DENIED") == right, "\(answer)")
    }

    @Test(arguments: [
        ("one hour", 3600.0), ("an hour", 3600), ("half an hour", 1800), ("1 hour and 30 minutes", 5400),
        ("five minutes", 300), ("24 hours", 86400), ("1h30m", 5400),
    ])
    func durationsInWords(text: String, seconds: Double) {
        #expect(AnswerMatch.seconds(text) == seconds, "\(text)")
    }

    @Test func aParentheticalRestatementMustAgree() {
        #expect(AnswerMatch.durationAnswer("1 hour (3600 s)") == 3600)
        #expect(AnswerMatch.durationAnswer("1 hour (the default)") == 3600)
        #expect(AnswerMatch.durationAnswer("1 hour (60 s)") == nil)
        #expect(AnswerMatch.durationAnswer("(3600 s)") == nil)
    }

    @Test func fillerWordsNeverIncludeNegations() {
        #expect(AnswerMatch.text.equivalent("it must be marked as critical", "critical"))
        #expect(!AnswerMatch.text.equivalent("it must not be critical", "critical"))
        #expect(!AnswerMatch.text.equivalent("the", "the"), "an answer of filler only is no answer")
    }
}
