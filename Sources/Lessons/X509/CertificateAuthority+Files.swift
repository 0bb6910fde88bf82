import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import X509

extension CertificateAuthority {
    /// File names `make-svid --save-ca DIR` writes and `--ca-cert`/`--ca-key` usually read.
    public static let certificateFileName = "ca.pem"
    public static let keyFileName = "ca.key"

    /// Loads a CA from a PEM certificate file and its private key (PKCS#8, SEC1 or PKCS#1).
    ///
    /// The certificate file holds the signing CA first, then any intermediates above it, and
    /// may end with the root (a self-issued certificate). The trust domain comes from the CA's
    /// own SPIFFE ID (`spiffe://<trust-domain>` as a URI SAN, as SPIRE's CAs carry it); a CA
    /// without one (say, made by openssl) signs for `trustDomain`.
    public static func load(
        certificateFile: URL,
        keyFile: URL,
        trustDomain expected: TrustDomain?
    ) throws(X509Error) -> CertificateAuthority {
        let certificates = try PEM.certificates(from: try InputFile.read(certificateFile), source: certificateFile.path)
        let key = try PEM.privateKey(from: try InputFile.read(keyFile), source: keyFile.path)
        let signing = certificates[0]
        let named = try X509Bundle.trustDomain(namedBy: [signing], source: certificateFile.path)
        let trustDomain: TrustDomain
        switch (named, expected) {
        case (let named?, let expected?) where named != expected:
            throw .notACertificateAuthority("\(certificateFile.path) is the CA of trust domain \(named), not of \(expected)")
        case (let named?, _):
            trustDomain = named
        case (nil, let expected?):
            trustDomain = expected
        case (nil, nil):
            throw .fileProblem(path: certificateFile.path, reason: "the CA certificate names no trust domain, and none was given")
        }
        let above = Array(certificates.dropFirst())
        let root = above.last.flatMap { $0.subject == $0.issuer ? $0 : nil }
        return try CertificateAuthority(
            trustDomain: trustDomain,
            certificate: signing,
            privateKey: key,
            intermediates: root == nil ? above : Array(above.dropLast()),
            root: root
        )
    }

    /// Writes `ca.pem` (the CA certificate, any intermediates, and the root) and `ca.key`
    /// (PKCS#8, mode 0600) into `directory`. An existing file is kept as `<name>.bak`: losing a
    /// CA key means losing every SVID signed with it. Returns the two paths.
    @discardableResult
    public func save(to directory: URL) throws -> (certificate: URL, key: URL) {
        try SVIDFiles.createDirectory(directory)
        let certificateURL = directory.appendingPathComponent(Self.certificateFileName)
        let keyURL = directory.appendingPathComponent(Self.keyFileName)
        var certificates = [certificate] + intermediates
        if !certificates.contains(root) { certificates.append(root) }
        try AtomicFile.writeKeepingBackup(Data(try PEM.pkcs8PEM(privateKey).utf8), to: keyURL, mode: 0o600)
        try AtomicFile.writeKeepingBackup(Data(try PEM.encode(certificates).utf8), to: certificateURL)
        return (certificateURL, keyURL)
    }

    /// Issues an intermediate CA below this one, the way a SPIRE server below an
    /// UpstreamAuthority holds an intermediate: SVIDs it signs carry it in their chain, and
    /// relying parties still need only the root in their bundle.
    public func issueIntermediateCA(
        keyType: KeyType = .p256,
        ttl: TimeInterval = CertificateAuthority.defaultTTL,
        now: Date = Date()
    ) throws -> CertificateAuthority {
        let key = try keyType.generate()
        let name = try DistinguishedName {
            CountryName("US")
            OrganizationName("SPIFFE")
            CommonName("SPIFFE intermediate CA " + String(UInt32.random(in: .min ... .max), radix: 16))
        }
        let issuerKeyID = try? certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let intermediate = try Certificate(
            version: .v3,
            serialNumber: .randomForSVID(),
            publicKey: key.publicKey,
            notValidBefore: now - 10,
            notValidAfter: min(now + ttl, certificate.notValidAfter),
            issuer: certificate.subject,
            subject: name,
            signatureAlgorithm: KeyType(of: privateKey.publicKey)?.signatureAlgorithm ?? .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                // A signing certificate: cA true and keyCertSign (X509-SVID §4.1, §4.3).
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key.publicKey)
                if let issuerKeyID {
                    AuthorityKeyIdentifier(keyIdentifier: issuerKeyID)
                }
                // Its SPIFFE ID, if any, is the trust domain's root ID, with no path (§3.2).
                SubjectAlternativeNames([.uniformResourceIdentifier(trustDomain.idString)])
            },
            issuerPrivateKey: privateKey
        )
        return try CertificateAuthority(
            trustDomain: trustDomain,
            certificate: intermediate,
            privateKey: key,
            intermediates: chainAboveLeaf,
            root: root
        )
    }
}
