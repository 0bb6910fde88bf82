import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// Reading and writing certificates and keys as PEM or DER.
public enum PEM {
    /// Parses every certificate in `data`: PEM `CERTIFICATE` blocks, or a single DER certificate,
    /// or concatenated DER certificates (the Workload API's `bundle` and `x509_svid` fields are
    /// concatenated DER). `source` names the input in error messages (a file path, a field name).
    public static func certificates(from data: Data, source: String) throws(X509Error) -> [Certificate] {
        if data.isEmpty { throw .noCertificates(source: source) }
        // The common case, plain CERTIFICATE blocks, read straight from the bytes; anything
        // else (other labels, text around the blocks, damage) takes the general parser below,
        // which also words the errors.
        if let blocks = certificateBlocks(Array(data)) {
            var certificates: [Certificate] = []
            for der in blocks {
                do { certificates.append(try ParsedCertificates.certificate(derEncoded: der)) } catch {
                    throw .badDER(source: source, reason: PEM.reason(error))
                }
            }
            return certificates
        }
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN") {
            return try certificates(fromPEM: text, source: source)
        }
        return try certificates(fromDER: Array(data), source: source)
    }

    /// The DER of each block when `bytes` is nothing but `-----BEGIN CERTIFICATE-----` …
    /// `-----END CERTIFICATE-----` blocks of base64 (RFC 7468 §2) and white space; nil for
    /// anything else.
    static func certificateBlocks(_ bytes: [UInt8]) -> [[UInt8]]? {
        let begin = Array("-----BEGIN CERTIFICATE-----".utf8), end = Array("-----END CERTIFICATE-----".utf8)
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        func matches(_ marker: [UInt8], at index: Int) -> Bool {
            index + marker.count <= bytes.count && bytes[index..<(index + marker.count)].elementsEqual(marker)
        }
        var blocks: [[UInt8]] = []
        var index = 0
        while true {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            if index == bytes.count { return blocks.isEmpty ? nil : blocks }
            guard matches(begin, at: index) else { return nil }
            index += begin.count
            var bits = Base64Bits(capacity: bytes.count * 3 / 4)
            var padding = 0
            while index < bytes.count, bytes[index] != UInt8(ascii: "-") {
                let byte = bytes[index]
                index += 1
                if isSpace(byte) { continue }
                if byte == UInt8(ascii: "=") { padding += 1; continue }
                guard padding == 0 else { return nil }   // data after padding
                guard let digit = Base64Bits.digit(byte, urlSafe: false) else { return nil }
                bits.append(digit)
            }
            guard matches(end, at: index), !bits.bytes.isEmpty, bits.isCanonical, padding <= 2 else { return nil }
            index += end.count
            blocks.append(bits.bytes)
        }
    }

    /// Parses concatenated DER certificates.
    public static func certificates(fromDER bytes: [UInt8], source: String) throws(X509Error) -> [Certificate] {
        if bytes.isEmpty { throw .noCertificates(source: source) }
        var certificates: [Certificate] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            guard let length = derElementLength(rest) else {
                throw .badDER(source: source, reason: "truncated or malformed DER after \(certificates.count) certificate(s)")
            }
            do {
                certificates.append(try ParsedCertificates.certificate(derEncoded: Array(rest.prefix(length))))
            } catch {
                throw .badDER(source: source, reason: PEM.reason(error))
            }
            rest = rest.dropFirst(length)
        }
        return certificates
    }

    /// The total length (header + content) of the DER element at the start of `bytes`, so that
    /// concatenated certificates can be split. Only the definite-length forms DER allows.
    private static func derElementLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 2 else { return nil }
        let start = bytes.startIndex
        let first = bytes[start + 1]
        var header = 2
        var length = Int(first)
        if first & 0x80 != 0 {
            let count = Int(first & 0x7F)
            guard count > 0, count <= 4, bytes.count >= 2 + count else { return nil }
            length = 0
            for byte in bytes[(start + 2)..<(start + 2 + count)] { length = length << 8 | Int(byte) }
            header += count
        }
        let total = header + length
        return total <= bytes.count ? total : nil
    }

    /// A parse error in words: swift-asn1's own descriptions carry a debug dump of the input and
    /// the library's file and line, which help nobody reading a lesson.
    /// With `describingUnknown` false, errors from other libraries are named by type only.
    static func reason(_ error: any Error, describingUnknown: Bool = true) -> String {
        if let certificateError = error as? CertificateError {
            // swift-certificates' description ends in its own Swift file and line: say what
            // the code means instead.
            switch certificateError.code {
            case .unsupportedPublicKeyAlgorithm: return "its public key uses an algorithm this toolkit does not support (SPIFFE uses EC P-256/P-384 or RSA)"
            case .unsupportedSignatureAlgorithm: return "it is signed with an algorithm this toolkit does not support"
            case .unsupportedDigestAlgorithm: return "it uses a digest algorithm this toolkit does not support"
            case .unsupportedPrivateKey: return "not a private key type this toolkit supports"
            case .duplicateOID: return "an extension appears twice (RFC 5280 §4.2)"
            case .incorrectOIDForExtension: return "an extension is not what its OID says"
            default: return "not a certificate this toolkit can read (\(certificateError.code))"
            }
        }
        guard let asn1 = error as? ASN1Error else {
            return describingUnknown ? String(describing: error) : "not a PKCS#8, SEC1 or PKCS#1 key this toolkit can read (\(type(of: error)))"
        }
        switch asn1.code {
        case .invalidPEMDocument:
            return "a -----BEGIN----- line without its matching -----END----- line, a second block inside one, or a body that is not base64"
        case .truncatedASN1Field:
            return "the DER ends in the middle of a field (truncated)"
        default:
            return "the DER is not well formed (\(asn1.code))"
        }
    }

    /// Parses the `CERTIFICATE` blocks of a PEM text; any other block type is an error, because a
    /// private key pasted into a bundle file is a mistake worth hearing about.
    public static func certificates(fromPEM text: String, source: String) throws(X509Error) -> [Certificate] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw .badPEM(source: source, reason: PEM.reason(error))
        }
        if documents.isEmpty { throw .noCertificates(source: source) }
        var certificates: [Certificate] = []
        for document in documents {
            guard document.discriminator == "CERTIFICATE" else {
                throw .badPEM(source: source, reason: "found a '\(document.discriminator)' block where certificates were expected")
            }
            do {
                certificates.append(try ParsedCertificates.certificate(derEncoded: document.derBytes))
            } catch {
                throw .badDER(source: source, reason: PEM.reason(error))
            }
        }
        return certificates
    }

    /// Parses a private key from PKCS#8 DER or from PEM (PKCS#8, SEC1 or PKCS#1).
    public static func privateKey(from data: Data, source: String) throws(X509Error) -> Certificate.PrivateKey {
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN"),
           let documents = try? PEMDocument.parseMultiple(pemString: text), documents.count > 1 {
            // A key pasted twice parses as two blocks; the single-block parser would only say
            // "BEGIN without END", which sends the learner looking for a missing line.
            throw .badPrivateKey(source: source, reason: "it holds \(documents.count) PEM blocks (\(documents.map { "'\($0.discriminator)'" }.joined(separator: ", "))); a key file holds exactly one")
        }
        do {
            if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN") {
                return try Certificate.PrivateKey(pemEncoded: text)
            }
            return try Certificate.PrivateKey(derBytes: Array(data))
        } catch {
            // Never the library's description: swift-asn1's quotes the input, which here is a key.
            throw .badPrivateKey(source: source, reason: PEM.reason(error, describingUnknown: false))
        }
    }

    /// PEM text for certificates, one block each, in order.
    public static func encode(_ certificates: [Certificate]) throws -> String {
        try certificates.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
    }

    /// Concatenated DER for certificates, the Workload API's wire form for chains and bundles.
    public static func der(_ certificates: [Certificate]) throws -> [UInt8] {
        var out: [UInt8] = []
        for certificate in certificates {
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            out += serializer.serializedBytes
        }
        return out
    }
}

extension PEM {
    /// The PKCS#8 DER encoding of a private key: the form the Workload API's `x509_svid_key`
    /// field carries and SPIRE writes to `svid.N.key`.
    public static func pkcs8DER(_ key: Certificate.PrivateKey) throws -> [UInt8] {
        let document = try key.serializeAsPEM()
        switch document.discriminator {
        case "PRIVATE KEY":
            return document.derBytes
        case "RSA PRIVATE KEY":
            // swift-crypto writes RSA keys as PKCS#1; re-wrap them as PKCS#8.
            return Array(try _RSA.Signing.PrivateKey(derRepresentation: document.derBytes).pkcs8DERRepresentation)
        default:
            throw X509Error.unsupportedKey("cannot write a '\(document.discriminator)' key as PKCS#8")
        }
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) for a private key.
    public static func pkcs8PEM(_ key: Certificate.PrivateKey) throws -> String {
        PEMDocument(type: "PRIVATE KEY", derBytes: try pkcs8DER(key)).pemString + "\n"
    }
}
