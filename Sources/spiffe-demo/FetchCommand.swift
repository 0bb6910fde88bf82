import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffeWorkloadAPI
import SpiffeX509

/// `spiffe-demo fetch`: this process's X.509 identity, from the Workload API (`--live`) or from
/// the simulated trust domain's CA playing the agent (the default).
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch an X509-SVID, its key and bundle, as `spire-agent api fetch x509` does.",
        discussion: """
            Without --live the simulated trust domain's CA (kept under --state) plays the agent \
            and mints an SVID for --spiffe-id. With \
            --live the Workload API at SPIFFE_ENDPOINT_SOCKET (or --socket) is asked; the agent \
            decides the identity from who this process is.

              spiffe-demo fetch --write svids
              SPIFFE_ENDPOINT_SOCKET=unix:///tmp/spire-agent/public/api.sock spiffe-demo fetch --live --watch

            --write produces SPIRE's files: svid.N.pem, svid.N.key (PKCS#8, 0600), bundle.N.pem and \
            federated_bundle.N.M.pem.
            """
    )

    @Flag(help: "Ask the Workload API instead of simulating an agent.")
    var live = false

    @Option(help: ArgumentHelp("Workload API endpoint for --live: unix:///path, unix:/path or tcp://IP:PORT (default: SPIFFE_ENDPOINT_SOCKET).", valueName: "address"))
    var socket: String?

    @Option(help: ArgumentHelp("Write svid.N.pem, svid.N.key, bundle.N.pem, federated_bundle.N.M.pem into this directory.", valueName: "dir"))
    var write: String?

    @Flag(help: "Print JSON (with --watch: one JSON object per line).")
    var json = false

    @Flag(help: "Keep watching and print every new state (each rotation) as it arrives.")
    var watch = false

    @Option(help: ArgumentHelp("With --watch: stop after this many states (default: run until interrupted).", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("With --live: how long to keep trying (and to wait for an answer) while the agent is unavailable or has no identity for us; a retry that would end after it is not started. --watch retries for as long as it runs.", valueName: "seconds"))
    var timeout: Double = 5

    @Option(help: ArgumentHelp("Simulated mode: the SPIFFE ID to mint.", valueName: "spiffe-id"))
    var spiffeID: String = "spiffe://example.org/workload"

    @Option(parsing: .unconditional, help: ArgumentHelp("Simulated mode: SVID lifetime, e.g. 1h, 30s.", valueName: "duration"))
    var ttl: String = "1h"

    @OptionGroup var state: StateOption

    func run() async throws {
        if count != nil, !watch { throw CLIError("--count goes with --watch") }
        if let count, count < 1 { throw CLIError("--count must be at least 1") }
        if live {
            let limit = try CLISupport.timeout(timeout)
            let client: WorkloadAPIClient
            do {
                client = try WorkloadAPIClient(socket: socket, retry: .deadline(limit))
            } catch {
                throw CLIError(error.description)
            }
            defer { client.close() }
            if watch {
                try await watchLive(client)
            } else {
                let start = ContinuousClock.now
                let context: X509Context
                do { context = try await client.fetchX509Context() } catch { throw CLIError(error.description) }
                try show(context, after: ContinuousClock.now - start)
            }
        } else {
            if socket != nil { throw CLIError("--socket is for --live; without --live the simulated trust domain's CA plays the agent") }
            let id: SpiffeID
            do { id = try SpiffeID(spiffeID) } catch { throw CLIError("--spiffe-id \"\(spiffeID)\": \(error)") }
            let ttl = try CLISupport.duration(ttl, option: "--ttl")
            if watch {
                try await watchSimulated(id: id, ttl: ttl)
            } else {
                let start = ContinuousClock.now
                let ca = try state.authorities(id.trustDomain).ca
                let context = try SimulatedFetch.x509Context(spiffeID: id, signedBy: ca, ttl: ttl, now: Date())
                try show(context, after: ContinuousClock.now - start)
            }
        }
    }

    /// Every state the agent streams, until interrupted; with --write the files are rewritten
    /// each time, as a sidecar (spiffe-helper) would.
    private func watchLive(_ client: WorkloadAPIClient) async throws {
        var last = ContinuousClock.now
        let updates = client.watchX509Context(retry: .forever) { error in
            CommandLineMain.printError("note: \(error); retrying")
        }
        do {
            var shown = 0
            for try await context in updates {
                let now = ContinuousClock.now
                try show(context, after: now - last)
                last = now
                shown += 1
                if let count, shown >= count { return }
            }
        } catch {
            throw CLIError(CLISupport.oneLine(error))
        }
    }

    /// Simulated rotation: a new SVID at half the lifetime, like an agent.
    private func watchSimulated(id: SpiffeID, ttl: TimeInterval) async throws {
        let ca = try state.authorities(id.trustDomain).ca
        var last = ContinuousClock.now
        var shown = 0
        while !Task.isCancelled {
            let context = try SimulatedFetch.x509Context(spiffeID: id, signedBy: ca, ttl: ttl, now: Date())
            let now = ContinuousClock.now
            try show(context, after: now - last)
            last = now
            shown += 1
            if let count, shown >= count { return }
            try await Task.sleep(for: .milliseconds(Int64(ttl * 500)))
        }
    }

    private func show(_ context: X509Context, after elapsed: Duration) throws {
        if let write {
            try SVIDFiles.write(context, to: URL(fileURLWithPath: write))
        }
        if json {
            print(try FetchOutput.json(context, watching: watch))
        } else {
            print(FetchOutput.text(context, after: elapsed, writtenTo: write))
        }
        fflush(nil)
    }
}

/// How `fetch` prints a context: SPIRE's `api fetch x509` layout, or JSON. Never the key.
enum FetchOutput {
    static func text(_ context: X509Context, after elapsed: Duration, writtenTo directory: String?) -> String {
        let millis = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var lines = ["Received \(context.svids.count) svid\(context.svids.count == 1 ? "" : "s") after \(String(format: "%.3f", millis))ms"]
        for (n, svid) in context.svids.enumerated() {
            lines.append("")
            lines.append("SPIFFE ID:\t\t\(svid.spiffeID)")
            if !svid.hint.isEmpty { lines.append("Hint:\t\t\t\(svid.hint)") }
            lines.append("SVID Serial:\t\t\(CertificateNames.hex(svid.leaf.serialNumber.bytes))")
            lines.append("SVID Valid After:\t\(TimeText.iso(svid.leaf.notValidBefore))")
            lines.append("SVID Valid Until:\t\(TimeText.iso(svid.leaf.notValidAfter))")
            if let bundle = context.bundle(for: svid.spiffeID.trustDomain) {
                for (index, ca) in bundle.authorities.enumerated() {
                    lines.append("CA #\(index + 1) Valid After:\t\(TimeText.iso(ca.notValidBefore))")
                    lines.append("CA #\(index + 1) Valid Until:\t\(TimeText.iso(ca.notValidAfter))")
                }
            }
            // Federated bundles as SPIRE prints them: each CA prefixed with its trust domain.
            let federated = context.bundles.values.filter { $0.trustDomain != svid.spiffeID.trustDomain }.sorted { $0.trustDomain < $1.trustDomain }
            for bundle in federated {
                for (index, ca) in bundle.authorities.enumerated() {
                    lines.append("[\(bundle.trustDomain.idString)] CA #\(index + 1) Valid After:\t\(TimeText.iso(ca.notValidBefore))")
                    lines.append("[\(bundle.trustDomain.idString)] CA #\(index + 1) Valid Until:\t\(TimeText.iso(ca.notValidAfter))")
                }
            }
            if let directory {
                let extra = federated.indices.map { ", federated_bundle.\(n).\($0).pem" }.joined()
                lines.append("Written:\t\t\(directory)/svid.\(n).pem, svid.\(n).key, bundle.\(n).pem\(extra)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ context: X509Context, watching: Bool) throws -> String {
        let svids: [[String: Any]] = context.svids.map { svid in
            [
                "spiffe_id": svid.spiffeID.description,
                "hint": svid.hint,
                "serial": CertificateNames.hex(svid.leaf.serialNumber.bytes),
                "not_before": TimeText.iso(svid.leaf.notValidBefore),
                "not_after": TimeText.iso(svid.leaf.notValidAfter),
                "chain_length": svid.chain.count,
            ]
        }
        var bundles: [String: Int] = [:]
        for (trustDomain, bundle) in context.bundles { bundles[trustDomain.idString] = bundle.authorities.count }
        let object: [String: Any] = ["svids": svids, "bundles": bundles]
        let options: JSONSerialization.WritingOptions = watching ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
    }
}
