import Crypto
import Foundation
import SpiffeIdentity
import SpiffeX509
import SwiftASN1
import X509

/// What post-quantum algorithms weigh in workload identity, measured here rather than quoted:
/// keys, signatures and certificates made by swift-crypto and encoded as DER.
public struct PQCSizes: Sendable, Equatable, Encodable {
    /// One signature algorithm as an SVID would use it.
    public struct Signing: Sendable, Equatable, Encodable {
        public var name: String
        public var publicKeyBytes: Int
        public var signatureBytes: Int
        /// The DER of a leaf SVID of the same shape with this key and signature.
        public var svidBytes: Int

        enum CodingKeys: String, CodingKey {
            case name
            case publicKeyBytes = "public_key_bytes", signatureBytes = "signature_bytes", svidBytes = "svid_bytes"
        }
    }

    public var p256: Signing
    public var mldsa65: Signing
    public var mldsa87: Signing
    /// ML-KEM-768 (FIPS 203): what the client's key share carries, and the server's reply.
    public var mlkem768EncapsulationKeyBytes: Int
    public var mlkem768CiphertextBytes: Int
    /// An X25519 public key: the other half of the hybrid X25519MLKEM768 share.
    public var x25519ShareBytes: Int

    /// The hybrid group's shares: ML-KEM first, then X25519 (draft-ietf-tls-ecdhe-mlkem §3).
    public var hybridClientShareBytes: Int { mlkem768EncapsulationKeyBytes + x25519ShareBytes }
    public var hybridServerShareBytes: Int { mlkem768CiphertextBytes + x25519ShareBytes }

    /// The measured fields, then what is derived from them (so scripts read the same figures the
    /// table shows).
    enum CodingKeys: String, CodingKey {
        case p256, mldsa65, mldsa87
        case mlkem768EncapsulationKeyBytes = "mlkem768_encapsulation_key_bytes"
        case mlkem768CiphertextBytes = "mlkem768_ciphertext_bytes"
        case x25519ShareBytes = "x25519_share_bytes"
        case hybridClientShareBytes = "x25519mlkem768_client_share_bytes"
        case hybridServerShareBytes = "x25519mlkem768_server_share_bytes"
        case handshakeExtraBytesMLDSA65 = "mtls_handshake_extra_bytes_mldsa65"
        case handshakeExtraBytesMLDSA87 = "mtls_handshake_extra_bytes_mldsa87"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(p256, forKey: .p256)
        try container.encode(mldsa65, forKey: .mldsa65)
        try container.encode(mldsa87, forKey: .mldsa87)
        try container.encode(mlkem768EncapsulationKeyBytes, forKey: .mlkem768EncapsulationKeyBytes)
        try container.encode(mlkem768CiphertextBytes, forKey: .mlkem768CiphertextBytes)
        try container.encode(x25519ShareBytes, forKey: .x25519ShareBytes)
        try container.encode(hybridClientShareBytes, forKey: .hybridClientShareBytes)
        try container.encode(hybridServerShareBytes, forKey: .hybridServerShareBytes)
        try container.encode(handshakeExtraBytes(mldsa65), forKey: .handshakeExtraBytesMLDSA65)
        try container.encode(handshakeExtraBytes(mldsa87), forKey: .handshakeExtraBytesMLDSA87)
    }

    // step: pqc-sizes
    /// Measures everything for one leaf SVID of `id`, as a P-256 certificate and as its ML-DSA
    /// twins, and one ML-KEM-768 encapsulation.
    public static func measure(id: SpiffeID, now: Date = Date()) throws -> PQCSizes {
        let ca = try CertificateAuthority(trustDomain: id.trustDomain, now: now)
        let svid = try ca.issueSVID(for: id, now: now)
        var serializer = DER.Serializer()
        try serializer.serialize(svid.leaf)
        let p256Leaf = serializer.serializedBytes
        // An ECDSA signature is a DER SEQUENCE of two integers: 70 to 72 bytes for P-256.
        let p256 = Signing(name: "ECDSA P-256", publicKeyBytes: P256.Signing.PrivateKey().publicKey.x963Representation.count,
                           signatureBytes: try ecdsaSignatureBytes(of: p256Leaf), svidBytes: p256Leaf.count)

        func mldsa(_ level: MLDSACertificate.Level, publicKey: Int, signature: Int) throws -> Signing {
            Signing(name: level.rawValue, publicKeyBytes: publicKey, signatureBytes: signature,
                    svidBytes: try MLDSACertificate.twin(of: svid.leaf, level: level).count)
        }
        let key65 = try MLDSA65.PrivateKey()
        let key87 = try MLDSA87.PrivateKey()
        let message = Data("what a signature weighs".utf8)
        let kem = try MLKEM768.PrivateKey()
        let encapsulation = try kem.publicKey.encapsulate()
        return PQCSizes(
            p256: p256,
            mldsa65: try mldsa(.mldsa65, publicKey: key65.publicKey.rawRepresentation.count,
                               signature: try key65.signature(for: message).count),
            mldsa87: try mldsa(.mldsa87, publicKey: key87.publicKey.rawRepresentation.count,
                               signature: try key87.signature(for: message).count),
            mlkem768EncapsulationKeyBytes: kem.publicKey.rawRepresentation.count,
            mlkem768CiphertextBytes: encapsulation.encapsulated.count,
            x25519ShareBytes: Curve25519.KeyAgreement.PrivateKey().publicKey.rawRepresentation.count)
    }
    // end-step

    /// What an mTLS handshake with `signing` SVIDs on both sides sends beyond one with P-256
    /// SVIDs: each side's leaf certificate, and each side's CertificateVerify signature. (An
    /// intermediate CA, under an UpstreamAuthority, would add its own difference once more.)
    public func handshakeExtraBytes(_ signing: Signing) -> Int {
        2 * (signing.svidBytes - p256.svidBytes) + 2 * (signing.signatureBytes - p256.signatureBytes)
    }

    /// The figures as a table for people.
    public var report: [String] {
        func column(_ value: Int, _ width: Int) -> String {
            let text = value.formatted() + " B"
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        var lines = ["algorithm       public key   signature   leaf SVID (DER)"]
        for signing in [p256, mldsa65, mldsa87] {
            lines.append(signing.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + column(signing.publicKeyBytes, 14) + column(signing.signatureBytes, 12) + column(signing.svidBytes, 18))
        }
        lines.append("ML-KEM-768: encapsulation key \(mlkem768EncapsulationKeyBytes.formatted()) B, ciphertext \(mlkem768CiphertextBytes.formatted()) B; "
                     + "X25519MLKEM768 key shares: \(hybridClientShareBytes.formatted()) B from the client, \(hybridServerShareBytes.formatted()) B from the server")
        lines.append("an mTLS handshake with ML-DSA-65 SVIDs on both sides sends \(handshakeExtraBytes(mldsa65).formatted()) B more than with P-256 "
                     + "(ML-DSA-87: \(handshakeExtraBytes(mldsa87).formatted()) B): two leaf certificates and two CertificateVerify signatures")
        return lines
    }

    /// The signature value inside a certificate's DER: Certificate ::= SEQUENCE { tbs, alg,
    /// BIT STRING }, the BIT STRING holding the DER ECDSA signature.
    static func ecdsaSignatureBytes(of certificate: [UInt8]) throws -> Int {
        let node = try DER.parse(certificate)
        guard case .constructed(let nodes) = node.content, let last = Array(nodes).last else {
            throw ASN1Error.invalidASN1Object(reason: "a certificate is a SEQUENCE")
        }
        return try ASN1BitString(derEncoded: last).bytes.count
    }
}
