import Foundation
import Testing
import TestSupport

/// `spiffe-demo id check`, through the real binary.
@Suite struct IDCheckCLITests {
    let directory: URL

    init() throws { directory = try TestSupport.makeTempDirectory(prefix: "id-check") }

    func idCheck(_ text: String, _ extra: [String] = []) async throws -> TestSupport.ProcessResult {
        let file = directory.appendingPathComponent("ids.txt")
        try Data(text.utf8).write(to: file)
        return try await TestSupport.run("spiffe-demo", ["id", "check", file.path] + extra, deadline: 60)
    }

    @Test func jsonHasOneObjectPerLineInOrderBlankLinesIncluded() async throws {
        let result = try await idCheck("spiffe://example.org/ns/prod/sa/a\n\nspiffe://example.org\nspiffe://example.org/ns/prod/sa/web/v2\n", ["--json"])
        #expect(result.status == 1, "a rejected line means exit 1: \(result)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 4)
        #expect(array.map { $0["line"] as? Int } == [1, 2, 3, 4])
        #expect(array.map { $0["valid"] as? Bool } == [true, false, false, true])
        #expect(array[0]["reason"] == nil)
        #expect((array[1]["reason"] as? String) == "the SPIFFE ID is empty")
        #expect((array[2]["reason"] as? String)?.contains("X509-SVID §3.1") == true)
        #expect((array[3]["warnings"] as? [String])?.first?.contains("version") == true)
        #expect(result.stderr.contains("4 lines: 2 valid, 2 rejected"), "\(result.stderr)")
    }

    @Test func allValidExitsZeroEvenWithWarnings() async throws {
        let result = try await idCheck("spiffe://example.org/ns/prod/sa/a\nspiffe://example.org/ns/prod/sa/web/v2\n")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("valid    spiffe://example.org/ns/prod/sa/a"))
        #expect(result.stdout.contains("warning: `v2` is or ends in a version"))
    }

    @Test func aMissingFileIsOneLine() async throws {
        let result = try await TestSupport.run("spiffe-demo", ["id", "check", directory.appendingPathComponent("nope.txt").path], deadline: 60)
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("no such file"))
    }
}
