import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeJWT
import SpiffeLocalTrustDomain
import SpiffeX509
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The one on-disk trust domain: what simulated mode and the local agent keep their CA and JWT
/// keys in.
@Suite("TrustDomainDirectory: one trust domain on disk")
struct TrustDomainDirectoryTests {
    let domain = try! TrustDomain("example.org")

    @Test("keys are kept between runs, private, and every change bumps spiffe_sequence")
    func keepsKeysAndCounts() throws {
        let root = try TestSupport.makeTempDirectory(prefix: "trust-domain")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = StateDirectory(root).trustDomain(domain)
        #expect(try directory.load() == nil)

        let first = try directory.loadOrCreate(trustDomain: domain, jwt: .anyKey, renewal: .simulated, now: Fixture.now)
        #expect(first.created.count == 2)
        #expect(first.sequenceNumber == 2)
        let es256 = try #require(first.jwtAuthority(for: .es256))

        let again = try directory.loadOrCreate(trustDomain: domain, jwt: .key(for: .es256), renewal: .simulated, now: Fixture.now + 60)
        #expect(again.created.isEmpty)
        #expect(again.jwtAuthority(for: .es256)?.keyID == es256.keyID)
        #expect(again.ca.certificate == first.ca.certificate)
        #expect(again.bundle == first.bundle)
        #expect(try directory.load()?.bundle == first.bundle)

        // A PS256 token needs an RSA key: one is added, and the bundle's sequence moves on.
        let withRSA = try directory.loadOrCreate(trustDomain: domain, jwt: .key(for: .ps256), renewal: .simulated, now: Fixture.now)
        #expect(withRSA.created.count == 1)
        #expect(withRSA.sequenceNumber == 3)
        #expect(withRSA.jwtAuthority(for: .ps256)?.algorithm == .ps256)
        #expect(withRSA.jwtAuthority(for: .rs256)?.keyID == withRSA.jwtAuthority(for: .ps256)?.keyID)
        #expect(withRSA.bundle.jwtAuthorities.count == 2)

        // Private keys are the owner's alone, and so is the directory.
        var keyFiles = ["ca.key"]
        keyFiles += try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("jwt").path).map { "jwt/" + $0 }
        #expect(keyFiles.count == 3)
        for file in keyFiles + ["."] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.url.appendingPathComponent(file).path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == (file == "." ? 0o700 : 0o600), "\(file)")
        }
    }

    @Test("the renewal rule is a parameter: the CA is replaced when it is due, the old one kept")
    func renewalRule() throws {
        let root = try TestSupport.makeTempDirectory(prefix: "trust-domain")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = TrustDomainDirectory(root.appendingPathComponent("td"))
        let daily = RenewalRule(lifetime: 24 * 3600, renewWhenFractionLeft: 1.0 / 6)
        let first = try directory.loadOrCreate(trustDomain: domain, renewal: daily, now: Fixture.now)
        #expect(first.ca.certificate.notValidAfter.timeIntervalSince(Fixture.now) == 24 * 3600)
        // Five sixths of its life gone, less one minute: not due yet.
        let early = try directory.loadOrCreate(trustDomain: nil, renewal: daily, now: Fixture.now + 20 * 3600 - 60)
        #expect(early.created.isEmpty)
        #expect(early.ca.certificate == first.ca.certificate)
        // Past it: a fresh CA of the same trust domain, and the old one kept beside it.
        let renewed = try directory.loadOrCreate(trustDomain: nil, renewal: daily, now: Fixture.now + 20 * 3600 + 60)
        #expect(renewed.created.count == 1)
        #expect(renewed.ca.certificate != first.ca.certificate)
        #expect(renewed.ca.trustDomain == domain)
        #expect(renewed.sequenceNumber == first.sequenceNumber + 1)
        let previous = try PEM.certificates(
            from: try Data(contentsOf: directory.url.appendingPathComponent("ca.previous.pem")), source: "ca.previous.pem")
        #expect(previous == [first.ca.certificate])
        // The same CA under a rule that only renews at expiry: nothing changes.
        let lenient = RenewalRule(lifetime: 24 * 3600)
        #expect(try directory.loadOrCreate(trustDomain: nil, renewal: lenient, now: Fixture.now + 40 * 3600).created.isEmpty)
    }

    @Test("the presets: the agent renews with a sixth of the CA's life left, simulated mode in its last hour; a CA not valid yet is due")
    func renewalPresets() throws {
        let day = try CertificateAuthority(trustDomain: domain, ttl: 24 * 3600, now: Fixture.now).certificate
        #expect(!RenewalRule.agent.isDue(day, now: Fixture.now + 19 * 3600))
        #expect(RenewalRule.agent.isDue(day, now: Fixture.now + 21 * 3600))
        let month = try CertificateAuthority(trustDomain: domain, ttl: RenewalRule.simulated.lifetime, now: Fixture.now).certificate
        #expect(!RenewalRule.simulated.isDue(month, now: Fixture.now + RenewalRule.simulated.lifetime - 2 * 3600))
        #expect(RenewalRule.simulated.isDue(month, now: Fixture.now + RenewalRule.simulated.lifetime - 1800))
        // Made by a clock that ran a day ahead: it can sign nothing valid today.
        let ahead = try CertificateAuthority(trustDomain: domain, ttl: RenewalRule.simulated.lifetime, now: Fixture.now + 86400).certificate
        #expect(RenewalRule.simulated.isDue(ahead, now: Fixture.now))
    }

    @Test("a CA put in place by hand (no lock file yet) is read, and a directory others can read is made private")
    func handPlacedCA() throws {
        let root = try TestSupport.makeTempDirectory(prefix: "trust-domain")
        defer { try? FileManager.default.removeItem(at: root) }
        let ca = try CertificateAuthority(trustDomain: domain, now: Fixture.now)
        _ = try ca.save(to: root)   // ca.pem and ca.key, as make-svid --save-ca writes them
        chmod(root.path, 0o755)
        let directory = TrustDomainDirectory(root)
        #expect(try directory.load()?.ca.certificate == ca.certificate)
        #expect(directory.trustDomain() == domain)
        let loaded = try directory.loadOrCreate(trustDomain: domain, jwt: .anyKey, renewal: .simulated, now: Fixture.now)
        #expect(loaded.ca.certificate == ca.certificate, "the CA found is kept")
        #expect(loaded.created.count == 1, "only the JWT key was missing: \(loaded.created)")
        let mode = try FileManager.default.attributesOfItem(atPath: root.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o700)
    }

    @Test("two trust domains side by side, and a directory of one refuses the other")
    func sideBySide() throws {
        let root = try TestSupport.makeTempDirectory(prefix: "trust-domain")
        defer { try? FileManager.default.removeItem(at: root) }
        let state = StateDirectory(root)
        let partner = try TrustDomain("partner.org")
        let ours = try state.trustDomain(domain).loadOrCreate(trustDomain: domain, renewal: .simulated, now: Fixture.now)
        let theirs = try state.trustDomain(partner).loadOrCreate(trustDomain: partner, renewal: .simulated, now: Fixture.now)
        #expect(ours.ca.trustDomain == domain)
        #expect(theirs.ca.trustDomain == partner)
        #expect(ours.ca.certificate != theirs.ca.certificate)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("trust-domains").path).sorted()
                == ["example.org", "partner.org"])
        #expect(throws: TrustDomainDirectoryError.otherTrustDomain(path: state.trustDomain(domain).url.path, found: domain, wanted: partner)) {
            try state.trustDomain(domain).loadOrCreate(trustDomain: partner, renewal: .simulated, now: Fixture.now)
        }
    }

    @Test("eight concurrent creators all end up with the same CA, made once")
    func creationRace() async throws {
        let root = try TestSupport.makeTempDirectory(prefix: "trust-domain-race")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = TrustDomainDirectory(root.appendingPathComponent("example.org"))
        let domain = self.domain
        let results = try await withThrowingTaskGroup(of: ([UInt8], Int).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let made = try directory.loadOrCreate(trustDomain: domain, jwt: .anyKey, renewal: .simulated, now: Date())
                    return (try PEM.der([made.ca.certificate]), made.created.count)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 8)
        #expect(Set(results.map(\.0)).count == 1, "different CAs were handed out")
        #expect(results.map(\.1).reduce(0, +) == 2, "the CA and the JWT key were each made once: \(results.map(\.1))")
        #expect(try directory.load()?.sequenceNumber == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("jwt").path).count == 1)
    }

    @Test("a broken state file is a one-line error that says what to do")
    func brokenStateFile() throws {
        let root = try TestSupport.makeTempDirectory(prefix: "trust-domain")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = TrustDomainDirectory(root)
        _ = try directory.loadOrCreate(trustDomain: domain, renewal: .simulated, now: Fixture.now)
        try Data("{".utf8).write(to: root.appendingPathComponent("state.json"))
        do {
            _ = try directory.load()
            Issue.record("a broken state.json was read")
        } catch {
            #expect(error.description.contains("state.json: not a state file with a spiffe_sequence; write"), "\(error)")
        }
    }
}
