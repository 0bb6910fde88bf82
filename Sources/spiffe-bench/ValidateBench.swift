import ArgumentParser
import Crypto
import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeTLS
import SpiffeX509
import X509

/// `spiffe-bench validate`: what a full six-check validation costs next to the one thing it
/// cannot avoid, verifying a P-256 signature.
///
/// The validator checks one signature per SVID (the leaf's, made by the bundle CA; the CA itself
/// is trusted as is), so the ratio validate-time / signature-time says how much parsing, path
/// building and policy add on top of the cryptography.
struct ValidateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Full validate checks per second for a P-256 SVID, next to raw P-256 signature verifications per second."
    )

    @Option(help: "Seconds to run each measurement.")
    var seconds: Double = 2

    func run() async throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        let now = Date()
        let trustDomain = try TrustDomain("example.org")
        let id = try SpiffeID("spiffe://example.org/bench")
        let ca = try CertificateAuthority(trustDomain: trustDomain, keyType: .p256, now: now)
        let svid = try ca.issueSVID(for: id, keyType: .p256, now: now)
        let bundle = ca.bundle
        let pem = Data(try PEM.encode(svid.chain).utf8)

        // Every run must really succeed, or the figure measures a shortcut.
        let check = await SVIDValidator.validate(chain: svid.chain, bundle: bundle, expect: .id(id), at: now)
        guard check.isValid else { throw ValidationError("the benchmark SVID does not validate: \(check.verdict)") }

        let validateParsed: () async throws -> Void = {
            let report = await SVIDValidator.validate(chain: svid.chain, bundle: bundle, expect: .id(id), at: now)
            precondition(report.isValid)
        }
        let validatePEM: () async throws -> Void = {
            let report = await SVIDValidator.validate(data: pem, source: "bench", bundles: bundle, expect: .id(id), at: now)
            precondition(report.isValid)
        }

        // The floor: one ECDSA P-256 verification over the leaf's to-be-signed bytes.
        let key = P256.Signing.PrivateKey()
        let message = Data(svid.leaf.tbsCertificateBytes)   // exactly what the leaf's signature covers
        let signature = try key.signature(for: message)
        let publicKey = key.publicKey
        let verify: () async throws -> Void = {
            precondition(publicKey.isValidSignature(signature, for: message))
        }

        // What the TLS callback does per handshake (PeerVerification): DER off the wire into
        // Certificates, authenticate and authorize (SVIDPeerVerifier), re-encode the validated
        // chain for swift-nio-ssl.
        let wire = try svid.chain.map { try PEM.der([$0]) }
        let peerVerifier = SVIDPeerVerifier(bundles: bundle, authorizer: .id(id), now: { now })
        let verifyPeer: () async throws -> Void = {
            let presented = try wire.map { try ParsedCertificates.certificate(derEncoded: $0) }
            let peer = try await peerVerifier.verify(presented: presented)
            let validated = try peer.chain.map { try PEM.der([$0]) }
            precondition(validated.count == 2)
        }

        // What the parse cache saves: a certificate never seen before, parsed from DER.
        let leafDER = try PEM.der([svid.leaf])
        let parseCold: () async throws -> Void = {
            _ = try Certificate(derEncoded: leafDER)
        }

        // Measured together, their windows taking turns: the ratios compare like with like.
        let figures = try await Throughput.measure(seconds, together: [validateParsed, validatePEM, verify, verifyPeer, parseCold])
        let (parsed, fromPEM, signatures, handshake, coldParse) = (figures[0], figures[1], figures[2], figures[3], figures[4])

        // The ratio again, with the two measured in alternating rounds of 20, so that whatever
        // else the machine does in those seconds weighs on both alike.
        let (alternatingValidate, alternatingVerify) = try await alternate(seconds, validateParsed, verify)

        #if DEBUG
        let build = "debug build: Swift code unoptimized, expect release to be several times faster"
        #else
        let build = "release build"
        #endif
        print("spiffe-bench validate (\(String(format: "%.1f", seconds)) s per measurement; \(build))")
        print(line("validate, parsed chain (six checks)", parsed))
        print(line("validate, from PEM bytes (parse + six checks)", fromPEM))
        print(line("P-256 signature verification (swift-crypto)", signatures))
        print(line("TLS peer verification, per handshake", handshake))
        print(line("parse a leaf never seen before (DER, uncached)", coldParse))
        print(String(format: "ratio: a validate of a parsed chain costs %.1f signature verifications; from PEM %.1f",
                     signatures.perSecond / parsed.perSecond, signatures.perSecond / fromPEM.perSecond))
        print(String(format: "ratio: validate, parsed chain = %.2f x P-256 signature verification; from PEM %.2f x; TLS peer verification %.2f x",
                     parsed.perSecond / signatures.perSecond, fromPEM.perSecond / signatures.perSecond, handshake.perSecond / signatures.perSecond))
        print(String(format: "ratio, alternating rounds: validate, parsed chain = %.2f x P-256 signature verification (%.0f /s vs %.0f /s)",
                     alternatingValidate.perSecond / alternatingVerify.perSecond, alternatingValidate.perSecond, alternatingVerify.perSecond))
        print(String(format: "so the signature is %.0f%% of a validate; parsing, path building and policy are the rest",
                     100 * parsed.perSecond / signatures.perSecond))
    }

    func line(_ label: String, _ m: Throughput) -> String { m.line(label, width: 48) }

    /// Runs `first` and `second` in alternating rounds of 20 for about `seconds` in all, timing
    /// each separately.
    func alternate(_ seconds: Double, _ first: () async throws -> Void, _ second: () async throws -> Void) async throws -> (Throughput, Throughput) {
        for _ in 0..<20 { try await first(); try await second() }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        var spent: (Duration, Duration) = (.zero, .zero)
        var count = 0
        while clock.now < deadline {
            let a = clock.now
            for _ in 0..<20 { try await first() }
            let b = clock.now
            for _ in 0..<20 { try await second() }
            spent.0 += b - a
            spent.1 += clock.now - b
            count += 20
        }
        func inSeconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        return (Throughput(count: count, elapsed: inSeconds(spent.0)), Throughput(count: count, elapsed: inSeconds(spent.1)))
    }
}
