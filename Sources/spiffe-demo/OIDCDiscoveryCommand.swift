import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeOIDC
import SpiffeX509

struct OIDCDiscoveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oidc-discovery",
        abstract: "Print what SPIRE's OIDC Discovery Provider would serve for the trust domain's JWT bundle.",
        discussion: """
            A cloud IAM (AWS, GCP, Azure) that trusts SPIRE as an OIDC identity provider reads \
            <issuer>/.well-known/openid-configuration, follows its jwks_uri to the JWT authorities, \
            and then accepts a JWT-SVID whose iss is the issuer, whose aud is the configured \
            client ID (sts.amazonaws.com for AWS STS), and whose signature verifies with a listed \
            kid. This prints both documents for the simulated trust domain's JWT bundle (or \
            --bundle FILE); --write DIR lays them out as static files (DIR/.well-known/\
            openid-configuration and DIR/keys) for hosting behind https. --check-token TOKEN \
            runs the checks an IAM runs before trading the token for credentials.

            --serve HOST:PORT serves both documents until interrupted, as SPIRE's provider does: \
            the keys are read again on every request, so a new JWT key appears without a restart. \
            An https issuer is served over HTTPS with --tls-cert and --tls-key, or else with a \
            certificate for HOST from a throwaway CA whose certificate is written to the state \
            directory (its path is printed; curl --cacert it). An http issuer (with \
            --allow-insecure-http) is served as plain HTTP: for trying it on your own machine, \
            never for a real IAM.
            """
    )

    @Option(help: ArgumentHelp("The issuer URL (https; http only with --allow-insecure-http), as configured in the IAM and in SPIRE's jwt_issuer.", valueName: "url"))
    var issuer: String

    @Option(name: .customLong("trust-domain"), help: ArgumentHelp("The trust domain whose JWT bundle is served.", valueName: "td"))
    var trustDomain: String = "example.org"

    @Option(help: ArgumentHelp("Serve this bundle file (SPIFFE bundle or JWKS) instead of the simulated one.", valueName: "file"))
    var bundle: String?

    @Flag(name: .customLong("set-key-use"), help: "Add \"use\": \"sig\" to every key (SPIRE's set_key_use).")
    var setKeyUse = false

    @Flag(name: .customLong("allow-insecure-http"), help: "Allow an http issuer (SPIRE's allow_insecure_scheme; never for a real IAM).")
    var allowInsecure = false

    @Option(help: ArgumentHelp("Write the two documents as static files under this directory.", valueName: "dir"))
    var write: String?

    @Option(name: .customLong("check-token"), help: ArgumentHelp("Check a JWT-SVID (or - for stdin) the way the IAM would.", valueName: "token"))
    var checkToken: String?

    @Option(help: ArgumentHelp("The client ID (audience) the IAM expects, with --check-token.", valueName: "aud"))
    var audience: String = "sts.amazonaws.com"

    @Option(help: ArgumentHelp("Serve the documents at this address (e.g. 127.0.0.1:8443) until interrupted.", valueName: "host:port"))
    var serve: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("With --serve and an https issuer: the server certificate chain (PEM).", valueName: "file"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("With --serve and an https issuer: the server's private key (PEM).", valueName: "file"))
    var tlsKey: String?

    @OptionGroup var state: StateOption

    @Flag(help: "Print one JSON object holding both documents.")
    var json = false

    func run() async throws {
        if let serve {
            try await CLISupport.run("oidc-discovery") { try await self.serve(at: serve) }
            return
        }
        try CLISupport.run("oidc-discovery") {
            let discovery: OIDCDiscovery
            do { discovery = try OIDCDiscovery(issuer: issuer, allowInsecureScheme: allowInsecure) } catch {
                throw CLIError("--issuer: \(error)")
            }
            let domain = try JWTCLI.trustDomain(trustDomain, option: "--trust-domain")
            let source: SpiffeBundle
            if let bundle {
                source = try JWTCLI.readBundle(bundle, trustDomain: domain)
            } else {
                source = try state.authorities(domain, jwt: .anyKey).bundle
            }
            if source.jwtAuthorities.isEmpty {
                CommandLineMain.printError("oidc-discovery: warning: the bundle of \(domain) has no JWT authorities; the keys document is empty")
            }
            let document = discovery.documentJSON(pretty: true)
            let keys = OIDCDiscovery.keys(of: source, setKeyUse: setKeyUse, pretty: true)

            if let write {
                let directory = URL(fileURLWithPath: write).standardizedFileURL
                let configuration = directory.appendingPathComponent(".well-known/openid-configuration")
                let keysFile = directory.appendingPathComponent(URL(string: discovery.jwksURI)?.lastPathComponent ?? "keys")
                try JWTCLI.save(document, to: configuration)
                try JWTCLI.save(keys, to: keysFile)
                CommandLineMain.printError("oidc-discovery: wrote \(configuration.path) and \(keysFile.path)")
            }

            if json {
                let both: [String: JSONValue] = [
                    "openid-configuration": try JSONDecoder().decode(JSONValue.self, from: document),
                    "keys": try JSONDecoder().decode(JSONValue.self, from: keys),
                ]
                JWTCLI.write(JWTCLI.json(both))
            } else if checkToken == nil {
                JWTCLI.print("GET \(discovery.configurationURL)")
                JWTCLI.write(document + Data("\n".utf8))
                JWTCLI.print()
                JWTCLI.print("GET \(discovery.jwksURI)")
                JWTCLI.write(keys + Data("\n".utf8))
            }

            if let checkToken {
                try check(checkToken, discovery: discovery, keys: keys, domain: domain)
            }
        }
    }

    /// Serves the two documents at `address` until SIGINT or SIGTERM.
    private func serve(at address: String) async throws {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (1...65535).contains(port) else {
            throw CLIError("--serve \(address): give HOST:PORT, e.g. 127.0.0.1:8443")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let discovery: OIDCDiscovery
        do { discovery = try OIDCDiscovery(issuer: issuer, allowInsecureScheme: allowInsecure) } catch {
            throw CLIError("--issuer: \(error)")
        }
        let domain = try JWTCLI.trustDomain(trustDomain, option: "--trust-domain")
        let https = discovery.issuer.lowercased().hasPrefix("https:")
        guard https || (tlsCertificate == nil && tlsKey == nil) else {
            throw CLIError("--tls-cert and --tls-key serve HTTPS, but the issuer is http: use an https issuer")
        }
        var tls: OIDCDiscoveryServer.TLS?
        if https {
            if let tlsCertificate, let tlsKey {
                tls = try OIDCDiscoveryServer.TLS(
                    certificatePEM: String(decoding: try InputFile.read(path: tlsCertificate), as: UTF8.self),
                    privateKeyPEM: String(decoding: try InputFile.read(path: tlsKey), as: UTF8.self))
            } else if tlsCertificate != nil || tlsKey != nil {
                throw CLIError("--tls-cert and --tls-key go together")
            } else {
                let serving = try ServingCertificate.make(host: host)
                let caFile = state.directory.url.appendingPathComponent("oidc-serving-ca.pem")
                try JWTCLI.save(Data(serving.caPEM.utf8), to: caFile)
                tls = try OIDCDiscoveryServer.TLS(certificatePEM: serving.certificatePEM, privateKeyPEM: serving.privateKeyPEM)
                CommandLineMain.printError("oidc-discovery: HTTPS with a certificate for \(host) from a throwaway CA; trust \(caFile.path) (curl --cacert)")
            }
        }
        let configurationPath = URLComponents(string: discovery.configurationURL)?.path ?? "/.well-known/openid-configuration"
        let keysPath = URLComponents(string: discovery.jwksURI)?.path ?? "/keys"
        let document = discovery.documentJSON(pretty: true)
        // Read per request: the keys are the trust domain's current JWT authorities.
        let bundleFile = bundle
        let stateOption = state
        let setKeyUse = setKeyUse
        let server = try await OIDCDiscoveryServer.bind(host: host, port: port, tls: tls) { path in
            switch path {
            case configurationPath: return document
            case keysPath:
                let source = try bundleFile.map { try JWTCLI.readBundle($0, trustDomain: domain) }
                    ?? stateOption.authorities(domain, jwt: .anyKey).bundle
                return OIDCDiscovery.keys(of: source, setKeyUse: setKeyUse, pretty: true)
            default: return nil
            }
        }
        let scheme = https ? "https" : "http"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        CommandLineMain.printError("oidc-discovery: serving \(scheme)://\(shownHost):\(server.port)\(configurationPath) and \(keysPath) for \(domain) (Ctrl-C stops)")
        let signals = TLSCLI.onTermination { server.close() }
        defer { signals.forEach { $0.cancel() } }
        try await server.wait()
        CommandLineMain.printError("oidc-discovery: stopped")
    }

    /// The checks a cloud IAM makes with only the published documents: keys from jwks_uri (no
    /// X.509 CAs, no `use`), iss equal to the issuer, the JWK's advertised alg equal to the
    /// token's, aud equal to its client ID, exp, signature.
    private func check(_ text: String, discovery: OIDCDiscovery, keys: Data, domain: TrustDomain) throws {
        var token = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
        token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        let published = try SpiffeBundle(json: keys, trustDomain: domain, format: .jwks, source: discovery.jwksURI)
        let verdict = JWTSVIDValidator(audience: audience).check(token, bundles: [domain: published], now: Date())

        var lines: [(String, String, String)] = []
        var failures: [String] = []
        let iss = verdict.token?.claims["iss"]?.stringValue
        if iss == discovery.issuer {
            lines.append(("pass", "iss", iss!))
        } else {
            let why = iss.map { "iss '\($0)' is not the issuer '\(discovery.issuer)'" }
                ?? "the token has no iss; the IAM matches it against the provider URL (SPIRE's jwt_issuer, or jwt-svid --issuer)"
            lines.append(("FAIL", "iss", why))
            failures.append(why)
        }
        // SPIRE advertises one alg per key (RS256 for any RSA key). An IAM that honours the JWK's
        // alg (RFC 7517 §4.4) refuses, say, a PS256 token signed with that key.
        struct Listed: Decodable { let keys: [JWK] }
        let advertised = (try? JSONDecoder().decode(Listed.self, from: keys))?.keys
            .first { $0.kid != nil && $0.kid == verdict.token?.keyID }?.alg
        if let advertised, let alg = verdict.token?.algorithm, advertised != alg {
            let why = "jwks_uri advertises kid '\(verdict.token?.keyID ?? "")' for \(advertised), but the token says \(alg)"
            lines.append(("FAIL", "jwk alg", why))
            failures.append(why)
        }
        for check in verdict.checks {
            switch check.outcome {
            case .passed(let detail): lines.append(("pass", check.name.rawValue, detail.description))
            case .failed(let error): lines.append(("FAIL", check.name.rawValue, error.description)); failures.append(error.description)
            case .skipped(let why): lines.append(("skip", check.name.rawValue, why))
            }
        }
        JWTCLI.print("checks a cloud IAM makes with \(discovery.jwksURI), client ID '\(audience)':")
        let width = lines.map(\.1.count).max() ?? 0
        for (status, name, detail) in lines {
            JWTCLI.print("  \(status)  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(detail)")
        }
        guard failures.isEmpty, let svid = verdict.svid else {
            throw CLIError("the IAM would refuse this token: \(failures.first ?? "invalid")")
        }
        JWTCLI.print("ACCEPTED: the IAM would now match sub '\(svid.spiffeID)' against the role's trust policy")
    }
}
