import Foundation
import SpiffeAgent
import SpiffeBundles
import SpiffeIdentity
import SpiffeServer
import SpiffeX509
import WorkbookProtocol

/// Day 20 in the SPIRE model: federation as SPIRE splits it between its tiers. The server holds
/// the relationship and fetches the foreign bundle; an agent asks the server for it on its sync,
/// and only for the trust domains its entries federate with.
let spireFederationSteps: [Step] = [
    Step(id: "spire-federation",
         title: "Federation in the SPIRE model: the server fetches the partner's bundle, agents sync it for federating entries only",
         sourceFile: "Sources/Lessons/Agent/EntrySync.swift", anchor: "agent-sync-federated-bundles") { context in
        try await SpireFederationLesson.serverFetchesAgentsSync(context)
    },
]

enum SpireFederationLesson {
    static let partner = try! TrustDomain("partner.example")
    static let serviceA = try! SpiffeID("spiffe://example.org/service-a")
    static let batch = try! SpiffeID("spiffe://example.org/batch")

    static func serverFetchesAgentsSync(_ context: StepContext) async throws -> StepOutput {
        try await SpireLessons.withModel(context, "spire-federation") { spire in
            // Two trust domains, each a server of its own that publishes its bundle.
            let home = try await spire.startServer("home", bundleEndpoint: true)
            let remote = try await spire.startServer("partner", trustDomain: partner, bundleEndpoint: true)
            let endpointURL = try remote.bundleEndpointURL.unwrap("partner.example's bundle endpoint")
            // The federation's story, without the agents' routine lines.
            let relevant: (String) -> Bool = { line in
                ["bundle endpoint", "federation:", "federation relationship", "federated bundle"].contains { line.contains($0) }
            }
            var lines = spire.log.drain().filter(relevant)

            // No bundle of partner.example yet: an entry may not federate with it.
            let agentA = try await spire.startAgent(home, .joinToken(try await home.admin.createJoinToken()), name: "agent-a")
            let agentB = try await spire.startAgent(home, .joinToken(try await home.admin.createJoinToken()), name: "agent-b")
            let federating = try RegistrationEntry(spiffeID: serviceA, parentID: agentA.agentID, selectors: [InProcessSpire.me],
                                                   federatesWith: [partner])
            var early = "accepted"
            do { _ = try await home.admin.createEntry(federating) } catch AgentError.badEntry(let reason) { early = reason }
            lines += spire.log.drain().filter(relevant)
            lines.append("admin   entry create -spiffeID \(serviceA) -federatesWith \(partner.idString) -> \(early)")

            // The relationship, bootstrapped with partner.example's bundle obtained out of band.
            let endpointID = try SpiffeID(trustDomain: partner, path: "/spire/server")
            let relationship = try FederationRelationship(
                trustDomain: partner, bundleEndpointURL: endpointURL, bundleEndpointProfile: "https_spiffe", endpointSPIFFEID: endpointID)
            let partnerBundle = try remote.state.bundle()
            try await home.admin.createFederationRelationship(relationship, bootstrap: SpiffeBundle(trustDomain: partner, x509Authorities: partnerBundle.authorities))
            lines.append("admin   federation create -trustDomain \(partner) -bundleEndpointURL \(endpointURL) -bundleEndpointProfile https_spiffe -endpointSpiffeID \(endpointID) -trustDomainBundlePath partner-bundle.pem")
            try await spire.waitForLog("federation: fetched the bundle of \(partner)")
            lines += spire.log.drain().filter(relevant)

            // Now the entry is accepted; a second agent's entry does not federate.
            _ = try await home.admin.createEntry(federating)
            _ = try await home.admin.createEntry(try RegistrationEntry(spiffeID: batch, parentID: agentB.agentID, selectors: [InProcessSpire.me]))
            lines.append("admin   entry create -parentID \(agentA.agentID) -spiffeID \(serviceA) -federatesWith \(partner.idString)")
            lines.append("admin   entry create -parentID \(agentB.agentID) -spiffeID \(batch)")
            try await spire.waitForLog("federated bundles synced: \(partner)")
            let viaA = try await SpireLessons.fetch(agentA, until: serviceA)
            let viaB = try await SpireLessons.fetch(agentB, until: batch)
            lines += spire.log.drain().filter(relevant)

            let heldByA = viaA.bundle(for: partner)?.authorities ?? []
            let partnerRootMatches = !heldByA.isEmpty && heldByA == partnerBundle.authorities
            func names(_ fetched: X509Context) -> String { fetched.bundles.keys.map(\.name).sorted().joined(separator: ",") }
            lines.append("client  via agent-a as \(serviceA): bundles of \(names(viaA)); partner.example's root is the one its server signs with: \(partnerRootMatches ? "yes" : "NO")")
            lines.append("client  via agent-b as \(batch): bundles of \(names(viaB))")
            for agent in [agentA, agentB] { await agent.stop() }
            await home.stop()
            await remote.stop()
            return StepOutput(lines: lines, facts: [
                "early_entry": early.contains("holds no bundle") ? "refused" : early,
                "federating_bundles": names(viaA),
                "other_bundles": names(viaB),
                "partner_root_matches": String(partnerRootMatches),
            ])
        }
    }
}
