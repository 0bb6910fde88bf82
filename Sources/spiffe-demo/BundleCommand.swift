import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509
import SpireAPIProto

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Trust bundles: the keys that vouch for a trust domain's SVIDs.",
        subcommands: [BundleShowCommand.self, BundleServeCommand.self, BundleFetchCommand.self]
    )
}

struct BundleShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a trust domain's bundle as PEM or as a SPIFFE bundle (JWKS).",
        discussion: """
            In simulated mode the bundle is that of the trust domain's authorities in the state \
            directory (--state, else $SPIFFE_DEMO_STATE, else ~/.spiffe-demo), created on first \
            use: the X.509 CA (trust-domains/<td>/ca.pem) and every JWT authority \
            (trust-domains/<td>/jwt/<kid>.key), the keys `jwt-svid` signs with. --format pem \
            prints only the X.509 CA certificates, as SPIRE's bundle.0.pem holds them; --format \
            jwks prints the SPIFFE bundle: x509-svid keys with x5c, jwt-svid keys with kid, \
            spiffe_sequence and spiffe_refresh_hint. --from FILE reads a bundle (PEM, SPIFFE \
            bundle or JWKS) instead, so one format can be turned into the other.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case pem, jwks
    }

    @Option(help: ArgumentHelp("pem or jwks.", valueName: "format"))
    var format: Format = .pem

    @Option(name: .customLong("trust-domain"), help: ArgumentHelp("The trust domain.", valueName: "td"))
    var trustDomain: String = "example.org"

    @Option(help: ArgumentHelp("Read this bundle file instead of the simulated trust domain.", valueName: "file"))
    var from: String?

    @OptionGroup var state: StateOption

    @Option(name: .customLong("socketPath", withSingleDash: true),
            help: ArgumentHelp("The SPIRE model server's admin socket: print its bundle (every root it holds), as spire-server bundle show does.", valueName: "path"))
    var socketPath: String?

    @OptionGroup var deadline: AdminTimeoutOption

    func run() async throws {
        if let socketPath {
            guard format == .pem, from == nil else { throw CLIError("-socketPath prints the server's bundle as PEM; it takes neither --format jwks nor --from") }
            let bundle = try await AdminClient.with(socketPath: socketPath, timeout: deadline) { client, options in
                try await Spire_Api_Server_Bundle_V1_Bundle.Client(wrapping: client).getBundle(.init(), options: options)
            }
            let roots = try bundle.x509Authorities.map { try ParsedCertificates.certificate(derEncoded: Array($0.asn1)) }
            JWTCLI.write(Data(try PEM.encode(roots).utf8))
            CommandLineMain.printError("bundle of \(bundle.trustDomain) from the server: \(JWTCLI.count(roots.count, "X.509 authority", "X.509 authorities")), sequence \(bundle.sequenceNumber)")
            return
        }
        try CLISupport.run("bundle show") {
            let domain = try JWTCLI.trustDomain(trustDomain, option: "--trust-domain")
            let bundle: SpiffeBundle
            if let from {
                bundle = try JWTCLI.readBundle(from, trustDomain: domain)
            } else {
                bundle = try state.authorities(domain, jwt: .anyKey).bundle
            }
            switch format {
            case .pem:
                guard !bundle.x509Authorities.isEmpty else {
                    throw CLIError("the bundle of \(domain) has no X.509 authorities to print as PEM (its JWT keys need --format jwks)")
                }
                JWTCLI.write(Data(try bundle.pem().utf8))
            case .jwks:
                JWTCLI.write(try bundle.spiffeJSON(pretty: true) + Data("\n".utf8))
            }
            let kids = bundle.jwtAuthorities.keys.sorted().joined(separator: ", ")
            var summary = "bundle of \(domain): \(JWTCLI.count(bundle.x509Authorities.count, "X.509 authority", "X.509 authorities")), \(JWTCLI.count(bundle.jwtAuthorities.count, "JWT authority", "JWT authorities"))"
            if !kids.isEmpty { summary += " (kid \(kids))" }
            if let sequence = bundle.sequenceNumber { summary += ", spiffe_sequence \(sequence)" }
            if let hint = bundle.refreshHint { summary += ", refresh hint \(hint)s" }
            CommandLineMain.printError(summary)
        }
    }
}
