import NIOSSL

/// A key-exchange group as swift-nio-ssl configures it (`TLSConfiguration.curves`).
public typealias TLSGroup = NIOTLSCurve

/// The IANA names of the TLS code points a handshake report shows (the TLS Parameters registry:
/// "TLS Supported Groups", "TLS Cipher Suites"), so a report reads like `openssl s_client`'s,
/// not like a hex dump.
public enum TLSCodePoints {
    /// Key-exchange groups (RFC 8446 §4.2.7; the hybrid from draft-ietf-tls-ecdhe-mlkem).
    public static let groups: [UInt16: String] = [
        0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1",
        0x001D: "X25519", 0x001E: "X448",
        0x0100: "ffdhe2048", 0x0101: "ffdhe3072",
        0x0200: "MLKEM512", 0x0201: "MLKEM768", 0x0202: "MLKEM1024",
        0x11EB: "SecP256r1MLKEM768", 0x11EC: "X25519MLKEM768", 0x11ED: "SecP384r1MLKEM1024",
        0x6399: "X25519Kyber768Draft00",
    ]

    public static let cipherSuites: [UInt16: String] = [
        0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
        0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ]

    public static let versions: [UInt16: String] = [0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"]

    /// GREASE values (RFC 8701) look like 0x0A0A, 0x1A1A, …: sent to keep peers tolerant of
    /// unknown values, never negotiated.
    public static func isGREASE(_ value: UInt16) -> Bool {
        value & 0x0F0F == 0x0A0A && value >> 8 == value & 0xFF
    }

    public static func group(_ value: UInt16) -> String { groups[value] ?? hex(value) }
    public static func cipherSuite(_ value: UInt16) -> String { cipherSuites[value] ?? hex(value) }
    public static func version(_ value: UInt16) -> String { versions[value] ?? hex(value) }

    static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// The groups a `--groups` list names, in its order: IANA names (any case) or OpenSSL's
    /// aliases (`P-256`, `prime256v1`).
    public static func parseGroups(_ list: String) throws(TLSGroupListError) -> [NIOTLSCurve] {
        let aliases: [String: UInt16] = ["p-256": 0x0017, "prime256v1": 0x0017, "p-384": 0x0018, "p-521": 0x0019]
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw TLSGroupListError(name: list, known: supportedNames) }
        return try names.map { name throws(TLSGroupListError) in
            let lower = name.lowercased()
            guard let value = aliases[lower] ?? groups.first(where: { $0.value.lowercased() == lower })?.key,
                  supported.contains(value) else {
                throw TLSGroupListError(name: name, known: supportedNames)
            }
            return NIOTLSCurve(rawValue: value)
        }
    }

    /// The groups swift-nio-ssl's BoringSSL can offer (`NIOTLSCurve`).
    static let supported: [UInt16] = [0x11EC, 0x001D, 0x0017, 0x0018, 0x0019]
    static var supportedNames: [String] { supported.map(group) }
}

/// A `--groups` entry that is not a group this stack can use.
public struct TLSGroupListError: Error, Sendable, CustomStringConvertible {
    public let name: String
    public let known: [String]

    public var description: String {
        "unknown or unsupported key-exchange group `\(name)` (use a comma list of: \(known.joined(separator: ", ")))"
    }
}
