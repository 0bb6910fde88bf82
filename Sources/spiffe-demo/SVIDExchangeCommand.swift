import ArgumentParser
import Foundation
import SpiffeExchange
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509

struct SVIDExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svid-exchange",
        abstract: "Two services exchange SVIDs through a directory and validate each other's (run --name a and --name b).",
        discussion: """
            Publishes this side's certificate chain (leaf and intermediates) as DIR/svid-<name>.pem, waits for the peer's \
            file, validates it with the six checks against the bundle this side holds for the peer's trust domain, and \
            prints the peer's SPIFFE ID. Exits 0 only when the peer's SVID is valid. In simulated \
            mode both sides share the trust domain's CA kept under --state; with --live each side \
            uses the SVID the Workload API gives it.
            """
    )

    @Option(help: ArgumentHelp("This side's name.", valueName: "a|b"))
    var name: String

    /// Shared by every user, as the two sides under --live are two uids (the directory is made
    /// world-writable and sticky, like /tmp).
    static let defaultDirectory = "/tmp/spiffe-demo-exchange"

    @Option(help: ArgumentHelp("The shared directory both sides use (default: \(SVIDExchangeCommand.defaultDirectory)).", valueName: "dir"))
    var dir: String?

    @Option(help: ArgumentHelp("Seconds to wait for the peer's file (and, with --live, for our SVID).", valueName: "seconds"))
    var timeout: Double = 60

    @Option(name: .customLong("expect-id"), help: ArgumentHelp("Check 6: accept only this peer ID (repeatable: one of them).", valueName: "spiffe-id"))
    var expectIDs: [String] = []

    @Option(name: .customLong("expect-td"), help: ArgumentHelp("Check 6: accept any peer of this trust domain (default: our own).", valueName: "trust-domain"))
    var expectTrustDomain: String?

    @OptionGroup var source: TLSSourceOptions

    func run() async throws {
        try await CLISupport.run("svid-exchange") {
            guard timeout > 0 else { throw CLIError("--timeout must be positive") }
            var exchange: SVIDExchange
            do throws(SVIDExchangeError) { exchange = try SVIDExchange(name: name, directory: directory) } catch { throw CLIError(error.description) }
            exchange.timeout = .milliseconds(Int(timeout * 1000))

            let expected = try TLSCLI.authorizer(
                ids: expectIDs, trustDomain: expectTrustDomain, any: false,
                options: ("--expect-id", "--expect-td", "--expect-any"))
            let opened = try await source.open(defaultID: "/service-\(name)", timeout: timeout)
            defer { opened.close() }
            let expect = try expected ?? .memberOf(opened.source.x509SVID().spiffeID.trustDomain)

            let startedAt = Date()
            let outcome: SVIDExchange.Outcome
            do throws(SVIDExchangeError) {
                outcome = try await exchange.run(source: opened.source, expect: expect, progress: { step in
                    switch step {
                    case .identity, .published: TLSCLI.printLine(step.description)
                    case .waiting, .found: TLSCLI.printLine("svid-exchange: \(step)", to: .standardError)
                    }
                })
            } catch {
                throw CLIError(error.description)
            }
            // A peer waits at most its --timeout for us. We do not know the peer's, so take the
            // longer of ours and the default (60 s): a file older than that at our start was not
            // written by a peer still waiting, most likely by an earlier run.
            let longestWait = max(timeout, 60)
            if let writtenAt = outcome.peerWrittenAt, startedAt.timeIntervalSince(writtenAt) > longestWait {
                TLSCLI.printLine("svid-exchange: note: \(exchange.peerFile.lastPathComponent) was written \(TimeText.duration(startedAt.timeIntervalSince(writtenAt))) before this side started; if side \(exchange.peerName) is not running, it is left over from an earlier run (delete it to wait for a fresh one)", to: .standardError)
            }
            for line in outcome.report.lines { TLSCLI.printLine("  " + line) }
            let peer = outcome.report.spiffeID.map(String.init(describing:)) ?? "(no SPIFFE ID)"
            if outcome.report.isValid {
                TLSCLI.printLine("peer \(exchange.peerName) is \(peer): valid")
            } else {
                throw CLIError("peer \(exchange.peerName) (\(peer)) is NOT valid: \(outcome.report.verdict)")
            }
        }
    }

    var directory: URL {
        dir.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? URL(fileURLWithPath: Self.defaultDirectory)
    }
}
