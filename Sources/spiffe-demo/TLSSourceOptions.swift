import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeLocalTrustDomain
import SpiffeIdentity
import SpiffeWorkloadAPI
import SpiffeTLS
import SpiffeX509

/// Where tls-server, tls-client and svid-exchange get their SVIDs: the Workload API (`--live`)
/// or a simulated trust domain whose CA is kept in a directory, so that several processes share
/// it (both sides of a handshake must trust the same CA).
struct TLSSourceOptions: ParsableArguments {
    @Flag(help: "Fetch the SVID from the Workload API (SPIFFE_ENDPOINT_SOCKET or --socket) and follow its rotations.")
    var live = false

    @Option(help: ArgumentHelp("Workload API endpoint for --live, e.g. unix:///tmp/spire-agent/public/api.sock.", valueName: "address"))
    var socket: String?

    @Option(help: ArgumentHelp("Simulated mode: the trust domain of the shared CA.", valueName: "name"))
    var trustDomain: String = "example.org"

    @Option(help: ArgumentHelp("Simulated mode: the SPIFFE ID to issue an SVID for.", valueName: "spiffe-id"))
    var id: String?

    @Option(help: ArgumentHelp("Simulated mode: SVID lifetime in seconds; the SVID is renewed at half of it, as SPIRE's agent does.", valueName: "seconds"))
    var svidTTL: Double = 3600

    @OptionGroup var state: StateOption

    /// A source and a way to release it.
    struct Opened {
        let source: any X509SVIDSource & X509BundleSource
        let close: @Sendable () -> Void
        let mode: String
    }

    /// Opens the source. In simulated mode the trust domain's CA comes from `--state`; `defaultID`
    /// is used when no `--id` was given. With `--live`, waits at most `timeout` (the command's
    /// `--timeout`, in seconds; a command that takes no --live passes none) for the first SVID.
    func open(defaultID: String, timeout seconds: Double? = nil) async throws(CLIError) -> Opened {
        if live {
            let seconds = seconds ?? 30
            let timeout = try CLISupport.timeout(seconds)
            let client: WorkloadAPIClient
            do throws(WorkloadAPIError) { client = try WorkloadAPIClient(socket: socket) } catch { throw CLIError(error.description) }
            let source = X509Source(client: client)
            // The agent may answer PermissionDenied until an entry names this process, and the
            // source retries meanwhile: say so, rather than sit silent for half a minute.
            FileHandle.standardError.write(Data("waiting for an SVID from \(client.address) (up to \(String(format: "%g", seconds)) s)\n".utf8))
            do {
                try await source.waitUntilReady(timeout: timeout)
            } catch {
                source.close()
                throw CLIError("no SVID from the Workload API at \(client.address): \(error)")
            }
            return Opened(source: source, close: { source.close() }, mode: "live (\(client.address))")
        }
        guard svidTTL >= 2 else { throw CLIError("--svid-ttl must be at least 2 seconds") }
        do {
            let trustDomain = try TrustDomain(self.trustDomain)
            let spiffeID = try SpiffeID(id ?? "spiffe://\(trustDomain)\(defaultID)")
            let authority = try state.authorities(trustDomain).ca
            let source = try SimulatedX509Source(authority: authority, spiffeID: spiffeID, ttl: svidTTL)
            return Opened(source: source, close: {}, mode: "simulated (CA in \(state.directory.trustDomain(trustDomain).url.path))")
        } catch let error as CustomStringConvertible & Error {
            throw CLIError(error.description)
        } catch {
            throw CLIError("\(error)")
        }
    }
}

/// Helpers shared by tls-server, tls-client and svid-exchange (namespaced so they cannot clash
/// with other commands' helpers in this executable).
/// `--groups` and `--json`, shared by tls-server and tls-client.
struct TLSHandshakeOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Key-exchange groups to offer (client) or accept (server), in order: a comma list of X25519MLKEM768, X25519, secp256r1, secp384r1, secp521r1 (default: swift-nio-ssl's, X25519MLKEM768 first).",
        valueName: "list"))
    var groups: String?

    @Flag(help: "One JSON object per line: the server's `listening` event (address, own_id), then per connection `accepted`/`connected` (peer_id, serial, tls_version, cipher_suite, group, client_hello_bytes of the first ClientHello, hello_retry) or `refused` (from, reason).")
    var json = false

    func parsedGroups() throws(CLIError) -> [TLSGroup]? {
        do {
            return try groups.map(TLSCodePoints.parseGroups)
        } catch {
            throw CLIError("--groups: \(error)")
        }
    }
}

/// One connection as a line of JSON: what was said, plus the handshake's parameters.
struct TLSConnectionRecord: Encodable {
    var event: String
    var address: String?
    var peerID: String?
    var ownID: String?
    var from: String?
    var serial: String?
    var reply: String?
    var reason: String?
    var tlsVersion: String?
    var cipherSuite: String?
    var group: String?
    var clientHelloBytes: Int?
    var helloRetry: Bool?

    init(event: String, handshake: HandshakeParameters? = nil) {
        self.event = event
        tlsVersion = handshake?.version
        cipherSuite = handshake?.cipherSuite
        group = handshake?.group
        clientHelloBytes = handshake?.clientHelloBytes
        helloRetry = handshake?.helloRetry
    }

    enum CodingKeys: String, CodingKey {
        case event, address, from, serial, reply, reason, group
        case peerID = "peer_id", ownID = "own_id", tlsVersion = "tls_version", cipherSuite = "cipher_suite"
        case clientHelloBytes = "client_hello_bytes", helloRetry = "hello_retry"
    }

    func print() {
        TLSCLI.printLine(String(decoding: JSONValue.encode(self, pretty: false), as: UTF8.self))
    }
}

enum TLSCLI {
    /// Prints one line and flushes at once, so a test or a `| tee` sees it while the process runs.
    static func printLine(_ line: String, to handle: FileHandle = .standardOutput) {
        handle.write(Data((line + "\n").utf8))
    }

    /// Parses `host:port` (IPv4, a name, or `[IPv6]:port`).
    static func parseHostPort(_ text: String, option: String) throws(CLIError) -> (host: String, port: Int) {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw CLIError("\(option) \(text): expected [address]:port") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw CLIError("\(option) \(text): expected host:port, e.g. 127.0.0.1:7443") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
            throw CLIError("\(option) \(text): expected host:port with a port from 0 to 65535")
        }
        return (String(host), port)
    }
}
