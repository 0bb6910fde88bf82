import Crypto
import Foundation
import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import SwiftASN1
import X509

/// The server's signing authority, and the shape of every certificate it signs.
///
/// SPIRE's server is the only component that signs: agents send it CSRs, for themselves at
/// attestation and for each workload entry afterwards. The CA here is self-signed (SPIRE's
/// default without an UpstreamAuthority; the model has no UpstreamAuthority). The leaves are
/// shaped as SPIRE's credential composer shapes them (pkg/server/credtemplate):
/// subject `C=US, O=SPIRE`, so the URI SAN need not be critical; notBefore 10 s in the past;
/// key usage digitalSignature, keyEncipherment and keyAgreement (critical); EKU serverAuth and
/// clientAuth; and a subject and authority key identifier, as Go's x509 writes them.
public struct ServerCA: Sendable {
    public let authority: CertificateAuthority
    /// Whether this CA was made at this start (true after every `memory` restart).
    public let isNew: Bool

    /// The ID the server's own TLS certificate carries, which agents check.
    public static func serverID(in trustDomain: TrustDomain) -> SpiffeID {
        try! SpiffeID(trustDomain: trustDomain, path: "/spire/server")
    }

    // step: server-ca-load
    /// With `disk`, the CA from `<data-dir>/keys/` while it has more than a sixth of its life
    /// left (RenewalRule.agent's threshold), else a new one saved there; with `memory`, always a
    /// new one, never written.
    public static func loadOrCreate(
        keyManager: KeyManager, keysDirectory: URL, trustDomain: TrustDomain, ttl: TimeInterval, now: Date
    ) throws(ServerError) -> ServerCA {
        let certificateFile = keysDirectory.appendingPathComponent(CertificateAuthority.certificateFileName)
        let keyFile = keysDirectory.appendingPathComponent(CertificateAuthority.keyFileName)
        if keyManager == .disk, FileManager.default.fileExists(atPath: keyFile.path) {
            do {
                let saved = try CertificateAuthority.load(certificateFile: certificateFile, keyFile: keyFile, trustDomain: trustDomain)
                let life = saved.certificate.notValidAfter.timeIntervalSince(saved.certificate.notValidBefore)
                if saved.certificate.notValidAfter.timeIntervalSince(now) > life / 6 {
                    return ServerCA(authority: saved, isNew: false)
                }
            } catch {
                throw .keyManager(path: keyFile.path, reason: "\(error); move keys/ away to start with a new CA")
            }
        }
        do {
            let fresh = try CertificateAuthority(trustDomain: trustDomain, ttl: ttl, now: now)
            if keyManager == .disk {
                try PrivateDirectory.create(keysDirectory)
                try fresh.save(to: keysDirectory)
            }
            return ServerCA(authority: fresh, isNew: true)
        } catch {
            throw .keyManager(path: keyFile.path, reason: "cannot make a CA: \(error)")
        }
    }
    // end-step

    public var trustDomain: TrustDomain { authority.trustDomain }

    /// SPIRE's default subject for X509-SVIDs (credtemplate's DefaultX509SVIDSubject).
    static let svidSubject: DistinguishedName = try! DistinguishedName {
        CountryName("US")
        OrganizationName("SPIRE")
    }

    // step: server-sign-csr
    /// Signs the public key of `csr` for `id`: the X509-SVID the server returns to an agent.
    ///
    /// The CSR proves the agent holds the private key (its signature is checked); its subject and
    /// any SANs it asks for are ignored: the registration entry, not the requester, says which
    /// SPIFFE ID the certificate carries.
    public func sign(
        _ csr: CertificateSigningRequest, for id: SpiffeID, ttl: TimeInterval, now: Date
    ) throws(ServerSigningError) -> [Certificate] {
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else { throw .badCSR("its signature does not verify") }
        guard id.isMember(of: trustDomain), !id.isTrustDomainRoot else {
            throw .notSignable("\(id) is not a workload or agent ID of \(trustDomain)")
        }
        let issuer = authority.certificate
        do {
            let leaf = try Certificate(
                version: .v3,
                serialNumber: .randomForSVID(),
                publicKey: csr.publicKey,
                notValidBefore: now - 10,                                  // clock skew, as SPIRE
                notValidAfter: min(now + ttl, issuer.notValidAfter),       // never past the CA
                issuer: issuer.subject,
                subject: Self.svidSubject,
                signatureAlgorithm: KeyType(of: authority.privateKey.publicKey)?.signatureAlgorithm ?? .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    SubjectKeyIdentifier(hash: csr.publicKey)
                    AuthorityKeyIdentifier(keyIdentifier: (try? issuer.extensions.subjectKeyIdentifier)?.keyIdentifier
                        ?? SubjectKeyIdentifier(hash: issuer.publicKey).keyIdentifier)
                    // Not critical: the subject is not empty (X509-SVID §3.1 asks for a critical
                    // SAN only when it is).
                    SubjectAlternativeNames([.uniformResourceIdentifier(id.description)])
                },
                issuerPrivateKey: authority.privateKey
            )
            return [leaf] + authority.chainAboveLeaf
        } catch {
            throw .notSignable("signing failed: \(error)")
        }
    }
    // end-step

    /// The server's own SVID for its TLS listeners: a key it makes itself, signed as any other.
    public func serverSVID(now: Date, ttl: TimeInterval) throws -> X509SVID {
        let key = try KeyType.p256.generate()
        let csr = try CertificateSigningRequest(
            version: .v1, subject: DistinguishedName(), privateKey: key,
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256)
        let id = Self.serverID(in: trustDomain)
        return X509SVID(spiffeID: id, chain: try sign(csr, for: id, ttl: ttl, now: now), privateKey: key)
    }
}

/// Why a CSR was not signed (returned per entry in BatchNewX509SVID).
public enum ServerSigningError: Error, Sendable, CustomStringConvertible {
    case badCSR(String)
    case notSignable(String)

    public var description: String {
        switch self {
        case .badCSR(let reason): return "the CSR is not acceptable: \(reason)"
        case .notSignable(let reason): return reason
        }
    }
}
