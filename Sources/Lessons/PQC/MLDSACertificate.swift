import Crypto
import SwiftASN1
import X509

/// An X.509 certificate with an ML-DSA key and signature, made from an existing certificate's
/// fields, to weigh what an ML-DSA SVID would cost on the wire.
///
/// swift-certificates has no ML-DSA yet, so the DER is put together here with swift-asn1:
/// the certificate's own TBSCertificate with two fields replaced, the signature algorithm and
/// the subjectPublicKeyInfo (RFC 5280 §4.1), then signed with ML-DSA. The algorithm
/// identifiers are those of RFC 9881: id-ml-dsa-65 and id-ml-dsa-87 under NIST's
/// sigAlgs arc, with no parameters, and the public key is the raw ML-DSA public key in the
/// BIT STRING. SPIRE cannot issue such SVIDs (its CA signs with EC or RSA keys; spire#7205).
public enum MLDSACertificate {
    public enum Level: String, Sendable, CaseIterable {
        case mldsa65 = "ML-DSA-65"
        case mldsa87 = "ML-DSA-87"

        /// 2.16.840.1.101.3.4.3.18 and .19 (RFC 9881 §2).
        var oid: ASN1ObjectIdentifier {
            switch self {
            case .mldsa65: return [2, 16, 840, 1, 101, 3, 4, 3, 18]
            case .mldsa87: return [2, 16, 840, 1, 101, 3, 4, 3, 19]
            }
        }
    }

    /// The ML-DSA twin of `certificate`: the same version, serial, names, validity and
    /// extensions, an ML-DSA `level` key, signed by a fresh ML-DSA key of the same level (the
    /// size of a signature does not depend on who signs). DER bytes.
    public static func twin(of certificate: Certificate, level: Level) throws -> [UInt8] {
        let (publicKey, sign) = try keyPair(level)
        let tbs = try replacing(in: certificate.tbsCertificateBytes, algorithm: level.oid, publicKey: publicKey)
        let signature = try sign(tbs)
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { certificate in
            certificate.serializeRawBytes(tbs)
            try certificate.appendConstructedNode(identifier: .sequence) { try $0.serialize(level.oid) }
            try certificate.serialize(ASN1BitString(bytes: signature[...]))
        }
        return serializer.serializedBytes
    }

    /// A public key, and a function that signs with its private key.
    static func keyPair(_ level: Level) throws -> ([UInt8], ([UInt8]) throws -> [UInt8]) {
        switch level {
        case .mldsa65:
            let key = try MLDSA65.PrivateKey()
            return (Array(key.publicKey.rawRepresentation), { Array(try key.signature(for: $0)) })
        case .mldsa87:
            let key = try MLDSA87.PrivateKey()
            return (Array(key.publicKey.rawRepresentation), { Array(try key.signature(for: $0)) })
        }
    }

    /// TBSCertificate ::= SEQUENCE { [0] version, serialNumber, signature, issuer, validity,
    /// subject, subjectPublicKeyInfo, … }: fields 3 and 7 replaced, every other one kept as its
    /// original bytes.
    static func replacing(in tbs: ArraySlice<UInt8>, algorithm: ASN1ObjectIdentifier, publicKey: [UInt8]) throws -> [UInt8] {
        let root = try DER.parse(tbs)
        guard case .constructed(let nodes) = root.content else {
            throw ASN1Error.invalidASN1Object(reason: "a TBSCertificate is a SEQUENCE")
        }
        let children = Array(nodes)
        var fields = children.map { Array($0.encodedBytes) }
        // The version is an explicit [0] tag, present for v3; the rest are positional.
        let offset = children.first?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) ? 1 : 0
        guard fields.count >= offset + 6 else { throw ASN1Error.invalidASN1Object(reason: "a TBSCertificate has at least six fields") }
        var algorithmIdentifier = DER.Serializer()
        try algorithmIdentifier.appendConstructedNode(identifier: .sequence) { try $0.serialize(algorithm) }
        var subjectPublicKeyInfo = DER.Serializer()
        try subjectPublicKeyInfo.appendConstructedNode(identifier: .sequence) { info in
            try info.appendConstructedNode(identifier: .sequence) { try $0.serialize(algorithm) }
            try info.serialize(ASN1BitString(bytes: publicKey[...]))
        }
        fields[offset + 1] = algorithmIdentifier.serializedBytes
        fields[offset + 5] = subjectPublicKeyInfo.serializedBytes
        var serializer = DER.Serializer()
        serializer.appendConstructedNode(identifier: .sequence) { sequence in
            for field in fields { sequence.serializeRawBytes(field) }
        }
        return serializer.serializedBytes
    }
}
