import Foundation
import SpiffeBundles
import SpiffeExchange
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffeTLS
import SpiffeWorkloadAPI
import SpiffeX509
import WorkbookProtocol
import Synchronization

/// Steps for Day 14 (the two-service SVID exchange) and Day 18 (mTLS with SVIDs).
///
/// In simulated mode the trust domain's CA is kept in the step's workspace directory (`state/`),
/// the same place `spiffe-demo tls-server`, `tls-client` and `svid-exchange` keep it by default,
/// so what a learner runs by hand and what the lesson runs trust each other.
let tlsSteps: [Step] = [
    Step(
        id: "svid-exchange",
        title: "Two services validate each other's SVID",
        sourceFile: "Sources/Lessons/Exchange/SVIDExchange.swift",
        modes: [.simulated]
    ) { context in
        try await TLSLesson.exchange(context)
    },
    Step(
        id: "tls-server",
        title: "An mTLS server and client, each printing the other's SPIFFE ID",
        sourceFile: "Sources/Lessons/TLS/MTLSServer.swift",
        modes: [.simulated, .live]
    ) { context in
        try await TLSLesson.handshake(context)
    },
    Step(
        id: "tls-authorize",
        title: "The four authorizers",
        sourceFile: "Sources/Lessons/TLS/Authorizer.swift"
    ) { _ in
        try TLSLesson.authorizers()
    },
    Step(
        id: "tls-verify-peer",
        title: "Valid certificate, allowed workload: two separate steps",
        sourceFile: "Sources/Lessons/TLS/SVIDPeerVerifier.swift"
    ) { context in
        try await TLSLesson.refusals(context)
    },
    Step(
        id: "tls-server-config",
        title: "Hot rotation: a new SVID on the next handshake, no restart",
        sourceFile: "Sources/Lessons/TLS/SpiffeTLSConfiguration.swift"
    ) { context in
        try await TLSLesson.rotation(context)
    },
    Step(
        id: "tls-handshake-groups",
        title: "Which key exchange a handshake settles on: the hybrid X25519MLKEM768 by default",
        sourceFile: "Sources/Lessons/TLS/HandshakeRecorder.swift"
    ) { context in
        try await TLSLesson.handshakeGroups(context)
    },
    Step(
        id: "tls-whole-chain",
        title: "Under an UpstreamAuthority: send the whole chain, or the peer finds no path",
        sourceFile: "Sources/Lessons/TLS/SpiffeTLSConfiguration.swift"
    ) { context in
        try await TLSLesson.wholeChain(context)
    },
]

/// What the TLS and exchange steps do.
enum TLSLesson {
    static let trustDomain = try! TrustDomain("example.org")
    static let serverID = try! SpiffeID("spiffe://example.org/server")
    static let clientID = try! SpiffeID("spiffe://example.org/client")

    /// The simulated trust domain's CA, shared by both sides (`<workspace>/state/`).
    static func authority(_ context: StepContext) throws -> CertificateAuthority {
        try context.state.trustDomain(trustDomain).loadOrCreate(trustDomain: trustDomain, renewal: .simulated, now: context.now()).ca
    }

    /// Day 14: `a` and `b` run concurrently, each publishing its chain and validating the other's.
    static func exchange(_ context: StepContext) async throws -> StepOutput {
        let ca = try authority(context)
        let directory = context.workspace
        // Clear the previous run's chains, so each side waits for a fresh one.
        for name in SVIDExchange.names { try? FileManager.default.removeItem(at: SVIDExchange.file(for: name, in: directory)) }
        async let a = runSide("a", ca: ca, directory: directory, context: context)
        async let b = runSide("b", ca: ca, directory: directory, context: context)
        let outcomes = try await [a, b]
        var lines: [String] = []
        var facts: [String: String] = [:]
        for (name, outcome) in zip(SVIDExchange.names, outcomes) {
            let peer = outcome.report.spiffeID?.description ?? "(no ID)"
            lines.append("\(name): I am \(outcome.ownID); my peer is \(peer): \(outcome.report.isValid ? "valid" : "NOT valid")")
            lines += outcome.report.lines.map { "    " + $0 }
            facts["\(name)_id"] = outcome.ownID.description
            facts["\(name)_peer_valid"] = String(outcome.report.isValid)
        }
        facts["directory"] = directory.path
        return StepOutput(lines: lines, facts: facts)
    }

    static func runSide(_ name: String, ca: CertificateAuthority, directory: URL, context: StepContext) async throws -> SVIDExchange.Outcome {
        let id = try SpiffeID("spiffe://example.org/service-\(name)")
        let source = try SimulatedX509Source(authority: ca, spiffeID: id, now: context.now)
        var exchange = try SVIDExchange(name: name, directory: directory)
        exchange.timeout = .seconds(10)
        return try await exchange.run(source: source, now: context.now)
    }

    /// Day 18: a server and a client in this process; each prints the other's ID.
    static func handshake(_ context: StepContext) async throws -> StepOutput {
        let serverSource: any X509SVIDSource & X509BundleSource
        let clientSource: any X509SVIDSource & X509BundleSource
        var live: X509Source?
        if context.mode == .live {
            // Live: one workload, one SVID, talking to itself: both ends use the agent's SVID.
            let source = X509Source(client: try WorkloadAPIClient(socket: context.endpoint))
            try await source.waitUntilReady()
            live = source
            (serverSource, clientSource) = (source, source)
        } else {
            let ca = try authority(context)
            serverSource = try SimulatedX509Source(authority: ca, spiffeID: serverID, now: context.now)
            clientSource = try SimulatedX509Source(authority: ca, spiffeID: clientID, now: context.now)
        }
        defer { live?.close() }

        let events = EventLines()
        let server = try await MTLSServer.bind(
            host: "127.0.0.1", port: 0, svids: serverSource, bundles: serverSource,
            authorizer: .memberOf(try serverSource.x509SVID().spiffeID.trustDomain), now: context.now, log: events.add)
        let serving = Task { try await server.serve() }
        defer { server.close() }
        let client = MTLSClient(svids: clientSource, bundles: clientSource,
                                authorizer: .id(try serverSource.x509SVID().spiffeID), now: context.now)
        let exchange = try await client.exchange(host: "127.0.0.1", port: server.localAddress.port ?? 0)
        server.close()
        try await serving.value

        var lines = ["server listening on 127.0.0.1:\(server.localAddress.port ?? 0)"]
        lines += events.lines.map { "server: " + $0 }
        lines.append("client: server is \(exchange.server.spiffeID) (serial \(exchange.server.serialNumber))")
        lines.append("client: reply \"\(exchange.reply)\"")
        return StepOutput(lines: lines, facts: [
            "server_id": exchange.server.spiffeID.description,
            "client_id": exchange.clientID.description,
            "reply": exchange.reply,
            "server_serial": exchange.server.serialNumber,
        ])
    }

    /// Day 19: three handshakes between the same two SVIDs, the client offering swift-nio-ssl's
    /// default groups, then only X25519, then only secp256r1; what each settled on, read from
    /// the ServerHello on the wire.
    static func handshakeGroups(_ context: StepContext) async throws -> StepOutput {
        let ca = try authority(context)
        let serverSource = try SimulatedX509Source(authority: ca, spiffeID: serverID, now: context.now)
        let clientSource = try SimulatedX509Source(authority: ca, spiffeID: clientID, now: context.now)
        let server = try await MTLSServer.bind(
            host: "127.0.0.1", port: 0, svids: serverSource, bundles: serverSource,
            authorizer: .id(clientID), now: context.now) { _ in }
        let serving = Task { try await server.serve() }
        defer { server.close() }
        var lines: [String] = []
        var settled: [String: HandshakeParameters] = [:]
        for (label, groups) in [("default", nil), ("x25519", [TLSGroup.x25519]), ("p256", [TLSGroup.secp256r1])] as [(String, [TLSGroup]?)] {
            var client = MTLSClient(svids: clientSource, bundles: clientSource, authorizer: .id(serverID), now: context.now)
            client.groups = groups
            let exchange = try await client.exchange(host: "127.0.0.1", port: server.localAddress.port ?? 0)
            guard let parameters = exchange.handshake else {
                throw StepFailure("the \(label) handshake's ServerHello was not read")
            }
            settled[label] = parameters
            lines.append("\(label): \(parameters.version), \(parameters.cipherSuite), \(parameters.group ?? "no group"), "
                         + "ClientHello \(parameters.clientHelloBytes.formatted()) bytes, key shares sent: "
                         + parameters.keyShareGroups.joined(separator: " + "))
        }
        server.close()
        try await serving.value
        let hybrid = settled["default"]!, classic = settled["x25519"]!, p256 = settled["p256"]!
        lines.append("the hybrid share makes the ClientHello \((hybrid.clientHelloBytes - classic.clientHelloBytes).formatted()) bytes larger")
        return StepOutput(lines: lines, facts: [
            "default_group": hybrid.group ?? "",
            "default_version": hybrid.version,
            "default_cipher_suite": hybrid.cipherSuite,
            "default_key_shares": hybrid.keyShareGroups.joined(separator: ","),
            "x25519_group": classic.group ?? "",
            "p256_group": p256.group ?? "",
            "client_hello_hybrid_bytes": String(hybrid.clientHelloBytes),
            "client_hello_x25519_bytes": String(classic.clientHelloBytes),
            "client_hello_growth_bytes": String(hybrid.clientHelloBytes - classic.clientHelloBytes),
        ])
    }

    /// Day 18: which IDs each of the four authorizers lets through.
    static func authorizers() throws -> StepOutput {
        let ids = try ["spiffe://example.org/frontend", "spiffe://example.org/batch", "spiffe://partner.example/api"]
            .map { try SpiffeID($0) }
        let authorizers: [(String, Authorizer)] = [
            (".any", .any),
            (".id(frontend)", .id(ids[0])),
            (".oneOf([frontend, batch])", .oneOf([ids[0], ids[1]])),
            (".memberOf(example.org)", .memberOf(trustDomain)),
        ]
        var lines: [String] = []
        var facts: [String: String] = [:]
        for (name, authorizer) in authorizers {
            let allowed = ids.filter { id in (try? authorizer.authorize(id)) != nil }
            lines.append("\(name): allows \(allowed.isEmpty ? "none" : allowed.map(\.description).joined(separator: ", "))")
            facts[name] = String(allowed.count)
        }
        return StepOutput(lines: lines, facts: facts)
    }

    /// Day 18: one server allowing only `client`; three callers; who is refused, and by which step.
    static func refusals(_ context: StepContext) async throws -> StepOutput {
        let ca = try authority(context)
        let rogue = try CertificateAuthority(trustDomain: trustDomain, now: context.now())
        let serverSource = try SimulatedX509Source(authority: ca, spiffeID: serverID, now: context.now)
        let events = EventLines()
        let server = try await MTLSServer.bind(
            host: "127.0.0.1", port: 0, svids: serverSource, bundles: serverSource,
            authorizer: .id(clientID), now: context.now, log: events.add)
        let serving = Task { try await server.serve() }
        defer { server.close() }

        let callers: [(String, SimulatedX509Source)] = [
            ("client (allowed)", try SimulatedX509Source(authority: ca, spiffeID: clientID, now: context.now)),
            ("batch (valid SVID, not on the allow list)",
             try SimulatedX509Source(authority: ca, spiffeID: try SpiffeID("spiffe://example.org/batch"), now: context.now)),
            ("impostor (claims to be client, signed by another CA)",
             try SimulatedX509Source(authority: rogue, spiffeID: clientID, now: context.now)),
        ]
        var lines: [String] = []
        var facts: [String: String] = [:]
        for (index, (name, source)) in callers.enumerated() {
            // Each caller trusts the real bundle, so only the server's checks decide.
            let client = MTLSClient(svids: source, bundles: serverSource, authorizer: .id(serverID), now: context.now)
            let before = events.lines.count
            do throws(MTLSClientError) {
                let exchange = try await client.exchange(host: "127.0.0.1", port: server.localAddress.port ?? 0)
                lines.append("\(name): accepted, reply \"\(exchange.reply)\"")
                facts["caller\(index + 1)"] = "accepted"
            } catch {
                // The server's log line says why; wait briefly for it (it is written on the
                // server's side of the connection).
                var reason = "refused (\(error))"
                for _ in 0..<50 {
                    if let line = events.lines.dropFirst(before).first(where: { $0.hasPrefix("refused") }) { reason = line; break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                lines.append("\(name): \(reason)")
                facts["caller\(index + 1)"] = reason.contains("authorization failed") ? "authorization" : "authentication"
            }
        }
        server.close()
        try await serving.value
        return StepOutput(lines: lines, facts: facts)
    }

    /// Day 18: SPIRE below an UpstreamAuthority. The bundle holds only the upstream root; SPIRE's
    /// own CA is an intermediate that signs the SVIDs. One server sends its whole chain (leaf and
    /// intermediate), the other only its leaf, as a port that sends `cert_chain()[0]` would.
    static func wholeChain(_ context: StepContext) async throws -> StepOutput {
        let now = context.now()
        let upstream = try CertificateAuthority(trustDomain: trustDomain, now: now)   // the UpstreamAuthority's root
        let spireCA = try upstream.issueIntermediateCA(now: now)                        // SPIRE's CA, signed by that root
        let serverSVID = try spireCA.issueSVID(for: serverID, now: now)
        let clientSVID = try spireCA.issueSVID(for: clientID, now: now)
        let bundles: [TrustDomain: X509Bundle] = [trustDomain: upstream.bundle]
        let clientSource = StaticX509Source(X509Context(svids: [clientSVID], bundles: bundles))
        let servers: [(fact: String, svid: X509SVID)] = [
            ("whole_chain", serverSVID),
            ("leaf_only", X509SVID(spiffeID: serverSVID.spiffeID, chain: [serverSVID.leaf], privateKey: serverSVID.privateKey)),
        ]

        var lines = [
            "bundle of \(trustDomain): \(upstream.bundle.authorities.count) CA, the upstream root; SVIDs are signed by SPIRE's intermediate below it",
        ]
        var facts = [
            "bundle_authorities": String(upstream.bundle.authorities.count),
            "svid_chain_length": String(serverSVID.chain.count),
        ]
        for server in servers {
            let source = StaticX509Source(X509Context(svids: [server.svid], bundles: bundles))
            let listener = try await MTLSServer.bind(
                host: "127.0.0.1", port: 0, svids: source, bundles: source,
                authorizer: .id(clientID), now: context.now, log: { _ in })
            let serving = Task { try await listener.serve() }
            let client = MTLSClient(svids: clientSource, bundles: clientSource, authorizer: .id(serverID), now: context.now)
            let sent = server.svid.chain.count == 1 ? "server sends its leaf only" : "server sends \(server.svid.chain.count) certificates (leaf, SPIRE's CA)"
            do throws(MTLSClientError) {
                let exchange = try await client.exchange(host: "127.0.0.1", port: listener.localAddress.port ?? 0)
                lines.append("\(sent): accepted; the client's path has \(exchange.server.chain.count) certificates, leaf to the bundle's root")
                facts[server.fact] = "accepted"
                facts["validated_chain_length"] = String(exchange.server.chain.count)
            } catch {
                lines.append("\(sent): \(error)")
                facts[server.fact] = "refused"
            }
            listener.close()
            try await serving.value
        }
        return StepOutput(lines: lines, facts: facts)
    }

    /// Day 18: the server's SVID is renewed while it runs; the next handshake presents it.
    /// A step clock stands in for time passing, so the lesson does not have to wait.
    static func rotation(_ context: StepContext) async throws -> StepOutput {
        let ca = try authority(context)
        let clock = StepClock(context.now())
        let ttl: TimeInterval = 60
        let serverSource = try SimulatedX509Source(authority: ca, spiffeID: serverID, ttl: ttl, now: clock.now)
        let clientSource = try SimulatedX509Source(authority: ca, spiffeID: clientID, ttl: ttl, now: clock.now)
        let server = try await MTLSServer.bind(
            host: "127.0.0.1", port: 0, svids: serverSource, bundles: serverSource,
            authorizer: .memberOf(trustDomain), now: clock.now, log: { _ in })
        let serving = Task { try await server.serve() }
        defer { server.close() }
        let client = MTLSClient(svids: clientSource, bundles: clientSource, authorizer: .id(serverID), now: clock.now)
        let port = server.localAddress.port ?? 0

        var lines = ["SVID lifetime \(Int(ttl)) s; renewed at half of it, as SPIRE's agent does"]
        var serials: [String] = []
        for (step, advance) in [(0, 0.0), (1, 20.0), (2, 15.0), (3, 20.0)] {
            clock.advance(by: advance)
            let exchange = try await client.exchange(host: "127.0.0.1", port: port)
            serials.append(exchange.server.serialNumber)
            let changed = serials.count > 1 && serials[serials.count - 2] != exchange.server.serialNumber
            lines.append("t+\(Int(clock.now().timeIntervalSince(clock.start))) s, connection \(step + 1): server serial \(exchange.server.serialNumber)\(changed ? "  <- new SVID, same server" : "")")
        }
        server.close()
        try await serving.value
        return StepOutput(lines: lines, facts: [
            "serial_first": serials.first ?? "",
            "serial_last": serials.last ?? "",
            "distinct_serials": String(Set(serials).count),
        ])
    }
}

/// Collects a server's log lines for a step's output.
final class EventLines: Sendable {
    private let storage = Mutex<[String]>([])
    func add(_ event: MTLSServerEvent) { storage.withLock { $0.append(event.description) } }
    var lines: [String] { storage.withLock { $0 } }
}

/// A clock a step moves forward by hand.
final class StepClock: Sendable {
    let start: Date
    private let current: Mutex<Date>
    init(_ start: Date) {
        self.start = start
        current = Mutex(start)
    }
    var now: @Sendable () -> Date { { [self] in current.withLock { $0 } } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}
