import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509

struct JWTSVIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwt-svid",
        abstract: "Mint a JWT-SVID (simulated) or fetch one from the Workload API (--live).",
        discussion: """
            Prints the token alone on standard output, so it pipes into `spiffe-demo jwt-parse -`. \
            Simulated mode signs with the trust domain's JWT authority kept in the state directory \
            (--state, else $SPIFFE_DEMO_STATE, else ~/.spiffe-demo; created on first use), so \
            `bundle show` and `jwt-parse --bundle` see the same keys later. --write DIR saves the \
            token as DIR/jwt_svid.token (mode 0600: it is a bearer credential) and the trust \
            domain's JWT bundle as DIR/jwt_bundle.json (a JWKS, as the Workload API serves it).
            """
    )

    @Option(name: .customLong("audience"), help: ArgumentHelp("Who may accept the token (repeatable; one is strongly recommended).", valueName: "aud"))
    var audiences: [String] = []

    @Option(name: .customLong("spiffe-id"), help: ArgumentHelp("The workload's SPIFFE ID, the sub claim (simulated default spiffe://example.org/workload; with --live, which of the workload's identities).", valueName: "id"))
    var spiffeID: String?

    static let defaultSpiffeID = "spiffe://example.org/workload"

    @Option(parsing: .unconditional, help: ArgumentHelp("Lifetime, e.g. 5m, 90s, 1h (SPIRE's default is 5m).", valueName: "duration"))
    var ttl: String = "5m"

    @Option(help: ArgumentHelp("Signature algorithm: \(JWTAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "alg"))
    var alg: JWTAlgorithm = .es256

    @Option(help: ArgumentHelp("Add an iss claim (as SPIRE's jwt_issuer does, for OIDC federation).", valueName: "url"))
    var issuer: String?

    @Option(help: ArgumentHelp("Save the token and the JWT bundle in this directory.", valueName: "dir"))
    var write: String?

    @OptionGroup var state: StateOption

    @Option(parsing: .unconditional, help: ArgumentHelp("Mint as if it were this time (ISO 8601 or seconds since 1970).", valueName: "time"))
    var at: String?

    @Flag(help: "Fetch from the Workload API at SPIFFE_ENDPOINT_SOCKET (or --socket) instead of minting.")
    var live = false

    @Option(help: ArgumentHelp("The Workload API endpoint for --live (default $SPIFFE_ENDPOINT_SOCKET).", valueName: "unix:///path"))
    var socket: String?

    @Option(help: ArgumentHelp("With --live: how long to keep trying, and to wait for an answer.", valueName: "seconds"))
    var timeout: Double = 5

    @Flag(help: "Print one JSON object instead of the bare token.")
    var json = false

    func run() async throws {
        try await CLISupport.run("jwt-svid") {
            guard !audiences.filter({ !$0.isEmpty }).isEmpty else {
                throw CLIError("give at least one --audience: a JWT-SVID without an audience is rejected by every validator (JWT-SVID §3.2)")
            }
            guard let lifetime = TimeText.parseDuration(ttl) else {
                throw CLIError("--ttl '\(ttl)' is not a duration such as 5m, 90s or 1h")
            }
            let id = try JWTCLI.spiffeID(spiffeID ?? Self.defaultSpiffeID, option: "--spiffe-id")
            if let issuer {
                do { _ = try OIDCDiscovery(issuer: issuer, allowInsecureScheme: true) } catch {
                    throw CLIError("--issuer: \(error)")
                }
            }

            let token: String
            let bundle: SpiffeBundle?
            if live {
                let limit = try CLISupport.timeout(timeout)
                let fetched = try await JWTSVIDLive.fetch(audience: audiences, spiffeID: spiffeID, socket: socket, timeout: limit)
                (token, bundle) = (fetched.token, fetched.bundle)
            } else {
                let now = try JWTCLI.time(at)
                // The state is created and renewed by the real clock: --at only dates the token.
                let authorities = try state.authorities(id.trustDomain, jwt: .key(for: alg))
                guard let authority = authorities.jwtAuthority(for: alg) else {
                    throw CLIError("no JWT authority of \(id.trustDomain) can sign \(alg.rawValue)")
                }
                do {
                    token = try authority.issue(for: id, audience: audiences, ttl: lifetime, issuer: issuer, now: now)
                } catch {
                    throw CLIError("\(error)")
                }
                bundle = authorities.bundle
            }

            let parsed = try JWTToken.parse(token)
            var written: [String] = []
            if let write {
                let directory = URL(fileURLWithPath: write).standardizedFileURL
                let tokenFile = directory.appendingPathComponent("jwt_svid.token")
                try JWTCLI.save(Data((token + "\n").utf8), to: tokenFile, secret: true)
                written.append(tokenFile.path)
                if let bundle {
                    let bundleFile = directory.appendingPathComponent("jwt_bundle.json")
                    try JWTCLI.save(bundle.jwksJSON(pretty: true), to: bundleFile)
                    written.append(bundleFile.path)
                }
            }

            if json {
                JWTCLI.write(JWTCLI.json(Output(
                    spiffe_id: parsed.subject ?? "", audience: parsed.audience ?? [],
                    expires_at: parsed.expiry.map(TimeText.iso) ?? "", kid: parsed.keyID ?? "",
                    alg: parsed.algorithm ?? "", token: token, written: written)))
            } else {
                JWTCLI.print(token)
            }
            let expires = parsed.expiry.map { "expires \(TimeText.iso($0))" } ?? "no exp"
            CommandLineMain.printError("jwt-svid: \(parsed.subject ?? "?") for audience \((parsed.audience ?? []).joined(separator: ", ")); \(expires); \(parsed.algorithm ?? "?") kid \(parsed.keyID ?? "?")")
            for path in written { CommandLineMain.printError("jwt-svid: wrote \(path)") }
        }
    }

    struct Output: Encodable {
        var spiffe_id: String
        var audience: [String]
        var expires_at: String
        var kid: String
        var alg: String
        var token: String
        var written: [String]
    }
}
