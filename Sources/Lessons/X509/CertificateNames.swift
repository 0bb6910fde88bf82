import X509

/// Short, human names for certificates in messages.
public enum CertificateNames {
    /// The subject (`CN=SPIFFE CA 1f2e,O=SPIFFE,C=US`) or, for an SVID with an empty subject,
    /// its URI SAN; failing both, its serial number.
    public static func describe(_ certificate: Certificate) -> String {
        if !certificate.subject.isEmpty { return "'\(certificate.subject)'" }
        if let uri = (try? X509SVID.uriSANs(of: certificate))?.first { return uri }
        return "serial \(hex(certificate.serialNumber.bytes))"
    }

    /// Bytes as colon-separated hex pairs, the way openssl prints serials and fingerprints.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined(separator: ":")
    }
}
