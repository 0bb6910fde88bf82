import ArgumentParser
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeTLS

struct TLSClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls-client",
        abstract: "Connect over mTLS with this workload's SVID; print the server's SPIFFE ID and its reply.",
        discussion: """
            Every connection is built from the SVID that is current at that moment, and the \
            server's SVID is checked against the bundle of its trust domain, then against \
            --expect-id/--expect-td (default: any ID of the client's own trust domain). With \
            --count the client reconnects, so rotation shows as a new server serial number.
            """
    )

    @Option(help: ArgumentHelp("Server address.", valueName: "host:port"))
    var connect = "127.0.0.1:7443"

    @Option(name: .customLong("expect-id"), help: ArgumentHelp("Accept only this server SPIFFE ID (repeatable: one of them).", valueName: "spiffe-id"))
    var expectIDs: [String] = []

    @Option(name: .customLong("expect-td"), help: ArgumentHelp("Accept any server of this trust domain.", valueName: "trust-domain"))
    var expectTrustDomain: String?

    @Flag(name: .customLong("expect-any"), help: "Accept any authenticated server (exercises only).")
    var expectAny = false

    @Option(help: "How many connections to make.")
    var count = 1

    @Option(help: ArgumentHelp("Seconds to wait between connections.", valueName: "seconds"))
    var interval: Double = 1

    @Option(name: .customLong("write-peer"), help: ArgumentHelp(
        "After each successful connection N, write the server's validated chain without the bundle's root (leaf first) to DIR/server.N.pem, and that bundle as DIR/bundle.pem.",
        valueName: "dir"))
    var writePeer: String?

    @Option(help: ArgumentHelp("Seconds each connection may take, from connect to the server's reply (and, with --live, to wait for the first SVID).", valueName: "seconds"))
    var timeout: Double = 15

    @OptionGroup var handshake: TLSHandshakeOptions
    @OptionGroup var source: TLSSourceOptions

    func run() async throws {
        try await CLISupport.run("tls-client") {
            let (host, port) = try TLSCLI.parseHostPort(connect, option: "--connect")
            guard count >= 1 else { throw CLIError("--count must be at least 1") }
            guard interval >= 0 else { throw CLIError("--interval must not be negative") }
            let expected = try TLSCLI.authorizer(
                ids: expectIDs, trustDomain: expectTrustDomain, any: expectAny,
                options: ("--expect-id", "--expect-td", "--expect-any"))
            let limit = try CLISupport.timeout(timeout)
            let opened = try await source.open(defaultID: "/client", timeout: timeout)
            defer { opened.close() }
            let authorizer = try expected ?? .memberOf(opened.source.x509SVID().spiffeID.trustDomain)
            TLSCLI.printLine("tls-client: SVIDs from \(opened.mode); servers accepted: \(authorizer)", to: .standardError)

            var client = MTLSClient(svids: opened.source, bundles: opened.source, authorizer: authorizer)
            client.groups = try handshake.parsedGroups()
            client.timeout = .init(limit)
            var failures = 0
            for attempt in 1...count {
                if attempt > 1 { try await Task.sleep(for: .milliseconds(Int(interval * 1000))) }
                let prefix = count > 1 ? "[\(attempt)/\(count)] " : ""
                var served: VerifiedPeer?
                do throws(MTLSClientError) {
                    let exchange = try await client.exchange(host: host, port: port)
                    served = exchange.server
                    let expiry = exchange.server.leaf.notValidAfter.formatted(.iso8601)
                    if handshake.json {
                        var record = TLSConnectionRecord(event: "connected", handshake: exchange.handshake)
                        record.peerID = exchange.server.spiffeID.description
                        record.ownID = exchange.clientID.description
                        record.serial = exchange.server.serialNumber
                        record.reply = exchange.reply
                        record.print()
                    } else {
                        TLSCLI.printLine("\(prefix)server \(exchange.server.spiffeID) (certificate serial \(exchange.server.serialNumber), expires \(expiry)); I am \(exchange.clientID)")
                        if let parameters = exchange.handshake { TLSCLI.printLine("\(prefix)handshake: \(parameters.summary)") }
                        TLSCLI.printLine("\(prefix)reply: \(exchange.reply)")
                    }
                } catch {
                    if count == 1 { throw CLIError(error.description) }
                    failures += 1
                    TLSCLI.printLine("tls-client: \(prefix)\(error)", to: .standardError)
                }
                if let writePeer, let served {
                    try Self.write(served, attempt: attempt, bundles: opened.source, to: URL(fileURLWithPath: writePeer))
                }
            }
            if failures > 0 {
                throw CLIError("\(failures) of \(count) connections failed")
            }
        }
    }

    /// The server's side of connection `attempt`, kept for later checks: the validated chain
    /// without the bundle's own root (what a server with a clean, ordered chain sent), and that
    /// trust domain's bundle.
    /// Public certificates only, so 0644; each run overwrites its numbers.
    static func write(_ server: VerifiedPeer, attempt: Int, bundles: any X509BundleSource, to directory: URL) throws {
        let bundle = try bundles.x509Bundle(for: server.spiffeID.trustDomain)
        var sent = server.chain
        if sent.count > 1, let last = sent.last, bundle.authorities.contains(last) { sent.removeLast() }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try AtomicFile.write(Data(try PEM.encode(sent).utf8), to: directory.appendingPathComponent("server.\(attempt).pem"))
            try AtomicFile.write(Data(try bundle.pem().utf8), to: directory.appendingPathComponent("bundle.pem"))
        } catch {
            throw CLIError("--write-peer \(directory.path): \(error)")
        }
    }
}
