import Crypto
import Foundation
import SwiftASN1
import X509

/// A TLS server certificate for the discovery provider's host, from a throwaway CA: HTTPS on a
/// learner's machine without a public certificate. A relying party trusts it by trusting `caPEM`
/// (`curl --cacert`, or an ssl context in Python); a real provider uses a certificate the IAM's
/// Web PKI trusts (SPIRE's provider: ACME, or serving_cert_file).
public struct ServingCertificate: Sendable {
    public let caPEM: String
    public let certificatePEM: String
    public let privateKeyPEM: String

    /// A CA and a one-day certificate for `host` (a DNS name or an IPv4/IPv6 literal).
    public static func make(host: String, now: Date = Date()) throws -> ServingCertificate {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { OrganizationName("spiffe-workbook"); CommonName("OIDC discovery test CA") }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 86_400, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let key = P256.Signing.PrivateKey()
        let name: GeneralName
        if let bytes = Self.ipBytes(host) {
            name = .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))
        } else {
            name = .dnsName(host)
        }
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 86_400, issuer: caName,
            subject: try DistinguishedName { CommonName(host) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([name])
            },
            issuerPrivateKey: .init(caKey))
        return ServingCertificate(
            caPEM: try ca.serializeAsPEM().pemString + "\n",
            certificatePEM: try leaf.serializeAsPEM().pemString + "\n",
            privateKeyPEM: key.pemRepresentation + "\n")
    }

    /// The bytes of an IPv4 or IPv6 literal, or nil for a DNS name.
    static func ipBytes(_ host: String) -> [UInt8]? {
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
