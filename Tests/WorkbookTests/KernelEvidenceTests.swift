import Foundation
import Lessons
import Testing
import TestSupport
import WorkbookProtocol

/// The kernel's `ids` and `breaks` evidence, on files made by software nobody here wrote
/// (openssl), the way a learner makes them for the Day 3 challenge.
@Suite struct KernelEvidenceTests {
    let directory: URL

    init() throws { directory = try TestSupport.makeTempDirectory(prefix: "kernel-evidence") }

    /// A self-signed P-256 certificate with these extensions, made by openssl.
    func openssl(_ name: String, _ extensions: [String]) async throws {
        let args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                    "-keyout", directory.appendingPathComponent("\(name).key").path,
                    "-out", directory.appendingPathComponent("\(name).pem").path, "-subj", "/O=Day 3 challenge"]
            + extensions.flatMap { ["-addext", $0] }
        let result = try await TestSupport.run("openssl", args, deadline: 60)
        #expect(result.status == 0, "\(result)")
    }

    func breaks(_ name: String, _ rule: String) -> EvidenceResult {
        StepKernel().evaluate(.breaks(path: "\(name).pem", rule: rule), directory: directory, now: Date())
    }

    @Test func eachChallengeCertificateBreaksExactlyItsRule() async throws {
        let leaf = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature"]
        try await openssl("two-uri-sans", leaf + ["subjectAltName=URI:spiffe://example.org/a,URI:spiffe://example.org/b"])
        try await openssl("key-cert-sign", ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyCertSign", "subjectAltName=URI:spiffe://example.org/a"])
        try await openssl("no-path", leaf + ["subjectAltName=URI:spiffe://example.org"])
        // The mistake the lesson warns about: keyCertSign alone drops digitalSignature too.
        try await openssl("two-rules", ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,keyCertSign", "subjectAltName=URI:spiffe://example.org/a"])
        try await openssl("good", leaf + ["subjectAltName=URI:spiffe://example.org/a"])

        for (name, rule) in [("two-uri-sans", "two-uri-sans"), ("key-cert-sign", "key-cert-sign"), ("no-path", "no-path")] {
            let result = breaks(name, rule)
            #expect(result.passed, "\(name): \(result.detail)")
            #expect(result.detail.contains("breaks exactly one rule"))
        }
        let two = breaks("two-rules", "key-cert-sign")
        #expect(!two.passed)
        #expect(two.detail.contains("key-cert-sign, no-digital-signature"), "\(two.detail)")
        let none = breaks("good", "no-path")
        #expect(!none.passed)
        #expect(none.detail.contains("it breaks no leaf rule"), "\(none.detail)")
        let wrong = breaks("no-path", "two-uri-sans")
        #expect(!wrong.passed && wrong.detail.contains("it breaks no-path"), "\(wrong.detail)")
        let missing = breaks("absent", "no-path")
        #expect(!missing.passed && missing.detail.contains("does not exist"))
    }

    @Test func anIDListPassesWhenLongEnoughAndEveryIDIsAWorkloads() throws {
        func ids(_ text: String, _ minimum: Int) throws -> EvidenceResult {
            try Data(text.utf8).write(to: directory.appendingPathComponent("ids.txt"))
            return StepKernel().evaluate(.ids(path: "ids.txt", minimum: minimum), directory: directory, now: Date())
        }
        let good = "spiffe://example.org/ns/prod/sa/a\n\nspiffe://example.org/ns/prod/sa/b\nspiffe://example.org/ns/prod/sa/c/v2\n"
        let passed = try ids(good, 3)
        #expect(passed.passed, "\(passed.detail)")
        #expect(passed.detail.contains("3 valid workload IDs"), "blank lines are spacing: \(passed.detail)")
        #expect(try !ids(good, 4).passed)
        let root = try ids("spiffe://example.org/ns/prod/sa/a\nspiffe://example.org\n", 1)
        #expect(!root.passed && root.detail.contains("line 2"), "\(root.detail)")
        #expect(!StepKernel().evaluate(.ids(path: "../ids.txt", minimum: 1), directory: directory, now: Date()).passed)
    }
}
