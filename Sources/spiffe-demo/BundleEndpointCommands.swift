import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeBundles
import SpiffeFederation
import SpiffeFormats
import SpiffeIdentity
import SpiffeTLS
import SpiffeX509

/// The two bundle endpoint profiles as the command line names them (SPIRE's
/// `bundle_endpoint_profile` values).
enum ProfileName: String, ExpressibleByArgument, CaseIterable {
    case httpsWeb = "https_web"
    case httpsSPIFFE = "https_spiffe"
}

struct BundleServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a trust domain's SPIFFE bundle over HTTPS: a bundle endpoint for federation.",
        discussion: """
            Answers GET <path> with the SPIFFE bundle (JSON, with spiffe_sequence and \
            spiffe_refresh_hint) of the simulated trust domain in --state, read again for every \
            request, to any client (a bundle endpoint must not ask for client authentication). \
            https_web presents --cert/--key, which must name the host clients connect to; \
            https_spiffe presents the trust domain's X509-SVID for --id (default \
            spiffe://<td>/spire/server, the ID SPIRE's server serves its endpoint with). Runs \
            until SIGINT or SIGTERM.
            """
    )

    @Option(help: ArgumentHelp("https_web or https_spiffe.", valueName: "profile"))
    var profile: ProfileName

    @Option(help: ArgumentHelp("Address to listen on; port 0 picks a free port.", valueName: "host:port"))
    var listen = "127.0.0.1:8443"

    @Option(help: ArgumentHelp("The path the bundle is served at.", valueName: "path"))
    var path = "/"

    @Option(help: ArgumentHelp("https_web: the server certificate (PEM, leaf first).", valueName: "file"))
    var cert: String?

    @Option(help: ArgumentHelp("https_web: its private key (PEM).", valueName: "file"))
    var key: String?

    @OptionGroup var source: TLSSourceOptions

    func run() async throws {
        try await CLISupport.run("bundle serve") {
            let (host, port) = try TLSCLI.parseHostPort(listen, option: "--listen")
            guard !source.live else { throw CLIError("bundle serve serves a simulated trust domain's bundle; it takes no --live") }
            guard path.hasPrefix("/") else { throw CLIError("--path must start with /") }
            let domain = try JWTCLI.trustDomain(source.trustDomain, option: "--trust-domain")
            let authentication: BundleEndpointServer.Authentication
            var presenting = ""
            switch profile {
            case .httpsWeb:
                guard let cert, let key else { throw CLIError("https_web needs --cert and --key: a certificate for the host clients connect to") }
                guard source.id == nil else { throw CLIError("--id is for https_spiffe; https_web presents --cert") }
                authentication = .web(certificatePEM: String(decoding: try InputFile.read(path: cert), as: UTF8.self),
                                      privateKeyPEM: String(decoding: try InputFile.read(path: key), as: UTF8.self))
                presenting = "the certificate in \(cert)"
            case .httpsSPIFFE:
                guard cert == nil, key == nil else { throw CLIError("--cert/--key are for https_web; https_spiffe presents an X509-SVID") }
                // Simulated only (--live is refused above), so there is no wait to bound.
                let opened = try await source.open(defaultID: "/spire/server")
                authentication = .spiffe(opened.source)
                presenting = "the X509-SVID of \(try opened.source.x509SVID().spiffeID)"
            }
            let state = source.state
            let server = try await BundleEndpointServer.bind(host: host, port: port, path: path, authentication: authentication) {
                try state.authorities(domain, jwt: .anyKey).bundle
            }
            TLSCLI.printLine("listening on \(server.localAddress.ipAddress ?? host):\(server.port) (\(profile.rawValue))")
            TLSCLI.printLine("bundle serve: the bundle of \(domain) at \(path), presenting \(presenting)", to: .standardError)
            let signals = TLSCLI.onTermination {
                TLSCLI.printLine("bundle serve: shutting down", to: .standardError)
                server.close()
            }
            defer { signals.forEach { $0.cancel() } }
            try await server.wait()
        }
    }
}

struct BundleFetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch a foreign trust domain's SPIFFE bundle from its bundle endpoint, authenticated by its profile.",
        discussion: """
            The bundle is taken as the bundle of --trust-domain, whatever it contains, and \
            printed as JSON on stdout (or written to --out). https_web checks the server's \
            certificate against the system's CAs (or --cacert) and the URL's host; \
            https_spiffe requires an X509-SVID for exactly --endpoint-spiffe-id, valid against \
            --bundle, the bundle of that ID's trust domain (for the first fetch, one obtained \
            out of band). For a self-serving endpoint, --out also keeps the fetched bundle to \
            authenticate the next fetch, and --watch fetches again at each spiffe_refresh_hint.
            """
    )

    @Argument(help: ArgumentHelp("The bundle endpoint URL (https://…).", valueName: "url"))
    var url: String

    @Option(name: .customLong("trust-domain"), help: ArgumentHelp("The trust domain the endpoint serves the bundle of.", valueName: "td"))
    var trustDomain: String

    @Option(help: ArgumentHelp("https_web or https_spiffe.", valueName: "profile"))
    var profile: ProfileName

    @Option(name: .customLong("endpoint-spiffe-id"), help: ArgumentHelp("https_spiffe: the SPIFFE ID the endpoint must present.", valueName: "spiffe-id"))
    var endpointSpiffeID: String?

    @Option(help: ArgumentHelp("https_spiffe: the bundle of the endpoint ID's trust domain (PEM or SPIFFE bundle).", valueName: "file"))
    var bundle: String?

    @Option(help: ArgumentHelp("https_web: trust these CA certificates (PEM) instead of the system's.", valueName: "file"))
    var cacert: String?

    @Option(help: ArgumentHelp("Write the fetched bundle (SPIFFE bundle JSON) here instead of stdout.", valueName: "file"))
    var out: String?

    @Flag(help: "Fetch again at every spiffe_refresh_hint, until interrupted (needs --out).")
    var watch = false

    @Option(help: ArgumentHelp("Seconds each fetch may take, from connect to the last byte of the bundle.", valueName: "seconds"))
    var timeout: Double = 15

    func run() async throws {
        try await CLISupport.run("bundle fetch") {
            let domain = try JWTCLI.trustDomain(trustDomain, option: "--trust-domain")
            let endpoint: BundleEndpoint
            var endpointBundle: X509Bundle?
            var client = BundleEndpointClient()
            client.timeout = .init(try CLISupport.timeout(timeout))
            switch profile {
            case .httpsWeb:
                guard endpointSpiffeID == nil, bundle == nil else {
                    throw CLIError("--endpoint-spiffe-id and --bundle are for https_spiffe; https_web is authenticated by Web PKI (--cacert)")
                }
                endpoint = try Self.endpoint(url, domain, .httpsWeb)
                if let cacert { client.webRoots = try PEM.certificates(from: try InputFile.read(path: cacert), source: cacert) }
            case .httpsSPIFFE:
                guard cacert == nil else { throw CLIError("--cacert is for https_web; https_spiffe is authenticated by --bundle") }
                guard let endpointSpiffeID else { throw CLIError("https_spiffe needs --endpoint-spiffe-id: the SPIFFE ID the endpoint must present") }
                let endpointID: SpiffeID
                do { endpointID = try SpiffeID(endpointSpiffeID) } catch { throw CLIError("--endpoint-spiffe-id \(endpointSpiffeID): \(error)") }
                endpoint = try Self.endpoint(url, domain, .httpsSPIFFE(endpointID: endpointID))
                // A self-serving endpoint is authenticated by the latest bundle fetched from it.
                if let out, endpoint.isSelfServing, FileManager.default.fileExists(atPath: out) {
                    endpointBundle = try JWTCLI.readBundle(out, trustDomain: endpointID.trustDomain).x509Bundle
                } else if let bundle {
                    endpointBundle = try JWTCLI.readBundle(bundle, trustDomain: endpointID.trustDomain).x509Bundle
                } else {
                    throw CLIError("https_spiffe needs --bundle: the bundle of \(endpointID.trustDomain), to authenticate \(endpointID) on the first fetch")
                }
            }
            guard !watch || out != nil else { throw CLIError("--watch needs --out, the file each refresh replaces") }
            while true {
                let fetched: SpiffeBundle
                do throws(BundleEndpointError) {
                    fetched = try await client.fetch(endpoint, endpointBundle: endpointBundle)
                } catch {
                    throw CLIError(error.description)
                }
                let json = try fetched.spiffeJSON(pretty: true) + Data("\n".utf8)
                if let out {
                    try AtomicFile.write(json, to: URL(fileURLWithPath: out))
                } else {
                    JWTCLI.write(json)
                }
                var summary = "bundle of \(domain) from \(endpoint.url.absoluteString) (\(endpoint.profile)): "
                summary += "\(JWTCLI.count(fetched.x509Authorities.count, "X.509 authority", "X.509 authorities")), "
                summary += JWTCLI.count(fetched.jwtAuthorities.count, "JWT authority", "JWT authorities")
                if let sequence = fetched.sequenceNumber { summary += ", spiffe_sequence \(sequence)" }
                summary += ", refresh hint \(fetched.refreshHint ?? SpiffeBundle.defaultRefreshHint)s"
                CommandLineMain.printError(summary)
                guard watch else { return }
                if endpoint.isSelfServing { endpointBundle = fetched.x509Bundle }
                try await Task.sleep(for: .seconds(max(1, fetched.refreshHint ?? SpiffeBundle.defaultRefreshHint)))
            }
        }
    }

    static func endpoint(_ url: String, _ domain: TrustDomain, _ profile: BundleEndpoint.Profile) throws(CLIError) -> BundleEndpoint {
        do { return try BundleEndpoint(url: url, trustDomain: domain, profile: profile) } catch { throw CLIError(error.description) }
    }
}
