import ArgumentParser
import Crypto
import Foundation
import Logging
import SpiffeAgent
import SpiffeIdentity
import SpiffeServer
import SpiffeWorkloadAPI
import SpiffeX509
import SwiftASN1
import X509

/// `spiffe-bench server`: the SPIRE model's signing and sync, in this process.
///
/// 1. The server's signing path (ServerState.sign: parse the CSR, check its signature, build
///    and sign the SPIRE-shaped leaf) per second, next to raw P-256 signatures per second in the
///    same run: the signature is the floor, the ratio says what the rest costs.
/// 2. A batch of new entries through the real path: the agent syncs them, makes a key and a CSR
///    for each, sends one BatchNewX509SVID over mTLS, and caches the results.
/// 3. From `entry create` (the admin API's datastore write) until a workload's open
///    FetchX509SVID stream carries the new SVID: one sync interval at most, plus the work.
struct ServerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "SPIRE model: SVIDs signed per second from CSRs vs raw P-256 signatures, and entry create -> stream update."
    )

    @Option(help: "Seconds to run each signing measurement.")
    var seconds: Double = 2

    @Option(help: "Entries in the batch measurement.")
    var batch: Int = 200

    @Option(help: "Rounds of entry create -> stream update.")
    var rounds: Int = 10

    @Option(help: "The agent's sync interval, in milliseconds (SPIRE's default: 5000).")
    var syncMilliseconds: Int = 5000

    func run() async throws {
        guard seconds > 0, batch > 0, rounds > 0, syncMilliseconds >= 50 else { throw ValidationError("options must be positive (sync at least 50 ms)") }
        let root = URL(fileURLWithPath: "/tmp/swbench-server-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        var logger = Logger(label: "spiffe-bench.server")
        logger.logLevel = .error

        var config = SpireServer.Configuration()
        config.port = 0
        config.attestationPort = 0
        config.dataDirectory = root.appendingPathComponent("server")
        config.adminSocket = root.appendingPathComponent("admin.sock").path
        let server = SpireServer(configuration: config, logger: logger)
        let (ready, readyContinuation) = AsyncStream<(SpireServer.Addresses, ServerState)>.makeStream()
        let serverTask = Task { try await server.run { readyContinuation.yield(($0, $1)) } }
        defer { serverTask.cancel() }
        var readyIterator = ready.makeAsyncIterator()
        guard let (addresses, state) = await readyIterator.next() else { throw ValidationError("the server did not start") }

        #if DEBUG
        let build = "debug build: Swift code unoptimized, expect release to be several times faster"
        #else
        let build = "release build"
        #endif
        print("spiffe-bench server (\(String(format: "%.1f", seconds)) s per signing measurement; \(build); \(ProcessInfo.processInfo.activeProcessorCount) cores)")

        // 1. Signing from a CSR vs the raw signature.
        let csrKey = try KeyType.p256.generate()
        let csr = try CertificateSigningRequest(version: .v1, subject: DistinguishedName(), privateKey: csrKey,
                                                attributes: .init(), signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(csr)
        let csrDER = Data(serializer.serializedBytes)
        let id = try SpiffeID("spiffe://example.org/bench")
        let sample = try state.ca.sign(csr, for: id, ttl: 3600, now: Date())
        let raw = P256.Signing.PrivateKey()
        let tbs = Data(sample[0].tbsCertificateBytes)
        // Measured together, their windows taking turns: the ratio compares like with like.
        let figures = try await Throughput.measure(seconds, together: [
            { _ = try state.ca.sign(try CertificateSigningRequest(derEncoded: Array(csrDER)), for: id, ttl: 3600, now: Date()) },
            { _ = try raw.signature(for: tbs) },
        ])
        let (signing, signatures) = (figures[0], figures[1])
        print(line("server signs an SVID from a CSR (parse, verify, sign)", signing))
        print(line("P-256 signature (swift-crypto)", signatures))
        print(String(format: "ratio: signing from a CSR = %.2f x a raw P-256 signature (it verifies the CSR's signature too)",
                     signing.perSecond / signatures.perSecond))

        // An agent, attested with a join token, serving this process's uid.
        let token = UUID().uuidString.lowercased()
        try state.dataStore.update { $0.joinTokens.append(ServerDataStore.JoinToken(value: token, expiresAt: Date() + 600)) }
        let bundleFile = root.appendingPathComponent("bundle.pem")
        try Data(try state.bundle().pem().utf8).write(to: bundleFile)
        let (agentHost, agentPort) = Self.split(addresses.agent)
        let agentSocket = root.appendingPathComponent("agent.sock").path
        let agent = SpireAgent(configuration: .init(
            socketPath: agentSocket, serverHost: agentHost, serverPort: agentPort,
            attestationPort: Self.split(addresses.attestation).1, trustDomain: state.trustDomain,
            trustBundleFile: bundleFile, attestation: .joinToken(token),
            syncInterval: .milliseconds(Int64(syncMilliseconds))), logger: logger)
        let (agentReady, agentContinuation) = AsyncStream<SVIDCache>.makeStream()
        let agentTask = Task { try await agent.run { agentContinuation.yield($0) } }
        defer { agentTask.cancel() }
        var agentIterator = agentReady.makeAsyncIterator()
        guard let cache = await agentIterator.next() else { throw ValidationError("the agent did not start") }
        let me = Selector.unix("uid", String(getuid()))

        // 2. A batch through BatchNewX509SVID.
        let entries = try (0..<batch).map { n in
            try RegistrationEntry(spiffeID: try SpiffeID("spiffe://example.org/batch/\(n)"), parentID: cache.agentID,
                                  selectors: [.unix("uid", "99999")])
        }
        let batchStart = ContinuousClock.now
        try state.dataStore.update { $0.entries += entries }
        while cache.current.issued.count < batch { try await Task.sleep(for: .milliseconds(2)) }
        let batchTime = ContinuousClock.now - batchStart
        let batchSeconds = Self.seconds(batchTime)
        print(String(format: "batch of %d new entries -> SVIDs held by the agent: %.0f ms including up to one %d ms sync wait",
                     batch, batchSeconds * 1000, syncMilliseconds))

        // 3. entry create -> a workload's stream update.
        let client = try WorkloadAPIClient(address: .unix(path: agentSocket))
        defer { client.close() }
        try state.dataStore.update {
            $0.entries.append(try RegistrationEntry(spiffeID: try SpiffeID("spiffe://example.org/workload/0"), parentID: cache.agentID, selectors: [me]))
        }
        let updates = client.watchX509Context()
        var iterator = updates.makeAsyncIterator()
        _ = try await iterator.next()
        var samples: [Duration] = []
        for round in 1...rounds {
            let wanted = try SpiffeID("spiffe://example.org/workload/\(round)")
            let start = ContinuousClock.now
            try state.dataStore.update {
                $0.entries.append(try RegistrationEntry(spiffeID: wanted, parentID: cache.agentID, selectors: [me]))
            }
            while let context = try await iterator.next() {
                if context.svids.contains(where: { $0.spiffeID == wanted }) { break }
            }
            samples.append(ContinuousClock.now - start)
        }
        print(WorkloadBench.summary("entry create -> workload stream update (sync every \(syncMilliseconds) ms)", samples))
    }

    func line(_ label: String, _ m: Throughput) -> String { m.line(label, width: 56) }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    static func split(_ address: String) -> (String, Int) {
        let colon = address.lastIndex(of: ":")!
        return (String(address[..<colon]), Int(address[address.index(after: colon)...])!)
    }
}
