import ArgumentParser
import Foundation
import SpiffeIdentity
import SpiffeJWT

/// `spiffe-bench jwt`: what minting and fully validating a JWT-SVID cost, per algorithm, next to
/// the one step validation cannot skip, verifying the signature.
///
/// Validation is parse (base64url, JSON, duplicate-member scan), the header and claim rules, the
/// bundle lookup, and one signature verification; the ratio validate/verify says what the rules
/// add on top of the cryptography.
struct JWTBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwt",
        abstract: "JWT-SVID mints and validations per second (ES256, RS256, PS256), next to raw signature verifications."
    )

    @Option(help: "Seconds to run each measurement.")
    var seconds: Double = 1

    func run() async throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        let now = Date()
        let trustDomain = try TrustDomain("example.org")
        let id = try SpiffeID("spiffe://example.org/bench")
        #if DEBUG
        let build = "debug build: Swift code unoptimized, expect release to be faster"
        #else
        let build = "release build"
        #endif
        print("spiffe-bench jwt (\(String(format: "%.1f", seconds)) s per measurement; \(build))")
        for (kind, algorithm) in [(JWTPrivateKey.Kind.p256, JWTAlgorithm.es256), (.rsa2048, .rs256), (.rsa2048, .ps256)] {
            let authority = try JWTAuthority(trustDomain: trustDomain, keyType: kind, algorithm: algorithm)
            let bundles = [trustDomain: authority.bundle]
            let validator = JWTSVIDValidator(audience: "bob")
            let token = try authority.issue(for: id, audience: ["bob"], now: now)
            // Every run must really succeed, or the figure measures a shortcut.
            _ = try validator.validate(token, bundles: bundles, now: now)
            let parsed = try JWTToken.parse(token)

            // Measured together, their windows taking turns: the ratio compares like with like.
            let figures = try await Throughput.measure(seconds, together: [
                { _ = try authority.issue(for: id, audience: ["bob"], now: now) },
                { _ = try JWTToken.parse(token) },
                { _ = try validator.validate(token, bundles: bundles, now: now) },
                {
                    let ok = try authority.publicKey.verify(signature: parsed.signature, over: parsed.signingInput, algorithm: algorithm)
                    precondition(ok)
                },
            ])
            let (mint, parse, validate, verify) = (figures[0], figures[1], figures[2], figures[3])
            print(line("\(algorithm.rawValue) mint (sign)", mint))
            print(line("\(algorithm.rawValue) parse only (base64url, JSON)", parse))
            print(line("\(algorithm.rawValue) validate (all twelve checks)", validate))
            print(line("\(algorithm.rawValue) signature verification alone", verify))
            print(String(format: "  %@: the signature is %.0f%% of a validate; token %d bytes, signature %d bytes",
                         algorithm.rawValue, 100 * validate.perSecond / verify.perSecond, token.utf8.count, parsed.signature.count))
            print(String(format: "  ratio: %@ validate = %.2f x %@ signature verification (parse alone: %.1f µs)",
                         algorithm.rawValue, validate.perSecond / verify.perSecond, algorithm.rawValue, 1_000_000 / parse.perSecond))
        }
    }

    func line(_ label: String, _ m: Throughput) -> String { m.line(label, width: 44, microsecondsWidth: 8) }
}
