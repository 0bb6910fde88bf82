import Crypto
import Foundation
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SwiftASN1
import X509

/// Everything `inspect` shows about an X509-SVID and its bundle, as plain values.
///
/// The same value prints as a table for people and encodes as one JSON object for scripts, so
/// the two views can never disagree. Building it never fails on a certificate that is a poor
/// SVID: `inspect` is for looking, `validate` is for judging. A missing or malformed SPIFFE ID
/// shows up as `spiffeIDProblem`.
public struct SvidInfo: Codable, Sendable, Equatable {
    /// The fields of one certificate.
    public struct CertificateInfo: Codable, Sendable, Equatable {
        public var subject: String
        public var issuer: String
        public var serial: String
        public var notBefore: Date
        public var notAfter: Date
        /// Seconds from the inspection time to notAfter; negative once expired.
        public var secondsLeft: Int
        public var timeLeft: String
        public var keyType: String
        public var keySizeBits: Int
        public var signatureAlgorithm: String
        /// Every SAN, prefixed with its type as openssl prints it: `URI:…`, `DNS:…`, `IP:…`.
        public var subjectAlternativeNames: [String]
        public var subjectAlternativeNamesCritical: Bool?
        public var keyUsage: [String]?
        public var keyUsageCritical: Bool?
        public var extendedKeyUsage: [String]?
        public var basicConstraints: String?
        public var basicConstraintsCritical: Bool?
        public var sha256Fingerprint: String
    }

    /// A CA of the bundle, with its validity at the inspection time.
    public struct AuthorityInfo: Codable, Sendable, Equatable {
        public var subject: String
        public var spiffeID: String?
        public var notBefore: Date
        public var notAfter: Date
        /// `valid`, `expired` or `not yet valid` at the inspection time.
        public var status: String
        public var timeLeft: String
        public var keyType: String
        public var sha256Fingerprint: String
    }

    public var spiffeID: String?
    /// Why the leaf carries no usable SPIFFE ID, when it does not.
    public var spiffeIDProblem: String?
    public var trustDomain: String?
    public var leaf: CertificateInfo
    /// Certificates in the file: the leaf plus any intermediates.
    public var chainLength: Int
    public var intermediates: [CertificateInfo]
    /// The bundle's CAs, or nil when no bundle was given.
    public var bundle: [AuthorityInfo]?
    public var bundleTrustDomain: String?
    public var inspectedAt: Date

    /// Reads every field `inspect` shows from the chain (leaf first) and, if given, the bundle.
    public init(chain: [Certificate], bundle: X509Bundle?, now: Date = Date()) throws {
        try self.init(chain: chain, bundleAuthorities: bundle?.authorities, bundleTrustDomain: bundle?.trustDomain, now: now)
    }

    // step: inspect
    /// Reads every field `inspect` shows from the chain (leaf first) and, if given, the bundle's
    /// CA certificates (a bundle file does not always say which trust domain it is for).
    public init(
        chain: [Certificate],
        bundleAuthorities: [Certificate]? = nil,
        bundleTrustDomain: TrustDomain? = nil,
        now: Date = Date()
    ) throws {
        guard let leaf = chain.first else { throw X509Error.noCertificates(source: "the chain") }
        // The SPIFFE ID is read from the URI SAN, never from the subject: the spec lets the
        // subject be empty (make-svid leaves it so), and SPIRE writes a fixed C=US, O=SPIRE.
        do {
            let id = try CertificateNames.spiffeID(of: leaf)
            spiffeID = id.description
            trustDomain = id.trustDomain.name
        } catch {
            spiffeIDProblem = error.description
        }
        self.leaf = try SvidInfo.describe(leaf, now: now)
        chainLength = chain.count
        intermediates = try chain.dropFirst().map { try SvidInfo.describe($0, now: now) }
        // A bundle is a list of CAs; what matters about each is who it is and whether it is
        // still valid, because an expired CA in the bundle silently stops validating SVIDs.
        self.bundle = try bundleAuthorities?.map { authority in
            let status = now < authority.notValidBefore ? "not yet valid"
                : now > authority.notValidAfter ? "expired" : "valid"
            return AuthorityInfo(
                subject: authority.subject.description,
                spiffeID: (try? CertificateNames.spiffeID(of: authority))?.description,
                notBefore: authority.notValidBefore,
                notAfter: authority.notValidAfter,
                status: status,
                timeLeft: SvidInfo.timeLeft(until: authority.notValidAfter, now: now),
                keyType: SvidInfo.keyDescription(authority.publicKey).name,
                sha256Fingerprint: try SvidInfo.fingerprint(authority)
            )
        }
        self.bundleTrustDomain = bundleTrustDomain?.name
        inspectedAt = now
    }

    /// The fields of one certificate, each straight from its extension.
    static func describe(_ certificate: Certificate, now: Date) throws -> CertificateInfo {
        let extensions = certificate.extensions
        let key = keyDescription(certificate.publicKey)
        return CertificateInfo(
            subject: certificate.subject.description,
            issuer: certificate.issuer.description,
            serial: CertificateNames.hex(certificate.serialNumber.bytes),
            notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter,
            secondsLeft: TimeText.wholeSeconds(certificate.notValidAfter.timeIntervalSince(now).rounded(.down)),
            timeLeft: timeLeft(until: certificate.notValidAfter, now: now),
            keyType: key.name,
            keySizeBits: key.bits,
            signatureAlgorithm: signatureAlgorithmName(certificate.signatureAlgorithm),
            subjectAlternativeNames: try extensions.subjectAlternativeNames?.map(sanText) ?? [],
            subjectAlternativeNamesCritical: extensions[oid: .X509ExtensionID.subjectAlternativeName]?.critical,
            keyUsage: try extensions.keyUsage?.names,
            keyUsageCritical: extensions[oid: .X509ExtensionID.keyUsage]?.critical,
            extendedKeyUsage: try extensions.extendedKeyUsage?.map(\.description),
            basicConstraints: try extensions.basicConstraints?.description,
            basicConstraintsCritical: extensions[oid: .X509ExtensionID.basicConstraints]?.critical,
            sha256Fingerprint: try fingerprint(certificate)
        )
    }
    // end-step

    /// The SHA-256 of the DER encoding: what `openssl x509 -fingerprint -sha256` prints.
    static func fingerprint(_ certificate: Certificate) throws -> String {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return CertificateNames.hex(SHA256.hash(data: serializer.serializedBytes)).uppercased()
    }

    static func timeLeft(until notAfter: Date, now: Date) -> String {
        let left = notAfter.timeIntervalSince(now)
        return left >= 0 ? TimeText.duration(left) : "expired \(TimeText.duration(-left)) ago"
    }

    static func keyDescription(_ key: Certificate.PublicKey) -> (name: String, bits: Int) {
        if let known = JWTPublicKey(key) { return (known.family, known.keySizeInBits) }
        // Ed25519 is no JWT-SVID key (the JWT-SVID spec allows no EdDSA), so the probe above
        // leaves it out; an inspector still names it.
        if Curve25519.Signing.PublicKey(key) != nil { return ("Ed25519", 256) }
        return ("unknown", 0)
    }

    /// Algorithm names as openssl prints them.
    static func signatureAlgorithmName(_ algorithm: Certificate.SignatureAlgorithm) -> String {
        switch algorithm {
        case .ecdsaWithSHA256: return "ecdsa-with-SHA256"
        case .ecdsaWithSHA384: return "ecdsa-with-SHA384"
        case .ecdsaWithSHA512: return "ecdsa-with-SHA512"
        case .sha1WithRSAEncryption: return "sha1WithRSAEncryption"
        case .sha256WithRSAEncryption: return "sha256WithRSAEncryption"
        case .sha384WithRSAEncryption: return "sha384WithRSAEncryption"
        case .sha512WithRSAEncryption: return "sha512WithRSAEncryption"
        case .ed25519: return "ED25519"
        default: return String(describing: algorithm)
        }
    }

    static func sanText(_ name: GeneralName) -> String {
        switch name {
        case .uniformResourceIdentifier(let uri): return "URI:" + uri
        case .dnsName(let dns): return "DNS:" + dns
        case .rfc822Name(let email): return "email:" + email
        case .ipAddress(let octets):
            let bytes = Array(octets.bytes)
            if bytes.count == 4 { return "IP:" + bytes.map(String.init).joined(separator: ".") }
            let groups = stride(from: 0, to: bytes.count - 1, by: 2).map { String(Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]), radix: 16) }
            return "IP:" + groups.joined(separator: ":")
        case .directoryName(let name): return "DirName:" + name.description
        case .registeredID(let oid): return "RID:" + oid.description
        default: return "other:" + String(describing: name)
        }
    }
}

extension SvidInfo {
    /// The table `inspect` prints: label, value; the bundle's CAs last.
    public var tableLines: [String] {
        var rows: [(String, String)] = [
            ("SPIFFE ID", spiffeID ?? "none: " + (spiffeIDProblem ?? "unknown")),
            ("Trust domain", trustDomain ?? "-"),
        ]
        rows += SvidInfo.rows(for: leaf)
        rows.append(("Chain length", "\(chainLength) (leaf\(chainLength > 1 ? " + \(chainLength - 1) intermediate(s)" : ""))"))
        for (n, intermediate) in intermediates.enumerated() {
            rows.append(("Intermediate \(n + 1)", "\(intermediate.subject), \(TimeText.iso(intermediate.notBefore)) .. \(TimeText.iso(intermediate.notAfter)) (\(intermediate.timeLeft))"))
        }
        if let bundle {
            rows.append(("Bundle", "\(bundle.count) CA(s)" + (bundleTrustDomain.map { " for trust domain \($0)" } ?? "")))
            for (n, ca) in bundle.enumerated() {
                rows.append(("  CA \(n + 1)", "\(ca.subject)\(ca.spiffeID.map { " [\($0)]" } ?? "")"))
                rows.append(("    validity", "\(TimeText.iso(ca.notBefore)) .. \(TimeText.iso(ca.notAfter)): \(ca.status), \(ca.timeLeft)\(ca.status == "valid" ? " left" : "")"))
                rows.append(("    key", ca.keyType))
                rows.append(("    SHA-256", ca.sha256Fingerprint))
            }
        } else {
            rows.append(("Bundle", "none given (--bundle FILE)"))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { label, value in label.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value }
    }

    static func rows(for certificate: CertificateInfo) -> [(String, String)] {
        func critical(_ flag: Bool?) -> String { flag == true ? " (critical)" : "" }
        return [
            ("Subject", certificate.subject.isEmpty ? "(empty: the identity is in the URI SAN)" : certificate.subject),
            ("Issuer", certificate.issuer),
            ("Serial", certificate.serial),
            ("Not before", TimeText.iso(certificate.notBefore)),
            ("Not after", TimeText.iso(certificate.notAfter)),
            ("Time left", certificate.timeLeft),
            ("Key", "\(certificate.keyType), \(certificate.keySizeBits) bits"),
            ("Signature algorithm", certificate.signatureAlgorithm),
            ("SANs", (certificate.subjectAlternativeNames.isEmpty ? "none" : certificate.subjectAlternativeNames.joined(separator: ", ")) + critical(certificate.subjectAlternativeNamesCritical)),
            ("Key usage", (certificate.keyUsage.map { $0.joined(separator: ", ") } ?? "absent") + critical(certificate.keyUsageCritical)),
            ("Extended key usage", certificate.extendedKeyUsage.map { $0.joined(separator: ", ") } ?? "absent"),
            ("Basic constraints", (certificate.basicConstraints ?? "absent") + critical(certificate.basicConstraintsCritical)),
            ("SHA-256 fingerprint", certificate.sha256Fingerprint),
        ]
    }

    /// One JSON object with the same data as the table; dates in ISO 8601 UTC.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
