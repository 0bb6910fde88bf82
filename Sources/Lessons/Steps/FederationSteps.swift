import Foundation
import SpiffeBundles
import SpiffeFederation
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffeTLS
import SpiffeX509
import WorkbookProtocol

/// Day 20: two trust domains, a bundle endpoint between them, and an mTLS call across. Each
/// trust domain's CA is kept in the step's workspace (`state/trust-domains/<name>/`), where
/// `spiffe-demo bundle serve --state` and `tls-server --state` find the same ones.
let federationSteps: [Step] = [
    Step(
        id: "bundle-endpoint-fetch",
        title: "A bundle endpoint (https_spiffe) and the client that fetches from it",
        sourceFile: "Sources/Lessons/Federation/BundleEndpointClient.swift"
    ) { context in
        try await FederationLesson.fetch(context)
    },
    Step(
        id: "federated-mtls",
        title: "mTLS across two trust domains, each side checked with its own trust domain's bundle",
        sourceFile: "Sources/Lessons/Agent/WorkloadAPIService.swift",
        anchor: "federated-bundles"
    ) { context in
        try await FederationLesson.mtls(context)
    },
]

enum FederationLesson {
    static let home = try! TrustDomain("example.org")
    static let partner = try! TrustDomain("partner.example")
    static let other = try! TrustDomain("other.org")

    static func authorities(_ trustDomain: TrustDomain, _ context: StepContext) throws -> TrustDomainDirectory.Authorities {
        try context.state.trustDomain(trustDomain).loadOrCreate(trustDomain: trustDomain, jwt: .anyKey, renewal: .simulated, now: context.now())
    }

    /// partner.example serves its bundle as spiffe://partner.example/spire/server; example.org
    /// fetches it with the partner's bundle obtained out of band, then tries two impostors.
    static func fetch(_ context: StepContext) async throws -> StepOutput {
        let partnerAuthorities = try authorities(partner, context)
        let serverID = try SpiffeID(trustDomain: partner, path: "/spire/server")
        let server = try await BundleEndpointServer.bind(
            host: "127.0.0.1", port: 0,
            authentication: .spiffe(try SimulatedX509Source(authority: partnerAuthorities.ca, spiffeID: serverID, now: context.now))
        ) { partnerAuthorities.bundle }
        defer { server.close() }
        let url = "https://127.0.0.1:\(server.port)/"
        let client = BundleEndpointClient(now: context.now)
        var lines = ["partner.example serves its bundle at \(url) as \(serverID) (https_spiffe)"]

        let endpoint = try BundleEndpoint(url: url, trustDomain: partner, profile: .httpsSPIFFE(endpointID: serverID))
        let fetched = try await client.fetch(endpoint, endpointBundle: partnerAuthorities.ca.bundle)
        lines.append("fetched the bundle of \(fetched.trustDomain): \(fetched.x509Authorities.count) X.509 and \(fetched.jwtAuthorities.count) JWT authorit\(fetched.jwtAuthorities.count == 1 ? "y" : "ies"), spiffe_sequence \(fetched.sequenceNumber.map(String.init) ?? "none"), refresh hint \(fetched.refreshHint ?? SpiffeBundle.defaultRefreshHint) s")

        // The same server, but the client was told to expect another SPIFFE ID.
        let wrongID = try BundleEndpoint(url: url, trustDomain: partner, profile: .httpsSPIFFE(endpointID: try SpiffeID("spiffe://partner.example/bundle-server")))
        let wrongIDRefusal = await refusal { () async throws(BundleEndpointError) -> SpiffeBundle in try await client.fetch(wrongID, endpointBundle: partnerAuthorities.ca.bundle) }
        lines.append("expecting spiffe://partner.example/bundle-server: \(wrongIDRefusal ?? "accepted")")
        // The right ID, but a bundle of partner.example that is not the partner's: an impostor's CA.
        let impostor = try CertificateAuthority(trustDomain: partner, now: context.now())
        let wrongBundleRefusal = await refusal { () async throws(BundleEndpointError) -> SpiffeBundle in try await client.fetch(endpoint, endpointBundle: impostor.bundle) }
        lines.append("with another CA's bundle for partner.example: \(wrongBundleRefusal ?? "accepted")")
        return StepOutput(lines: lines, facts: [
            "fetched_trust_domain": fetched.trustDomain.name,
            "profile": "https_spiffe",
            "x509_authorities": String(fetched.x509Authorities.count),
            "spiffe_sequence": fetched.sequenceNumber.map(String.init) ?? "",
            "refresh_hint_seconds": String(fetched.refreshHint ?? SpiffeBundle.defaultRefreshHint),
            "wrong_endpoint_id_refused": String(wrongIDRefusal != nil),
            "wrong_bundle_refused": String(wrongBundleRefusal != nil),
        ])
    }

    /// service-b of partner.example serves; service-a of example.org calls. Each holds its own
    /// trust domain's bundle and the other's, as workloads whose entries federate with the other
    /// trust domain receive them; a client of other.org, which nobody federates with, is refused.
    static func mtls(_ context: StepContext) async throws -> StepOutput {
        let homeCA = try authorities(home, context).ca, partnerCA = try authorities(partner, context).ca
        let otherCA = try authorities(other, context).ca
        let serviceB = try SimulatedX509Source(authority: partnerCA, spiffeID: try SpiffeID("spiffe://partner.example/service-b"), now: context.now)
        let serviceA = try SimulatedX509Source(authority: homeCA, spiffeID: try SpiffeID("spiffe://example.org/service-a"), now: context.now)
        let intruder = try SimulatedX509Source(authority: otherCA, spiffeID: try SpiffeID("spiffe://other.org/intruder"), now: context.now)
        // What each workload's Workload API response carries: bundles keyed by trust domain.
        let serverBundles: [TrustDomain: X509Bundle] = [partner: partnerCA.bundle, home: homeCA.bundle]
        let events = EventLines()
        let server = try await MTLSServer.bind(host: "127.0.0.1", port: 0, svids: serviceB, bundles: serverBundles,
                                               authorizer: .id(try SpiffeID("spiffe://example.org/service-a")), now: context.now, log: events.add)
        let serving = Task { try await server.serve() }
        defer { server.close() }
        let port = server.localAddress.port ?? 0
        let caller = MTLSClient(svids: serviceA, bundles: [home: homeCA.bundle, partner: partnerCA.bundle],
                                authorizer: .id(try SpiffeID("spiffe://partner.example/service-b")), now: context.now)
        let exchange = try await caller.exchange(host: "127.0.0.1", port: port)
        var lines = ["service-a (example.org) -> service-b (partner.example): \"\(exchange.reply)\""]

        // other.org can check the server (it was given partner.example's bundle), but the server
        // holds no bundle of other.org.
        var outsider = MTLSClient(svids: intruder, bundles: [other: otherCA.bundle, partner: partnerCA.bundle], authorizer: .any, now: context.now)
        outsider.timeout = .seconds(30)
        let third: String?
        do throws(MTLSClientError) {
            _ = try await outsider.exchange(host: "127.0.0.1", port: port)
            third = nil
        } catch {
            third = "\(error)"
        }
        server.close()
        try await serving.value
        let serverSaid = events.lines.first { $0.contains("other.org") } ?? ""
        lines.append("other.org -> service-b: \(third ?? "accepted")")
        lines += events.lines.map { "server: " + $0 }
        let reason = serverSaid.components(separatedBy: ": ").dropFirst().joined(separator: ": ")
        return StepOutput(lines: lines, facts: [
            "server_id": exchange.server.spiffeID.description,
            "client_id": exchange.clientID.description,
            "accepted_across": "true",
            "third_domain_refused": String(third != nil),
            "third_domain_reason": reason,
        ])
    }

    /// The refusal `body` ends with, or nil when it succeeds.
    static func refusal(_ body: () async throws(BundleEndpointError) -> SpiffeBundle) async -> String? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error.description
        }
    }
}
