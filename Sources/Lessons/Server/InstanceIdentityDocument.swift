import Crypto
import Foundation
import SpiffeFormats
import SpiffeX509
import SwiftASN1
import X509
import _CryptoExtras

/// A simulated AWS instance identity document: the JSON an EC2 instance reads from its metadata
/// service, and the signature AWS made over it.
///
/// On EC2, AWS signs the document with a per-region key whose certificate AWS publishes; the
/// aws_iid node attestor on the server verifies the signature with that certificate. Here a
/// local RSA-2048 key stands in for AWS's, and its self-signed certificate for the one AWS
/// publishes: `iid make` writes all three files, and the server is given the certificate with
/// `--aws-iid-cert`. Nothing else changes: the agent sends the document and signature, the
/// server verifies them, and a document whose signature does not verify is refused.
///
/// The signature is the form SPIRE's plugin reads from its "signature" field: RSA PKCS#1 v1.5
/// over SHA-256 of the document, base64. SPIRE verifies the PKCS#7 form AWS offers for RSA-2048
/// ("rsa2048", which its agent always sends) when it is there, and this form only when it is
/// not; the model has only this one.
public struct InstanceIdentityDocument: Codable, Sendable, Equatable {
    public var accountId: String
    public var region: String
    public var instanceId: String
    public var availabilityZone: String
    public var imageId: String
    public var instanceType: String
    public var privateIp: String
    public var pendingTime: String
    public var architecture: String
    public var version: String

    /// What `iid make --out DIR` writes.
    public static let documentFile = "document.json"
    public static let signatureFile = "signature"
    public static let certificateFile = "aws-stand-in.pem"
    public static let keyFile = "aws-stand-in.key"

    /// The agent's payload for AttestAgent, as SPIRE's aws_iid agent plugin sends it.
    public struct AttestationPayload: Codable, Sendable {
        public var document: String
        public var signature: String
    }

    public init(accountId: String, region: String, instanceId: String, now: Date) {
        self.accountId = accountId
        self.region = region
        self.instanceId = instanceId
        availabilityZone = region + "a"
        imageId = "ami-0123456789abcdef0"
        instanceType = "t3.micro"
        privateIp = "10.0.0.10"
        pendingTime = TimeText.iso(now)
        architecture = "x86_64"
        version = "2017-09-30"
    }

    // step: iid-make
    /// Writes the document, its signature, and the stand-in for AWS's certificate into
    /// `directory`. An existing stand-in key there is reused, so several instances' documents
    /// verify with one certificate, as all of a region's do with AWS's.
    @discardableResult
    public func write(to directory: URL, now: Date) throws -> [URL] {
        try PrivateDirectory.create(directory)
        let keyURL = directory.appendingPathComponent(Self.keyFile)
        let certificateURL = directory.appendingPathComponent(Self.certificateFile)
        let key: _RSA.Signing.PrivateKey
        if let pem = try? String(contentsOf: keyURL, encoding: .utf8) {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } else {
            key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            try AtomicFile.write(Data(key.pemRepresentation.utf8), to: keyURL, mode: 0o600)
            let name = try DistinguishedName {
                CountryName("US")
                OrganizationName("Stand-in for Amazon Web Services LLC (not AWS)")
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: .randomForSVID(), publicKey: .init(key.publicKey),
                notValidBefore: now - 60, notValidAfter: now + 365 * 86_400,
                issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: Certificate.Extensions(), issuerPrivateKey: .init(key))
            try AtomicFile.write(Data(try PEM.encode([certificate]).utf8), to: certificateURL)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let document = try encoder.encode(self)
        let signature = try key.signature(for: SHA256.hash(data: document), padding: .insecurePKCS1v1_5)
        let documentURL = directory.appendingPathComponent(Self.documentFile)
        let signatureURL = directory.appendingPathComponent(Self.signatureFile)
        try AtomicFile.write(document, to: documentURL)
        try AtomicFile.write(Data(signature.rawRepresentation.base64EncodedString().utf8), to: signatureURL)
        return [documentURL, signatureURL, certificateURL]
    }
    // end-step

    /// Verifies `payload` with the stand-in certificate and returns the document it vouches for.
    public static func verify(_ payload: AttestationPayload, certificate: Certificate) throws(NodeAttestationError) -> InstanceIdentityDocument {
        guard let signature = Data(base64Encoded: payload.signature) else {
            throw .refused("the IID signature is not base64")
        }
        guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
            throw .refused("the --aws-iid-cert certificate has no RSA key")
        }
        let document = Data(payload.document.utf8)
        guard key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                   for: SHA256.hash(data: document), padding: .insecurePKCS1v1_5) else {
            throw .refused("the instance identity document's signature does not verify with the AWS certificate")
        }
        do {
            return try JSONDecoder().decode(InstanceIdentityDocument.self, from: document)
        } catch {
            throw .refused("the signed instance identity document is not one: \(error)")
        }
    }
}
