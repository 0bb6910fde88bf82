import Foundation
import SpiffeJWT
import SpiffeWorkloadAPI
import TestSupport
import Testing

/// Requests any registered workload can send, built to take the shared agent down. The agent
/// must answer each one with an error and go on serving everyone else.
@Suite("The agent survives hostile requests", .serialized)
struct AgentHostileRequestTests {
    @Test("ValidateJWTSVID with NumericDates of 1e300 and 2^64+1 is InvalidArgument, and the agent keeps serving")
    func hugeNumericDates() async throws {
        let agent = try AgentHarness()
        try await agent.createEntry("spiffe://example.org/root", selectors: ["unix:uid:0"])
        try await agent.start()
        defer { agent.stop() }
        let client = try AgentJWTTests.client(agent)
        defer { client.close() }

        for token in HostileTokens.all {
            await AgentJWTTests.expect(.invalidArgument, "token is not valid") {
                _ = try await client.validateJWTSVID(token: token, audience: "bob")
            }
        }
        // Still alive, for this caller and for a new connection.
        let context = try await client.fetchX509Context()
        #expect(context.svids.first?.spiffeID.description == "spiffe://example.org/root")
        let fresh = try AgentJWTTests.client(agent)
        defer { fresh.close() }
        #expect(try await fresh.fetchJWTSVID(audience: ["bob"]).count == 1, "\(agent.log)")

        // Sizes: 65 audiences, and a request over 64 KiB, are refused; the agent goes on.
        await AgentJWTTests.expect(.invalidArgument, "at most 64 audiences") {
            _ = try await client.fetchJWTSVID(audience: (0...64).map { "aud\($0)" })
        }
        #expect(try await client.fetchJWTSVID(audience: (0..<64).map { "aud\($0)" }).count == 1)
        do {
            _ = try await client.validateJWTSVID(token: String(repeating: "a", count: 100_000), audience: "bob")
            Issue.record("a 100 KB request was accepted")
        } catch {
            // The transport resets the stream; the agent's log says why and who.
            #expect(agent.log.contains("refused a request over 64 KiB from uid 0"), "\(error)\n\(agent.log.suffix(2000))")
        }
        #expect(try await fresh.fetchX509Context().svids.count == 1)
    }
}
