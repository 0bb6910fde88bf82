// Sources/ExerciseKit/GroupChoiceTypes.swift
//
// The input and answer types of the Day 19 exercise `group-choice`: what a TLS 1.3 ClientHello
// says about key exchange, which side's order the server follows, and what the server answers.
// They live in ExerciseKit (like AllowedPeers.swift) because the stub, the cases and the reference
// solution all name them. Nothing here depends on swift-nio-ssl: ExerciseKit links only
// SpiffeIdentity, Crypto and X509. (The toolkit's own `TLSGroup` is NIOTLSCurve, in SpiffeTLS;
// this is a different, self-contained type with RFC 8446's name for the code point.)

/// A key-exchange group as a ClientHello names it: a `NamedGroup` code point (RFC 8446 §4.2.7,
/// the IANA "TLS Supported Groups" registry).
public struct NamedGroup: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let secp256r1 = NamedGroup(0x0017)
    public static let secp384r1 = NamedGroup(0x0018)
    public static let secp521r1 = NamedGroup(0x0019)
    public static let x25519 = NamedGroup(0x001D)
    public static let x448 = NamedGroup(0x001E)
    /// ML-KEM alone (draft-ietf-tls-mlkem).
    public static let mlkem768 = NamedGroup(0x0201)
    public static let mlkem1024 = NamedGroup(0x0202)
    /// The hybrids of draft-ietf-tls-ecdhe-mlkem.
    public static let secp256r1MLKEM768 = NamedGroup(0x11EB)
    public static let x25519MLKEM768 = NamedGroup(0x11EC)
    public static let secp384r1MLKEM1024 = NamedGroup(0x11ED)
    /// The pre-standard hybrid that Chrome and Go sent before ML-KEM was final; retired.
    public static let x25519Kyber768Draft00 = NamedGroup(0x6399)

    /// A GREASE value (RFC 8701): 0x0A0A, 0x1A1A, 0x2A2A, … 0xFAFA. Clients send them so that
    /// servers stay tolerant of values they do not know; a server never negotiates one.
    public var isGREASE: Bool { rawValue & 0x0F0F == 0x0A0A && rawValue >> 8 == rawValue & 0xFF }

    public var description: String {
        if let name = Self.names[rawValue] { return name }
        let digits = String(rawValue, radix: 16, uppercase: true)
        let hex = "0x" + String(repeating: "0", count: 4 - digits.count) + digits
        return isGREASE ? "GREASE " + hex : hex
    }

    static let names: [UInt16: String] = [
        0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1", 0x001D: "X25519", 0x001E: "X448",
        0x0201: "MLKEM768", 0x0202: "MLKEM1024",
        0x11EB: "SecP256r1MLKEM768", 0x11EC: "X25519MLKEM768", 0x11ED: "SecP384r1MLKEM1024",
        0x6399: "X25519Kyber768Draft00",
    ]
}

/// What a ClientHello offers for key exchange (RFC 8446 §4.2.7 and §4.2.8).
public struct ClientGroupOffer: Sendable, Equatable, CustomStringConvertible {
    /// The supported_groups extension: every group the client would use, most preferred first.
    public var supportedGroups: [NamedGroup]
    /// The groups of the key_share entries the client sent, in the order it sent them. A share is
    /// the client's half of the key exchange for that group (for X25519MLKEM768, 1,216 bytes).
    public var keyShares: [NamedGroup]

    public init(supportedGroups: [NamedGroup], keyShares: [NamedGroup]) {
        self.supportedGroups = supportedGroups
        self.keyShares = keyShares
    }

    public var description: String {
        "supported_groups [\(Self.list(supportedGroups))], key shares [\(Self.list(keyShares))]"
    }

    static func list(_ groups: [NamedGroup]) -> String { groups.map(\.description).joined(separator: ", ") }
}

/// Whose order of preference the server follows when several groups are common to both sides.
public enum GroupPreference: String, Sendable, Equatable, CustomStringConvertible {
    /// The client's supported_groups order: BoringSSL's default, and so the toolkit's server.
    case client
    /// The server's own list order (BoringSSL with SSL_OP_CIPHER_SERVER_PREFERENCE set).
    case server

    public var description: String { self == .client ? "the client's order decides" : "the server's order decides" }
}

/// What the server answers the ClientHello with.
public enum GroupChoice: Sendable, Equatable, CustomStringConvertible {
    /// A ServerHello with the server's share of this group: the key exchange completes in one
    /// round trip.
    case serverHello(NamedGroup)
    /// A HelloRetryRequest naming this group (RFC 8446 §4.1.4): the client sent no share of it and
    /// must send a second ClientHello with one. One round trip more.
    case helloRetryRequest(NamedGroup)
    /// No group both sides support: the handshake ends with a handshake_failure alert.
    case noCommonGroup
    /// The client sent more than one share of the chosen group: the handshake ends with an
    /// illegal_parameter alert (RFC 8446 §4.2.8 forbids it; BoringSSL checks it).
    case duplicateKeyShare(NamedGroup)

    public var description: String {
        switch self {
        case .serverHello(let group): return "ServerHello with a share of \(group)"
        case .helloRetryRequest(let group): return "HelloRetryRequest asking for a share of \(group)"
        case .noCommonGroup: return "no common group (handshake_failure)"
        case .duplicateKeyShare(let group): return "two shares of \(group) (illegal_parameter)"
        }
    }
}
