import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Validates X509-SVIDs with the six checks of the course, in order (see `SVIDCheck`).
///
/// Checks 1–4 look at the leaf alone. Check 5 hands path building and RFC 5280 policy to
/// swift-certificates' `Verifier` — path validation is easy to get subtly wrong, so it is not
/// hand-written here — with `SpiffeVerifierPolicy` next to it for the SPIFFE rules a generic
/// verifier does not know. Check 6 is authorization, which only the caller can decide.
public enum SVIDValidator {

    // step: validate
    /// Runs the six checks on `chain` (the leaf first, then any intermediates the peer sent),
    /// choosing the bundle from `bundles` by the trust domain of the leaf's SPIFFE ID.
    public static func validate(
        chain: [Certificate],
        bundles: some X509BundleSource,
        expect expected: SpiffeIDMatcher,
        at time: Date = Date()
    ) async -> ValidationReport {
        var report = ValidationReport(time: time, expected: expected)
        do throws(SVIDCheckFailure) {
            // 1. The identity lives in the URI SAN, not in the subject: exactly one, well formed.
            let (leaf, id) = try checkSpiffeID(chain)
            report.spiffeID = id
            report.passed(.spiffeID, LazyText(rendering: { id.description }))

            // 2. A leaf that is a CA could mint SVIDs for every ID in the trust domain.
            report.passed(.leafConstraints, try checkLeafConstraints(leaf))

            // 3. The key may sign (TLS handshakes), but never certificates or CRLs.
            report.passed(.keyUsage, try checkKeyUsage(leaf))

            // 4. SVIDs live for an hour, not a year: short lifetimes stand in for revocation.
            report.passed(.validity, try checkValidity(leaf, at: time))

            // 5. The bundle is picked by the ID's trust domain; the library builds the path.
            let validated = try await checkChain(chain, of: id, bundles: bundles, at: time)
            report.validatedChain = validated
            report.passed(.chain, LazyText(rendering: { validated.map(CertificateNames.describe).joined(separator: " <- ") }))

            // 6. Authentication is done; authorization is the caller's decision.
            report.passed(.authorization, try checkAuthorized(id, expected))
        } catch {
            report.failed(error)
        }
        return report
    }

    /// The most certificates a presented chain may hold (leaf and intermediates). SPIRE's
    /// chains are two or three long; a chain of thousands would only make path building slow.
    public static let maximumChainLength = 32
    /// The most CA certificates a bundle may hold: a trust domain has a handful (two while its
    /// CA rotates); path building may try each one.
    public static let maximumBundleAuthorities = 256

    /// Check 1: exactly one URI SAN, holding a valid SPIFFE ID whose path is not root.
    static func checkSpiffeID(_ chain: [Certificate]) throws(SVIDCheckFailure) -> (Certificate, SpiffeID) {
        func fail(_ reason: String) -> SVIDCheckFailure { SVIDCheckFailure(.spiffeID, reason) }
        guard let leaf = chain.first else { throw fail("there is no certificate to validate") }
        guard chain.count <= maximumChainLength else {
            throw fail("the chain holds \(chain.count) certificates; more than \(maximumChainLength) are refused")
        }
        let uris: [String]
        do { uris = try CertificateNames.uriSANs(of: leaf) } catch {
            guard case .noSpiffeID(let reason) = error else { throw fail(error.description) }
            throw fail(reason)
        }
        guard uris.count == 1, let uri = uris.first else {
            if uris.isEmpty { throw fail("the leaf has no URI SAN, so it carries no SPIFFE ID") }
            throw fail("the leaf has \(uris.count) URI SANs (\(uris.joined(separator: ", "))); an SVID has exactly one")
        }
        guard uri.utf8.count >= 7, uri.utf8.prefix(7).map({ $0 | 0x20 }).elementsEqual("spiffe:".utf8) else {
            throw fail("the URI SAN \(uri) is not a SPIFFE ID: its scheme must be spiffe")
        }
        let id: SpiffeID
        do { id = try SpiffeID(uri) } catch { throw fail("the URI SAN \(uri) is not a valid SPIFFE ID: \(error)") }
        // The root ID (no path) names the trust domain itself; only CAs may carry it (§3.1).
        guard !id.isTrustDomainRoot else {
            throw fail("\(id) has no path: it names the trust domain itself, which a leaf SVID must not")
        }
        // With an empty subject the SAN is the certificate's only name, so it must be critical.
        if leaf.subject.isEmpty, leaf.extensions[oid: .X509ExtensionID.subjectAlternativeName]?.critical == false {
            throw fail("the subject is empty but the SAN extension is not critical (RFC 5280 §4.1.2.6)")
        }
        return (leaf, id)
    }

    /// Check 2: basic constraints must not make the leaf a CA.
    static func checkLeafConstraints(_ leaf: Certificate) throws(SVIDCheckFailure) -> LazyText {
        let constraints: BasicConstraints?
        do { constraints = try leaf.extensions.basicConstraints } catch {
            throw SVIDCheckFailure(.leafConstraints, "the basic constraints extension does not parse: \(error)")
        }
        switch constraints {
        case .isCertificateAuthority:
            throw SVIDCheckFailure(.leafConstraints, "basic constraints say cA=true, but a leaf SVID must not be a CA")
        case .notCertificateAuthority:
            return LazyText("cA=false")
        case nil:
            return LazyText("no basic constraints extension, so not a CA")
        }
    }

    /// Check 3: digitalSignature set; keyCertSign and cRLSign not set; the extension critical.
    static func checkKeyUsage(_ leaf: Certificate) throws(SVIDCheckFailure) -> LazyText {
        func fail(_ reason: String) -> SVIDCheckFailure { SVIDCheckFailure(.keyUsage, reason) }
        guard let ext = leaf.extensions[oid: .X509ExtensionID.keyUsage] else {
            throw fail("the key usage extension is missing; every SVID must have one")
        }
        let usage: KeyUsage
        do { usage = try KeyUsage(ext) } catch { throw fail("the key usage extension does not parse: \(error)") }
        if usage.keyCertSign { throw fail("key usage has keyCertSign: a leaf SVID must not sign certificates") }
        if usage.cRLSign { throw fail("key usage has cRLSign: a leaf SVID must not sign revocation lists") }
        if !usage.digitalSignature {
            throw fail("key usage lacks digitalSignature (it has: \(usage.names.joined(separator: ", ")))")
        }
        if !ext.critical { throw fail("the key usage extension is not marked critical") }
        return LazyText(rendering: { usage.names.joined(separator: ", ") + " (critical)" })
    }

    /// Check 4: notBefore <= time <= notAfter (both ends inclusive, as in RFC 5280).
    static func checkValidity(_ leaf: Certificate, at time: Date) throws(SVIDCheckFailure) -> LazyText {
        if time < leaf.notValidBefore {
            let early = TimeText.duration(leaf.notValidBefore.timeIntervalSince(time))
            throw SVIDCheckFailure(.validity, "not yet valid: notBefore is \(TimeText.iso(leaf.notValidBefore)), \(early) after \(TimeText.iso(time))")
        }
        if time > leaf.notValidAfter {
            let late = TimeText.duration(time.timeIntervalSince(leaf.notValidAfter))
            throw SVIDCheckFailure(.validity, "expired: notAfter was \(TimeText.iso(leaf.notValidAfter)), \(late) before \(TimeText.iso(time))")
        }
        let (notBefore, notAfter) = (leaf.notValidBefore, leaf.notValidAfter)
        return LazyText(rendering: {
            "\(TimeText.iso(notBefore)) .. \(TimeText.iso(notAfter)), \(TimeText.duration(notAfter.timeIntervalSince(time))) left"
        })
    }

    /// Check 5: an RFC 5280 path from the leaf to a CA in the bundle of the ID's trust domain.
    static func checkChain(
        _ chain: [Certificate],
        of id: SpiffeID,
        bundles: some X509BundleSource,
        at time: Date
    ) async throws(SVIDCheckFailure) -> [Certificate] {
        // Which bundle is decided by the ID, never by the certificate's issuer field: a CA of
        // another trust domain must not be able to vouch for this trust domain's IDs.
        let bundle: X509Bundle
        do { bundle = try bundles.x509Bundle(for: id.trustDomain) } catch {
            throw SVIDCheckFailure(.chain, "\(error); only the bundle of \(id.trustDomain) may vouch for \(id)")
        }
        // Checks 1-3 have already passed on this leaf, so the policy checks only the issuers.
        guard bundle.authorities.count <= maximumBundleAuthorities else {
            throw SVIDCheckFailure(.chain, "the bundle of \(id.trustDomain) holds \(bundle.authorities.count) CA certificates; more than \(maximumBundleAuthorities) are refused")
        }
        var verifier = Verifier(rootCertificates: bundle.rootStore) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            SpiffeVerifierPolicy(checkingLeaf: false, judged: bundle.judgedAuthorities)
        }
        let intermediates = chain.count == 1 ? Self.noIntermediates : CertificateStore(chain.dropFirst())
        let result = await verifier.validate(leaf: chain[0], intermediates: intermediates)
        switch result {
        case .validCertificate(let validated):
            return Array(validated)
        case .couldNotValidate(let failures):
            // When no path can be built at all, `failures` is empty: the diagnosis names why.
            throw SVIDCheckFailure(.chain, ChainDiagnosis.explain(chain: chain, bundle: bundle, failures: failures, at: time))
        }
    }

    /// The intermediates of a chain that has none (an SVID signed by its bundle's root).
    static let noIntermediates = CertificateStore()

    /// Check 6: the authenticated ID must be one the caller accepts.
    static func checkAuthorized(_ id: SpiffeID, _ expected: SpiffeIDMatcher) throws(SVIDCheckFailure) -> LazyText {
        guard expected.matches(id) else {
            throw SVIDCheckFailure(.authorization, "\(id) is authentic but not accepted here: expected \(expected)")
        }
        return LazyText(rendering: { "\(id) matches \(expected)" })
    }
    // end-step
}

extension SVIDValidator {
    /// Validates against one bundle (treated as the bundle of its own trust domain only).
    public static func validate(
        chain: [Certificate],
        bundle: X509Bundle,
        expect expected: SpiffeIDMatcher,
        at time: Date = Date()
    ) async -> ValidationReport {
        await validate(chain: chain, bundles: bundle, expect: expected, at: time)
    }

    /// Validates bytes as read from a file or the wire (PEM, or concatenated DER; leaf first).
    /// Input that does not parse as X.509 fails check 1, like any other certificate without a
    /// SPIFFE ID: it is a rejection, not a crash.
    public static func validate(
        data: Data,
        source: String,
        bundles: some X509BundleSource,
        expect expected: SpiffeIDMatcher,
        at time: Date = Date()
    ) async -> ValidationReport {
        let chain: [Certificate]
        do {
            chain = try PEM.certificates(from: data, source: source)
        } catch {
            var report = ValidationReport(time: time, expected: expected)
            report.failed(SVIDCheckFailure(.spiffeID, "does not parse as X.509: \(error)"))
            return report
        }
        return await validate(chain: chain, bundles: bundles, expect: expected, at: time)
    }
}

extension KeyUsage {
    /// The names of the bits that are set, in the order RFC 5280 §4.2.1.3 lists them.
    public var names: [String] {
        let bits: [(Bool, String)] = [
            (digitalSignature, "digitalSignature"), (nonRepudiation, "nonRepudiation"),
            (keyEncipherment, "keyEncipherment"), (dataEncipherment, "dataEncipherment"),
            (keyAgreement, "keyAgreement"), (keyCertSign, "keyCertSign"), (cRLSign, "cRLSign"),
            (encipherOnly, "encipherOnly"), (decipherOnly, "decipherOnly"),
        ]
        return bits.filter(\.0).map(\.1)
    }
}
