import Foundation
import Lessons
import SpiffeFormats
import SpiffeX509
import Testing
import TestSupport

@Suite("X.509 steps (simulated mode)")
struct X509StepsTests {
    func context(_ workspace: URL, now: Date = Date()) -> StepContext {
        StepContext(mode: .simulated, workspace: workspace, endpoint: nil, now: { now })
    }

    @Test("make-svid writes SPIRE's files into the workspace and reports its facts")
    func makeSVID() async throws {
        let workspace = try TestSupport.makeTempDirectory(prefix: "steps")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let output = try await Steps.run("make-svid", in: context(workspace))
        #expect(output.facts["spiffe_id"] == "spiffe://example.org/ns/prod/sa/provisioning")
        let svidPath = try #require(output.facts["svid_path"])
        let bundlePath = try #require(output.facts["bundle_path"])
        let keyPath = try #require(output.facts["key_path"])
        #expect(svidPath.hasPrefix(workspace.path))
        let chain = try PEM.certificates(from: Data(contentsOf: URL(fileURLWithPath: svidPath)), source: svidPath)
        #expect(try CertificateNames.spiffeID(of: chain[0]).description == output.facts["spiffe_id"])
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(output.lines.contains { $0.hasPrefix("SPIFFE ID") })
        #expect(!output.lines.joined().contains("PRIVATE KEY"))

        // A second run signs with the same CA: the bundle does not change.
        let bundleBefore = try Data(contentsOf: URL(fileURLWithPath: bundlePath))
        let again = try await Steps.run("make-svid", in: context(workspace))
        #expect(try Data(contentsOf: URL(fileURLWithPath: bundlePath)) == bundleBefore)
        #expect(again.facts["serial"] != output.facts["serial"])
    }

    @Test("inspect and validate run on the workspace SVID (making one when there is none)")
    func inspectAndValidate() async throws {
        let workspace = try TestSupport.makeTempDirectory(prefix: "steps")
        defer { try? FileManager.default.removeItem(at: workspace) }
        let inspect = try await Steps.run("inspect", in: context(workspace))
        #expect(inspect.lines.first?.contains("running make-svid first") == true)
        #expect(inspect.facts["spiffe_id"] == "spiffe://example.org/ns/prod/sa/provisioning")
        #expect(inspect.facts["key_type"] == "EC P-256")
        #expect(inspect.facts["bundle_cas"] == "1")

        let validate = try await Steps.run("validate", in: context(workspace))
        #expect(validate.facts["valid"] == "true")
        #expect(validate.facts["checks_passed"] == "6")
        #expect(validate.facts["valid_in_2h"] == "false")
        #expect(validate.facts["failed_check_in_2h"] == "4")
        #expect(validate.lines.filter { $0.contains("PASS") }.count == 6 + 3)
    }
}
