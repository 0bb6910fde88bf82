import Foundation
import Lessons
import TestSupport
import WorkbookProtocol
import Testing

/// The Day 14 and Day 18 steps, run the way the workbook runs them (simulated mode).
@Suite("TLS and exchange steps")
struct TLSStepsTests {
    func run(_ id: String) async throws -> StepOutput {
        let workspace = try TestSupport.makeTempDirectory(prefix: "tls-step")
        defer { try? FileManager.default.removeItem(at: workspace) }
        return try await Steps.run(id, in: StepContext(mode: .simulated, workspace: workspace, endpoint: nil))
    }

    @Test("svid-exchange: a and b each find the other's SVID valid")
    func exchange() async throws {
        let output = try await run("svid-exchange")
        #expect(output.facts["a_peer_valid"] == "true", "\(output.lines)")
        #expect(output.facts["b_peer_valid"] == "true", "\(output.lines)")
        #expect(output.lines.contains("a: I am spiffe://example.org/service-a; my peer is spiffe://example.org/service-b: valid"))
    }

    @Test("tls-server: each side prints the other's ID")
    func handshake() async throws {
        let output = try await run("tls-server")
        #expect(output.facts["server_id"] == "spiffe://example.org/server")
        #expect(output.facts["client_id"] == "spiffe://example.org/client")
        #expect(output.facts["reply"] == "hello from spiffe://example.org/server")
        #expect(output.lines.contains { $0.hasPrefix("server: client spiffe://example.org/client connected") }, "\(output.lines)")
    }

    @Test("tls-authorize: any, id, oneOf and memberOf allow 3, 1, 2 and 2 of the sample IDs")
    func authorizers() async throws {
        let output = try await run("tls-authorize")
        #expect(output.facts[".any"] == "3")
        #expect(output.facts[".id(frontend)"] == "1")
        #expect(output.facts[".oneOf([frontend, batch])"] == "2")
        #expect(output.facts[".memberOf(example.org)"] == "2")
    }

    @Test("tls-verify-peer: the allowed client passes, batch fails authorization, the impostor fails authentication")
    func refusals() async throws {
        let output = try await run("tls-verify-peer")
        #expect(output.facts["caller1"] == "accepted", "\(output.lines)")
        #expect(output.facts["caller2"] == "authorization", "\(output.lines)")
        #expect(output.facts["caller3"] == "authentication", "\(output.lines)")
    }

    @Test("tls-server-config: the server's serial changes between connections while it keeps running")
    func rotation() async throws {
        let output = try await run("tls-server-config")
        #expect(output.facts["distinct_serials"] == "2", "\(output.lines)")
        #expect(output.facts["serial_first"] != output.facts["serial_last"])
        #expect(output.lines.contains { $0.contains("<- new SVID, same server") })
    }
}
