import ArgumentParser
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import X509

/// `spiffe-demo validate <cert.pem> --bundle <bundle.pem> [--expect-id ID | --expect-td TD] [--at TIME]`
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Run the six X509-SVID checks in order; exit 0 only when all pass.",
        discussion: """
            The checks: (1) exactly one well-formed SPIFFE URI SAN, (2) the leaf is not a CA, \
            (3) key usage, (4) validity window at --at, (5) an RFC 5280 path to the bundle of the \
            ID's trust domain, (6) the ID is the expected one. Checking stops at the first failure.

            A bundle file's trust domain is read from its CAs' SPIFFE IDs (spiffe://<td>); CAs \
            without one are taken as the bundle of the leaf's trust domain.
            """
    )

    @Argument(help: ArgumentHelp("The SVID: PEM or DER, leaf first, intermediates after it.", valueName: "cert.pem"))
    var certificate: String

    @Option(name: .customLong("bundle"), help: ArgumentHelp("A trust bundle (PEM CA certificates); repeat for several trust domains.", valueName: "file"))
    var bundles: [String] = []

    @Option(help: ArgumentHelp("Accept only this SPIFFE ID (check 6).", valueName: "spiffe-id"))
    var expectID: String?

    @Option(name: .customLong("expect-td"), help: ArgumentHelp("Accept any ID of this trust domain (check 6).", valueName: "trust-domain"))
    var expectTD: String?

    // `.unconditional`, so that `--at -30m` is read as a value, not as an unknown flag.
    @Option(parsing: .unconditional, help: ArgumentHelp("Validate at this time: ISO 8601, now, or +2h / -30m from now.", valueName: "time"))
    var at: String?

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    func run() async throws {
        let now = Date()
        guard !bundles.isEmpty else {
            throw CLIError("validate needs --bundle FILE: the CA certificates to validate against (e.g. bundle.0.pem)")
        }
        let expected = try expectation()
        let time = try at.map { text throws(CLIError) in try CLISupport.time(text, now: now) } ?? now
        let data = try InputFile.read(path: certificate)

        // The leaf's trust domain, read leniently here only to place bundles whose CAs name no
        // trust domain; the validator itself trusts nothing of this.
        let leafTrustDomain = (try? PEM.certificates(from: data, source: certificate)).flatMap { try? CertificateNames.spiffeID(of: $0[0]).trustDomain }
        var set: [TrustDomain: X509Bundle] = [:]
        for path in bundles {
            let authorities = try PEM.certificates(from: try InputFile.read(path: path), source: path)
            guard let trustDomain = try X509Bundle.trustDomain(namedBy: authorities, source: path) ?? leafTrustDomain else { continue }
            set[trustDomain, default: X509Bundle(trustDomain: trustDomain, authorities: [])].authorities += authorities
        }

        let report = await SVIDValidator.validate(data: data, source: certificate, bundles: set, expect: expected, at: time)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(report.summary), as: UTF8.self))
        } else {
            print(report.lines.joined(separator: "\n"))
        }
        if !report.isValid { throw ExitCode(1) }
    }

    private func expectation() throws(CLIError) -> SpiffeIDMatcher {
        switch (expectID, expectTD) {
        case (.some, .some):
            throw CLIError("give --expect-id or --expect-td, not both")
        case (let id?, nil):
            do { return .id(try SpiffeID(id)) } catch { throw CLIError("--expect-id \"\(id)\" is not a valid SPIFFE ID: \(error)") }
        case (nil, let td?):
            do { return .memberOf(try TrustDomain(td)) } catch { throw CLIError("--expect-td \"\(td)\" is not a valid trust domain: \(error)") }
        case (nil, nil):
            return .any
        }
    }
}
