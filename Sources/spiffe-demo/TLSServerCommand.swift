import ArgumentParser
import Dispatch
import Foundation
import SpiffeIdentity
import SpiffeTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct TLSServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls-server",
        abstract: "Serve mTLS with this workload's SVID; print each client's SPIFFE ID and answer `hello from <own ID>`.",
        discussion: """
            The certificate is taken from the source at every handshake, so a rotated SVID is \
            served by the next connection without a restart. Clients must present an X509-SVID \
            that validates against the bundle of their trust domain (authentication) and whose \
            ID the allow list accepts (authorization). Without --allow-* options, any ID of the \
            server's own trust domain is allowed. Runs until SIGINT or SIGTERM.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on; port 0 picks a free port (the bound address is printed).", valueName: "host:port"))
    var listen = "127.0.0.1:7443"

    @Option(name: .customLong("allow-id"), help: ArgumentHelp("Allow this client SPIFFE ID (repeatable).", valueName: "spiffe-id"))
    var allowIDs: [String] = []

    @Option(name: .customLong("allow-td"), help: ArgumentHelp("Allow any client of this trust domain.", valueName: "trust-domain"))
    var allowTrustDomain: String?

    @Flag(name: .customLong("allow-any"), help: "Allow any authenticated client (exercises only).")
    var allowAny = false

    @Option(help: ArgumentHelp("With --live: seconds to wait for the first SVID from the Workload API.", valueName: "seconds"))
    var timeout: Double = 30

    @OptionGroup var handshake: TLSHandshakeOptions
    @OptionGroup var source: TLSSourceOptions

    func run() async throws {
        try await CLISupport.run("tls-server") {
            let (host, port) = try TLSCLI.parseHostPort(listen, option: "--listen")
            let allowed = try TLSCLI.authorizer(
                ids: allowIDs, trustDomain: allowTrustDomain, any: allowAny,
                options: ("--allow-id", "--allow-td", "--allow-any"))
            let opened = try await source.open(defaultID: "/server", timeout: timeout)
            defer { opened.close() }
            let ownID = try opened.source.x509SVID().spiffeID
            let authorizer = allowed ?? .memberOf(ownID.trustDomain)

            let groups = try handshake.parsedGroups()
            let json = handshake.json
            let server = try await MTLSServer.bind(
                host: host, port: port, svids: opened.source, bundles: opened.source, authorizer: authorizer, groups: groups
            ) { event in
                switch event {
                case .accepted(let client, let serial, let from, let parameters):
                    if json {
                        var record = TLSConnectionRecord(event: "accepted", handshake: parameters)
                        record.peerID = client.description
                        record.serial = serial
                        record.from = from
                        record.print()
                    } else {
                        TLSCLI.printLine(event.description)
                        if let parameters { TLSCLI.printLine("  handshake: \(parameters.summary)") }
                    }
                case .answered: break
                case .refused(let from, let reason):
                    if json {
                        var record = TLSConnectionRecord(event: "refused")
                        record.from = from
                        record.reason = reason
                        record.print()
                    } else {
                        TLSCLI.printLine("tls-server: \(event)", to: .standardError)
                    }
                }
            }
            let bound = server.localAddress
            if json {
                var record = TLSConnectionRecord(event: "listening")
                record.ownID = ownID.description
                record.address = "\(bound.ipAddress ?? host):\(bound.port ?? port)"
                record.print()
            } else {
                TLSCLI.printLine("listening on \(bound.ipAddress ?? host):\(bound.port ?? port) as \(ownID)")
            }
            TLSCLI.printLine("tls-server: SVIDs from \(opened.mode); clients allowed: \(authorizer)", to: .standardError)

            // SIGINT/SIGTERM stop accepting; connections in flight finish; then we exit 0.
            let signals = TLSCLI.onTermination {
                TLSCLI.printLine("tls-server: shutting down", to: .standardError)
                server.close()
            }
            defer { signals.forEach { $0.cancel() } }
            try await server.serve()
            TLSCLI.printLine("tls-server: stopped", to: .standardError)
        }
    }
}

extension TLSCLI {
    /// Builds the authorizer from the allow/expect options: an ID list, a trust domain, or any.
    /// Nil when none was given: the caller then allows its own trust domain.
    static func authorizer(
        ids: [String], trustDomain: String?, any: Bool,
        options: (id: String, td: String, any: String)
    ) throws(CLIError) -> Authorizer? {
        let given = (ids.isEmpty ? 0 : 1) + (trustDomain == nil ? 0 : 1) + (any ? 1 : 0)
        guard given <= 1 else {
            throw CLIError("use one of \(options.id) (repeatable), \(options.td) or \(options.any), not several")
        }
        do {
            if any { return .any }
            if let trustDomain { return .memberOf(try TrustDomain(trustDomain)) }
            if ids.count == 1 { return .id(try SpiffeID(ids[0])) }
            if !ids.isEmpty { return .oneOf(Set(try ids.map { try SpiffeID($0) })) }
        } catch {
            throw CLIError("\(error)")
        }
        return nil
    }

    /// Calls `handler` once on SIGINT or SIGTERM (instead of dying mid-handshake). Keep the
    /// returned sources alive while waiting.
    static func onTermination(_ handler: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }
}
