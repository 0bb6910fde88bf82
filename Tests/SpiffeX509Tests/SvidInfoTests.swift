import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import Testing
import X509

@Suite("SvidInfo: what inspect shows")
struct SvidInfoTests {
    let web = try! SpiffeID("spiffe://example.org/web")
    /// Whole seconds, so JSON's ISO 8601 dates round-trip exactly.
    let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))

    @Test("every field the issue lists, read from a make-svid SVID")
    func fields() throws {
        let ca = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        let svid = try ca.issueSVID(for: web, now: now)
        let info = try SvidInfo(chain: svid.chain, bundle: ca.bundle, now: now)
        #expect(info.spiffeID == web.description)
        #expect(info.spiffeIDProblem == nil)
        #expect(info.trustDomain == "example.org")
        #expect(info.leaf.subject == "")
        #expect(info.leaf.issuer == ca.certificate.subject.description)
        #expect(info.leaf.serial == CertificateNames.hex(svid.leaf.serialNumber.bytes))
        #expect(info.leaf.notBefore == now - 10)
        #expect(info.leaf.notAfter == now + 3600)
        #expect(info.leaf.secondsLeft == 3600)
        #expect(info.leaf.timeLeft == "1h")
        #expect(info.leaf.keyType == "EC P-256" && info.leaf.keySizeBits == 256)
        #expect(info.leaf.signatureAlgorithm == "ecdsa-with-SHA256")
        #expect(info.leaf.subjectAlternativeNames == ["URI:spiffe://example.org/web"])
        #expect(info.leaf.subjectAlternativeNamesCritical == true)
        #expect(info.leaf.keyUsage == ["digitalSignature", "keyEncipherment", "keyAgreement"])
        #expect(info.leaf.keyUsageCritical == true)
        #expect(info.leaf.extendedKeyUsage == ["serverAuth", "clientAuth"])
        #expect(info.leaf.basicConstraints == "CA=FALSE")
        #expect(info.leaf.basicConstraintsCritical == true)
        #expect(info.leaf.sha256Fingerprint.count == 32 * 3 - 1)
        #expect(info.chainLength == 1)
        #expect(info.intermediates.isEmpty)
        let bundle = try #require(info.bundle)
        #expect(bundle.count == 1)
        #expect(bundle[0].subject == ca.certificate.subject.description)
        #expect(bundle[0].spiffeID == "spiffe://example.org")
        #expect(bundle[0].status == "valid")
        #expect(bundle[0].notAfter == now + CertificateAuthority.defaultTTL)
        #expect(info.bundleTrustDomain == "example.org")
    }

    @Test("the table shows every field; the JSON is one object with the same data")
    func tableAndJSON() throws {
        let root = try CertificateAuthority(trustDomain: exampleOrg, keyType: .rsa2048, now: now)
        let svid = try root.issueIntermediateCA(now: now).issueSVID(for: web, keyType: .p384, now: now)
        let info = try SvidInfo(chain: svid.chain, bundle: root.bundle, now: now)
        let table = info.tableLines.joined(separator: "\n")
        for label in [
            "SPIFFE ID", "Trust domain", "Serial", "Issuer", "Not before", "Not after", "Time left", "Key",
            "Signature algorithm", "SANs", "Key usage", "Extended key usage", "Basic constraints", "Chain length",
            "SHA-256 fingerprint", "Bundle", "CA 1", "validity",
        ] {
            #expect(table.contains(label), "table lacks \(label)")
        }
        for value in [web.description, info.leaf.serial, info.leaf.sha256Fingerprint, "EC P-384, 384 bits",
                      "ecdsa-with-SHA256", "serverAuth, clientAuth", "CA=FALSE (critical)", "2 (leaf + 1 intermediate(s))",
                      "valid, 1d left", "RSA"] {
            #expect(table.contains(value), "table lacks \(value)")
        }
        let json = try info.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        for key in ["spiffeID", "trustDomain", "leaf", "chainLength", "intermediates", "bundle", "inspectedAt"] {
            #expect(object[key] != nil, "JSON lacks \(key)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(SvidInfo.self, from: Data(json.utf8)) == info)
    }

    @Test("a certificate that is no SVID is still inspected, with the problem named")
    func notAnSVID() throws {
        let ca = try CertificateAuthority(trustDomain: exampleOrg, now: now)
        var spec = LeafSpec(notBefore: now - 7200, notAfter: now - 3600)
        spec.uris = []
        spec.dnsNames = ["web.example.org"]
        spec.basicConstraints = nil
        let certificate = try spec.make(signedBy: ca)
        let info = try SvidInfo(chain: [certificate], now: now)
        #expect(info.spiffeID == nil)
        #expect(info.spiffeIDProblem?.contains("no URI SAN") == true)
        #expect(info.leaf.subjectAlternativeNames == ["DNS:web.example.org"])
        #expect(info.leaf.basicConstraints == nil)
        #expect(info.leaf.timeLeft == "expired 1h ago")
        #expect(info.bundle == nil)
        let table = info.tableLines.joined(separator: "\n")
        #expect(table.contains("none: no SPIFFE ID"))
        #expect(table.contains("Basic constraints    absent") || table.contains("absent"))
    }

    @Test("an expired CA in the bundle is flagged")
    func expiredCA() throws {
        let old = try CertificateAuthority(trustDomain: exampleOrg, ttl: 60, now: now - 3600)
        let svid = try old.issueSVID(for: web, now: now - 3600)
        let info = try SvidInfo(chain: svid.chain, bundle: old.bundle, now: now)
        #expect(info.bundle?.first?.status == "expired")
        #expect(info.bundle?.first?.timeLeft.hasPrefix("expired") == true)
    }

    @Test("durations print the way people read them")
    func durations() {
        #expect(TimeText.duration(0) == "0s")
        #expect(TimeText.duration(59) == "59s")
        #expect(TimeText.duration(3590) == "59m 50s")
        #expect(TimeText.duration(90_061) == "1d 1h")
        #expect(TimeText.parseDuration("1h") == 3600)
        #expect(TimeText.parseDuration("30m") == 1800)
        #expect(TimeText.parseDuration("90s") == 90)
        #expect(TimeText.parseDuration("1h30m") == 5400)
        #expect(TimeText.parseDuration("2d") == 172_800)
        #expect(TimeText.parseDuration("45") == 45)
        for bad in ["", "0", "0s", "-5m", "1x", "h", "1h30", "1.5h", "one hour"] {
            #expect(TimeText.parseDuration(bad) == nil, "\(bad) should not parse")
        }
        let date = Date(timeIntervalSince1970: 1_900_000_000)
        #expect(TimeText.iso(date) == "2030-03-17T17:46:40Z")
        #expect(TimeText.parseISO("2030-03-17T17:46:40Z") == date)
    }
}
