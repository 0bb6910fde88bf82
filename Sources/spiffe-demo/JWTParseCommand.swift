import ArgumentParser
import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeX509

struct JWTParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwt-parse",
        abstract: "Show a JWT-SVID's header and claims; with --bundle and --audience, validate it check by check.",
        discussion: """
            Without --bundle nothing is verified: the output is what the token SAYS, which anyone \
            could have written. With --bundle FILE (a SPIFFE bundle or a JWKS, e.g. from \
            `spiffe-demo bundle show --format jwks` or `jwt-svid --write`), --trust-domain TD \
            (whose bundle it is: the file does not say, and the token must not choose) and \
            --audience AUD, every rule of JWT-SVID validation is checked and reported; the exit \
            status is 0 only when the token is valid. A token that starts with '-' goes after '--'.
            """
    )

    @Argument(help: ArgumentHelp("The token, - to read it from standard input, or a file holding it (jwt_svid.token).", valueName: "token | - | file"))
    var token: String

    @Option(help: ArgumentHelp("A SPIFFE bundle or JWKS to verify the token with.", valueName: "file"))
    var bundle: String?

    @Option(help: ArgumentHelp("The audience this validator identifies with (required with --bundle).", valueName: "aud"))
    var audience: String?

    @Option(name: .customLong("trust-domain"), help: ArgumentHelp("The trust domain the bundle belongs to (required with --bundle).", valueName: "td"))
    var trustDomain: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Validate at this time instead of now (ISO 8601 or seconds since 1970).", valueName: "time"))
    var at: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Clock leeway for exp and nbf, in seconds.", valueName: "seconds"))
    var leeway: Double = JWTSVIDValidator.defaultLeeway

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        try CLISupport.run("jwt-parse") {
            if bundle != nil, audience == nil {
                throw CLIError("--bundle needs --audience: a JWT-SVID is only valid for an audience (JWT-SVID §3.2)")
            }
            if audience != nil, bundle == nil {
                throw CLIError("--audience needs --bundle: without the trust domain's keys nothing can be verified")
            }
            // An infinite leeway would accept every expired token.
            guard leeway >= 0, leeway <= 3_600 else { throw CLIError("--leeway must be from 0 to 3600 seconds") }
            let now = try JWTCLI.time(at)
            let compact = try readToken()
            let parsed: JWTToken
            do { parsed = try JWTToken.parse(compact) } catch {
                throw CLIError("not a JWT-SVID: \(error)")
            }

            var validation: Validation?
            if let bundlePath = bundle, let audience {
                validation = try validate(compact, parsed: parsed, bundlePath: bundlePath, audience: audience, now: now)
            }
            if json {
                JWTCLI.write(JWTCLI.json(Report(token: parsed, now: now, validation: validation)))
            } else {
                printText(parsed, now: now, validation: validation)
            }
            if let validation, !validation.valid {
                throw CLIError("rejected: \(validation.error ?? "invalid")")
            }
        }
    }

    private func readToken() throws -> String {
        var text = token
        if token == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else if !token.contains("."), FileManager.default.fileExists(atPath: token) || token.contains("/") {
            // No dot: not a compact token, so a file such as `jwt-svid --write`'s jwt_svid.token.
            text = String(decoding: try InputFile.read(path: token), as: UTF8.self)
        } else if token.hasSuffix(".token"), FileManager.default.fileExists(atPath: token) {
            text = String(decoding: try InputFile.read(path: token), as: UTF8.self)
        }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // Accept a header value pasted whole: `Bearer <token>` (JWT-SVID §5.2).
        if text.lowercased().hasPrefix("bearer ") {
            text = String(text.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        if text.isEmpty { throw CLIError(token == "-" ? "no token on standard input" : "the token is empty") }
        return text
    }

    private func validate(
        _ compact: String, parsed: JWTToken, bundlePath: String, audience: String, now: Date
    ) throws -> Validation {
        // The bundle file does not say whose keys it holds (bundle spec §3: a bundle is bound to
        // its trust domain by how it was obtained, not by its contents). Taking the trust domain
        // from the token's own sub would let an example.org key vouch for a token claiming
        // spiffe://other.org/x, so the caller must name it.
        guard let trustDomain else {
            throw CLIError("--bundle needs --trust-domain: a bundle file does not say whose keys it holds, and the token's own sub must not choose (e.g. --trust-domain example.org)")
        }
        let domain = try JWTCLI.trustDomain(trustDomain, option: "--trust-domain")
        let loaded = try JWTCLI.readBundle(bundlePath, trustDomain: domain)
        if loaded.jwtAuthorities.isEmpty, !loaded.x509Authorities.isEmpty {
            throw CLIError("\(bundlePath) holds only X.509 CA certificates; JWT-SVIDs are verified with JWT authorities (try `spiffe-demo bundle show --format jwks`)")
        }
        let bundles = [domain: loaded]
        let jwtKeys = loaded.jwtAuthorities.count
        let verdict = JWTSVIDValidator(audience: audience, leeway: leeway).check(compact, bundles: bundles, now: now)
        return Validation(
            bundle: bundlePath,
            trust_domain: domain.name,
            jwt_authorities: jwtKeys,
            audience: audience,
            valid: verdict.isValid,
            spiffe_id: verdict.svid?.spiffeID.description,
            error: verdict.firstFailure?.description,
            checks: verdict.checks.map(Check.init))
    }

    // MARK: Text

    private func printText(_ parsed: JWTToken, now: Date, validation: Validation?) {
        JWTCLI.print("header")
        printMembers(parsed.header, now: now) { name, value in
            if name == "alg", let alg = value.stringValue.flatMap(JWTAlgorithm.init(rawValue:)) {
                return "\(alg.rawValue)  (\(alg.summary))"
            }
            return nil
        }
        JWTCLI.print("claims")
        printMembers(parsed.claims, now: now) { name, value in
            guard ["exp", "nbf", "iat"].contains(name), let seconds = value.numberValue else { return nil }
            return "\(value)  " + JWTParseCommand.relative(name, Date(timeIntervalSince1970: seconds), now: now)
        }
        JWTCLI.print("signature  \(parsed.signature.count) bytes")

        guard let validation else {
            JWTCLI.print("NOT VERIFIED: no --bundle was given, so nothing above has been checked; anyone can write these claims.")
            return
        }
        JWTCLI.print()
        JWTCLI.print("checks against \(validation.bundle) (trust domain \(validation.trust_domain); \(JWTCLI.count(validation.jwt_authorities, "JWT authority", "JWT authorities"))), audience '\(validation.audience)':")
        let width = JWTCheck.Name.allCases.map(\.rawValue.count).max() ?? 0
        for check in validation.checks {
            let label = ["passed": "pass", "failed": "FAIL", "skipped": "skip"][check.outcome] ?? check.outcome
            JWTCLI.print("  \(label)  \(check.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(check.detail)")
        }
        if let id = validation.spiffe_id {
            JWTCLI.print("VALID: a JWT-SVID for \(id)")
        } else {
            JWTCLI.print("INVALID")
        }
    }

    private func printMembers(
        _ members: [String: JSONValue], now: Date, special: (String, JSONValue) -> String?
    ) {
        let width = members.keys.map(\.count).max() ?? 0
        // The registered names first, in the order a reader looks for them.
        let order = ["alg", "kid", "typ", "sub", "aud", "exp", "nbf", "iat", "iss", "jti"]
        let names = members.keys.sorted {
            (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1)
        }
        for name in names {
            let value = members[name]!
            let shown = special(name, value) ?? (value.stringValue ?? value.description)
            JWTCLI.print("  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(shown)")
        }
    }

    static func relative(_ claim: String, _ date: Date, now: Date) -> String {
        let delta = date.timeIntervalSince(now)
        let span = TimeText.duration(delta)
        let when = TimeText.iso(date)
        switch claim {
        case "exp": return delta > 0 ? "(\(when), expires in \(span))" : "(\(when), expired \(span) ago)"
        case "nbf": return delta > 0 ? "(\(when), valid in \(span))" : "(\(when), valid since \(span) ago)"
        default: return delta > 0 ? "(\(when), \(span) in the future)" : "(\(when), \(span) ago)"
        }
    }

    // MARK: JSON

    struct Report: Encodable {
        var header: [String: JSONValue]
        var claims: [String: JSONValue]
        var signature_bytes: Int
        var times: [String: Time]
        var verified: Bool
        var validation: Validation?

        init(token: JWTToken, now: Date, validation: Validation?) {
            header = token.header
            claims = token.claims
            signature_bytes = token.signature.count
            var times: [String: Time] = [:]
            for name in ["exp", "nbf", "iat"] {
                if let date = token.date(name) {
                    times[name] = Time(iso: TimeText.iso(date), seconds_from_now: TimeText.wholeSeconds(date.timeIntervalSince(now)))
                }
            }
            self.times = times
            verified = validation?.valid ?? false
            self.validation = validation
        }
    }

    struct Time: Encodable {
        var iso: String
        var seconds_from_now: Int
    }

    struct Validation: Encodable {
        var bundle: String
        var trust_domain: String
        var jwt_authorities: Int
        var audience: String
        var valid: Bool
        var spiffe_id: String?
        var error: String?
        var checks: [Check]
    }

    struct Check: Encodable {
        var name: String
        var rule: String
        var outcome: String
        var detail: String

        init(_ check: JWTCheck) {
            name = check.name.rawValue
            rule = check.name.rule
            switch check.outcome {
            case .passed(let detail): (outcome, self.detail) = ("passed", detail.description)
            case .failed(let error): (outcome, detail) = ("failed", error.description)
            case .skipped(let why): (outcome, detail) = ("skipped", why)
            }
        }
    }
}
