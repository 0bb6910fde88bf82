import Foundation
import SpiffeBundles
import SpiffeExchange
import SpiffeFormats
import SpiffeIdentity
import SpiffeLocalTrustDomain
import SpiffeX509
import Testing

/// The exchange under an UpstreamAuthority-shaped trust domain: the SVIDs are signed by an
/// intermediate, and the bundles hold only the root.
@Suite("The SVID exchange publishes whole chains and picks the peer's bundle by its trust domain")
struct SVIDExchangeChainTests {
    func exchange(_ a: SimulatedX509Source, _ b: SimulatedX509Source, expect: SpiffeIDMatcher? = nil) async throws
        -> (SVIDExchange.Outcome, SVIDExchange.Outcome, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("exchange-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var sideA = try SVIDExchange(name: "a", directory: directory)
        var sideB = try SVIDExchange(name: "b", directory: directory)
        sideA.timeout = .seconds(30)
        sideB.timeout = .seconds(30)
        async let ranA = sideA.run(source: a, expect: expect)
        async let ranB = sideB.run(source: b, expect: expect)
        let (outcomeA, outcomeB) = try await (ranA, ranB)
        let published = try PEM.certificates(from: try Data(contentsOf: sideA.ownFile), source: "svid-a.pem")
        #expect(published.count == 2, "leaf and intermediate, not the root")
        #expect(published[1] == a.authority.certificate)
        return (outcomeA, outcomeB, directory)
    }

    @Test("Under an intermediate CA both sides pass all six checks (a leaf alone would fail check 5)")
    func intermediateChainValidates() async throws {
        let root = try CertificateAuthority(trustDomain: try TrustDomain("example.org"))
        let intermediate = try root.issueIntermediateCA()
        let a = try SimulatedX509Source(authority: intermediate, spiffeID: try SpiffeID("spiffe://example.org/service-a"))
        let b = try SimulatedX509Source(authority: intermediate, spiffeID: try SpiffeID("spiffe://example.org/service-b"))
        #expect(a.authority.bundle.authorities == [root.certificate])
        let (outcomeA, outcomeB, _) = try await exchange(a, b)
        #expect(outcomeA.report.isValid, "\(outcomeA.report.verdict)")
        #expect(outcomeB.report.isValid, "\(outcomeB.report.verdict)")
        #expect(outcomeA.report.spiffeID?.description == "spiffe://example.org/service-b")

        // The leaf alone, as the exchange published it before: no path to the root.
        let leafOnly = await SVIDValidator.validate(chain: [try b.x509SVID().leaf], bundle: a.authority.bundle, expect: .any)
        #expect(!leafOnly.isValid)
    }

    @Test("A peer of another trust domain fails check 5 when the source has no bundle for it")
    func foreignPeerHasNoBundle() async throws {
        let mine = try CertificateAuthority(trustDomain: try TrustDomain("example.org"))
        let theirs = try CertificateAuthority(trustDomain: try TrustDomain("partner.example"))
        let a = try SimulatedX509Source(authority: try mine.issueIntermediateCA(), spiffeID: try SpiffeID("spiffe://example.org/service-a"))
        let b = try SimulatedX509Source(authority: try theirs.issueIntermediateCA(), spiffeID: try SpiffeID("spiffe://partner.example/service-b"))
        let (outcomeA, _, _) = try await exchange(a, b, expect: .any)
        #expect(!outcomeA.report.isValid)
        #expect(outcomeA.report.verdict.contains("partner.example"), "\(outcomeA.report.verdict)")
    }
}
