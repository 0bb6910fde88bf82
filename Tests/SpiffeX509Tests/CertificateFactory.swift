import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import SwiftASN1
import X509

/// Builds leaf certificates with any combination of right and wrong SPIFFE properties, signed by
/// a given CA, for the bad-certificate corpus. Defaults describe a correct X509-SVID.
struct LeafSpec {
    var uris: [String] = ["spiffe://example.org/web"]
    var dnsNames: [String] = []
    var subject: DistinguishedName = DistinguishedName()
    var sanCritical = true
    var basicConstraints: BasicConstraints? = .notCertificateAuthority
    var keyUsage: KeyUsage? = KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true)
    var keyUsageCritical = true
    var extraExtensions: [Certificate.Extension] = []
    var notBefore: Date = Date() - 10
    var notAfter: Date = Date() + 3600

    func make(signedBy ca: CertificateAuthority) throws -> Certificate {
        try make(issuer: ca.certificate.subject, issuerKey: ca.privateKey)
    }

    func make(issuer: DistinguishedName, issuerKey: Certificate.PrivateKey, key: Certificate.PrivateKey? = nil) throws -> Certificate {
        let key = key ?? Certificate.PrivateKey(P256.Signing.PrivateKey())
        var extensions = Certificate.Extensions()
        if let basicConstraints {
            try extensions.append(Critical(basicConstraints).makeCertificateExtension())
        }
        if let keyUsage {
            var ext = try keyUsage.makeCertificateExtension()
            ext.critical = keyUsageCritical
            try extensions.append(ext)
        }
        try extensions.append(try ExtendedKeyUsage([.serverAuth, .clientAuth]).makeCertificateExtension())
        let names = uris.map(GeneralName.uniformResourceIdentifier) + dnsNames.map(GeneralName.dnsName)
        if !names.isEmpty {
            var ext = try SubjectAlternativeNames(names).makeCertificateExtension()
            ext.critical = sanCritical
            try extensions.append(ext)
        }
        for extra in extraExtensions { try extensions.append(extra) }
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: issuer,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: issuerKey
        )
    }
}

import Crypto

/// A CA whose subject is exactly `name`: for an impostor that copies a real CA's name.
func makeCA(trustDomain: TrustDomain, subject name: DistinguishedName, now: Date = Date(), ttl: TimeInterval = 86_400) throws -> CertificateAuthority {
    let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let certificate = try Certificate(
        version: .v3,
        serialNumber: Certificate.SerialNumber(),
        publicKey: key.publicKey,
        notValidBefore: now - 10,
        notValidAfter: now + ttl,
        issuer: name,
        subject: name,
        signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectAlternativeNames([.uniformResourceIdentifier(trustDomain.idString)])
        },
        issuerPrivateKey: key
    )
    return try CertificateAuthority(trustDomain: trustDomain, certificate: certificate, privateKey: key)
}

/// PEM text of certificates.
func pem(_ certificates: [Certificate]) throws -> String { try PEM.encode(certificates) }

/// DER bytes of one certificate.
func der(_ certificate: Certificate) throws -> [UInt8] { try PEM.der([certificate]) }
