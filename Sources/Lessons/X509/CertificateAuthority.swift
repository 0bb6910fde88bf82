import Crypto
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SwiftASN1
import X509

/// A signing authority for one trust domain: a CA certificate and its private key.
///
/// In SPIRE this is the server's CA (self-signed, or signed by an UpstreamAuthority). Here it is
/// in memory (or loaded from files) so the exercises can mint SVIDs without any infrastructure.
public struct CertificateAuthority: Sendable {
    public let trustDomain: TrustDomain
    public let certificate: Certificate
    public let privateKey: Certificate.PrivateKey
    /// Intermediates between `certificate` and the root, leaf-most first; empty for a root CA.
    public let intermediates: [Certificate]
    /// The root the CA's certificates chain to: what relying parties put in their bundle.
    public let root: Certificate

    /// SPIRE's default CA lifetime.
    public static let defaultTTL: TimeInterval = 24 * 3600

    /// Creates a self-signed root CA for `trustDomain`.
    ///
    /// The CA carries the trust domain's own ID (`spiffe://example.org`, no path) as a URI SAN,
    /// as SPIRE's CAs do: a signing certificate may carry a SPIFFE ID, and if it does, that ID has
    /// no path (X509-SVID §3.2).
    public init(
        trustDomain: TrustDomain,
        keyType: KeyType = .p256,
        ttl: TimeInterval = CertificateAuthority.defaultTTL,
        now: Date = Date()
    ) throws {
        let key = try keyType.generate()
        let name = try DistinguishedName {
            CountryName("US")
            OrganizationName("SPIFFE")
            // A per-CA name, so two CAs of one trust domain are told apart in `inspect` output.
            CommonName("SPIFFE CA " + String(UInt32.random(in: .min ... .max), radix: 16))
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .randomForSVID(),
            publicKey: key.publicKey,
            notValidBefore: now - 10,
            notValidAfter: now + ttl,
            issuer: name,
            subject: name,
            signatureAlgorithm: keyType.signatureAlgorithm,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key.publicKey)
                SubjectAlternativeNames([.uniformResourceIdentifier(trustDomain.idString)])
            },
            issuerPrivateKey: key
        )
        try self.init(trustDomain: trustDomain, certificate: certificate, privateKey: key, intermediates: [])
    }

    /// Uses an existing CA certificate and key (for example from `--ca-cert`/`--ca-key`).
    ///
    /// `root` is the trust anchor; when it is not given, the last of `intermediates` (or, with no
    /// intermediates, `certificate` itself) is taken to be the root.
    public init(
        trustDomain: TrustDomain,
        certificate: Certificate,
        privateKey: Certificate.PrivateKey,
        intermediates: [Certificate] = [],
        root: Certificate? = nil
    ) throws(X509Error) {
        guard privateKey.publicKey == certificate.publicKey else { throw .keyDoesNotMatchCertificate }
        let constraints = try? certificate.extensions.basicConstraints
        guard case .isCertificateAuthority = constraints else {
            throw .notACertificateAuthority("basic constraints do not say cA=true")
        }
        if let usage = try? certificate.extensions.keyUsage, !usage.keyCertSign {
            throw .notACertificateAuthority("key usage lacks keyCertSign")
        }
        guard KeyType(of: certificate.publicKey) != nil else {
            throw .unsupportedKey("CA keys must be EC P-256, P-384 or RSA-2048")
        }
        self.trustDomain = trustDomain
        self.certificate = certificate
        self.privateKey = privateKey
        self.intermediates = intermediates
        self.root = root ?? intermediates.last ?? certificate
    }

    /// The bundle a relying party needs to validate this CA's SVIDs: the root certificate.
    public var bundle: X509Bundle {
        X509Bundle(trustDomain: trustDomain, authorities: [root])
    }

    /// What an SVID's chain carries after its leaf: the signing certificate and the
    /// intermediates above it, up to but not including the root, which relying parties already
    /// hold in their bundle. Empty when this CA is the root itself.
    public var chainAboveLeaf: [Certificate] {
        ([certificate] + intermediates).filter { $0 != root }
    }

    // step: make-svid
    /// Mints an X509-SVID for `id`, shaped as the X509-SVID spec allows and as SPIRE shapes it,
    /// except the subject: SPIRE writes C=US, O=SPIRE (so its SAN is not critical), this leaves
    /// it empty.
    ///
    /// Note what is *not* here: no CSR. With the Workload API the agent generates the key pair and
    /// hands the workload both the certificate and the private key.
    public func issueSVID(
        for id: SpiffeID,
        keyType: KeyType = .p256,
        ttl: TimeInterval = 3600,        // SPIRE's default X509-SVID TTL: 1 hour
        now: Date = Date()
    ) throws -> X509SVID {
        // An SVID is issued only within the CA's own trust domain, and never for the trust
        // domain's root ID: a leaf's SPIFFE ID must have a non-root path (X509-SVID §3.1).
        guard id.isMember(of: trustDomain) else {
            throw X509Error.invalidSpiffeID("\(id) is not in trust domain \(trustDomain)")
        }
        guard !id.isTrustDomainRoot else {
            throw X509Error.invalidSpiffeID("\(id) has no path; a leaf SVID needs one")
        }
        let key = try keyType.generate()
        let leaf = try Certificate(
            version: .v3,
            serialNumber: .randomForSVID(),                 // random, 20 octets at most (RFC 5280)
            publicKey: key.publicKey,
            notValidBefore: now - 10,                       // SPIRE backdates 10 s for clock skew
            notValidAfter: min(now + ttl, certificate.notValidAfter),
            issuer: certificate.subject,
            subject: DistinguishedName(),                   // empty, as the spec allows (SPIRE: C=US, O=SPIRE)
            signatureAlgorithm: KeyType(of: privateKey.publicKey)?.signatureAlgorithm ?? .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                // A leaf is not a CA (X509-SVID §4.1).
                Critical(BasicConstraints.notCertificateAuthority)
                // digitalSignature is required; keyCertSign and cRLSign are forbidden (§4.3).
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true))
                // Usable as both TLS server and TLS client: that is what mTLS needs (§4.4).
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                // Exactly one URI SAN, the SPIFFE ID (§2). With the subject left empty, the SAN
                // extension must be critical (§3.1, RFC 5280 §4.1.2.6).
                Critical(SubjectAlternativeNames([.uniformResourceIdentifier(id.description)]))
            },
            issuerPrivateKey: privateKey
        )
        // The chain is the leaf, then any intermediates up to (not including) the root.
        return X509SVID(spiffeID: id, chain: [leaf] + chainAboveLeaf, privateKey: key)
    }
    // end-step
}
