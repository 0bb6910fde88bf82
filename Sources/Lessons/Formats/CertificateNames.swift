import SpiffeIdentity
import X509

/// The names in a certificate: the SPIFFE ID in its URI SAN, and short human names for messages.
public enum CertificateNames {
    /// The subject (`CN=SPIFFE CA 1f2e,O=SPIFFE,C=US`) or, for an SVID with an empty subject,
    /// its URI SAN; failing both, its serial number.
    public static func describe(_ certificate: Certificate) -> String {
        if !certificate.subject.isEmpty { return "'\(certificate.subject)'" }
        if let uri = (try? uriSANs(of: certificate))?.first { return uri }
        return "serial \(hex(certificate.serialNumber.bytes))"
    }

    /// Bytes as colon-separated hex pairs, the way openssl prints serials and fingerprints.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined(separator: ":")
    }

    /// The URI names in a certificate's subject alternative name extension, in order: where an
    /// X509-SVID carries its SPIFFE ID (X509-SVID §2). The one place the toolkit reads them.
    public static func uriSANs(of certificate: Certificate) throws(X509Error) -> [String] {
        let names: SubjectAlternativeNames?
        do { names = try certificate.extensions.subjectAlternativeNames } catch {
            throw .noSpiffeID("the subject alternative name extension does not parse: \(error)")
        }
        var uris: [String] = []
        for case .uniformResourceIdentifier(let uri) in names ?? SubjectAlternativeNames() { uris.append(uri) }
        return uris
    }

    /// Reads the SPIFFE ID from a certificate's single URI SAN (X509-SVID §2).
    public static func spiffeID(of certificate: Certificate) throws(X509Error) -> SpiffeID {
        let uris = try uriSANs(of: certificate)
        guard let uri = uris.first else { throw .noSpiffeID("there is no URI SAN") }
        guard uris.count == 1 else { throw .noSpiffeID("there are \(uris.count) URI SANs; an X509-SVID has exactly one") }
        do {
            return try SpiffeID(uri)
        } catch {
            throw .invalidSpiffeID("\(uri): \(error)")
        }
    }
}
