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
        try agent.createEntry("spiffe://example.org/root", selectors: ["unix:uid:0"])
        try agent.start()
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
    }
}
