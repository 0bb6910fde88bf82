import NIOCore
import Synchronization

/// What a TLS handshake settled on, read from its plaintext messages on the wire.
public struct HandshakeParameters: Sendable, Equatable, Codable {
    /// `TLS 1.3` or `TLS 1.2`.
    public var version: String
    /// The IANA name, e.g. `TLS_AES_128_GCM_SHA256`.
    public var cipherSuite: String
    /// The key-exchange group, e.g. `X25519MLKEM768`; nil for a TLS 1.2 suite without ECDHE.
    public var group: String?
    /// The bytes of the first ClientHello on the wire, TLS record headers included.
    public var clientHelloBytes: Int
    /// The groups the ClientHello offered (supported_groups), in its order, GREASE left out.
    public var offeredGroups: [String]
    /// The groups the ClientHello sent a key share for.
    public var keyShareGroups: [String]
    /// The server asked for a share of another group first (HelloRetryRequest, RFC 8446 §4.1.4).
    public var helloRetry: Bool

    /// One line for people: `TLS 1.3, TLS_AES_128_GCM_SHA256, X25519MLKEM768 (ClientHello 1,450 bytes)`.
    public var summary: String {
        var text = "\(version), \(cipherSuite), \(group ?? "no key-exchange group")"
        text += " (ClientHello \(clientHelloBytes.formatted()) bytes"
        return text + (helloRetry ? ", after a HelloRetryRequest)" : ")")
    }
}

/// Records the handshake's parameters from the bytes on the wire, both directions, passing
/// every byte through unchanged.
///
/// It sits in front of the TLS handler (nearer the socket), so it sees the records before
/// BoringSSL does. swift-nio-ssl reports only the negotiated version; the cipher suite and,
/// above all, the key-exchange group are in messages that are still plaintext: the ServerHello
/// (TLS 1.3 puts the chosen group in its key_share extension) and, in TLS 1.2, the
/// ServerKeyExchange. Everything from the first application_data record on (TLS 1.3 encrypts
/// the rest of the handshake in such records) is left alone.
public final class HandshakeRecorder: ChannelDuplexHandler, RemovableChannelHandler, Sendable {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private let state = Mutex(HandshakeReader())

    public init() {}

    /// What was read so far: nil until the ServerHello (and, in TLS 1.2, the key exchange) has
    /// been seen.
    public var parameters: HandshakeParameters? { state.withLock { $0.parameters } }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        state.withLock { $0.read(buffer.readableBytesView, inbound: true) }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        state.withLock { $0.read(buffer.readableBytesView, inbound: false) }
        context.write(data, promise: promise)
    }
}

/// The parsing behind `HandshakeRecorder`: TLS records (RFC 8446 §5.1) and the hello messages
/// (§4.1.2, §4.1.3), one byte stream per direction.
struct HandshakeReader: Sendable {
    private var streams = [Direction(), Direction()]
    private var clientHello: (bytes: Int, offered: [String], shares: [String])?
    private var serverHello: (version: UInt16, suite: UInt16, group: UInt16?)?
    private var helloRetry = false
    private var done = false

    struct Direction: Sendable {
        /// Bytes of a record not yet complete.
        var pending: [UInt8] = []
        /// Handshake message bytes across records (a message may span several).
        var messages: [UInt8] = []
        /// Record bytes read while the current message was incomplete (for the ClientHello's size).
        var recordBytes = 0
        /// Encrypted from here on: nothing more to read.
        var closed = false
    }

    var parameters: HandshakeParameters? {
        guard done, let serverHello else { return nil }
        return HandshakeParameters(
            version: TLSCodePoints.version(serverHello.version), cipherSuite: TLSCodePoints.cipherSuite(serverHello.suite),
            group: serverHello.group.map(TLSCodePoints.group), clientHelloBytes: clientHello?.bytes ?? 0,
            offeredGroups: clientHello?.offered ?? [], keyShareGroups: clientHello?.shares ?? [], helloRetry: helloRetry)
    }

    mutating func read(_ bytes: ByteBufferView, inbound: Bool) {
        let side = inbound ? 0 : 1
        guard !done, !streams[side].closed else { return }
        streams[side].pending.append(contentsOf: bytes)
        while streams[side].pending.count >= 5, !streams[side].closed {
            let pending = streams[side].pending
            let length = Int(pending[3]) << 8 | Int(pending[4])
            guard pending.count >= 5 + length else { return }
            let type = pending[0]
            let body = Array(pending[5..<(5 + length)])
            streams[side].pending.removeFirst(5 + length)
            switch type {
            case 22:  // handshake
                streams[side].recordBytes += 5 + length
                streams[side].messages += body
                readMessages(side)
            case 20:
                // change_cipher_spec: in TLS 1.3 a dummy for middleboxes (RFC 8446 §D.4), sent
                // even between a HelloRetryRequest and the real ServerHello; in TLS 1.2 it comes
                // after everything this reader needs.
                continue
            default:  // application_data (23), alert (21): the plaintext part is over
                streams[side].closed = true
            }
        }
    }

    private mutating func readMessages(_ side: Int) {
        while streams[side].messages.count >= 4 {
            let messages = streams[side].messages
            let length = Int(messages[1]) << 16 | Int(messages[2]) << 8 | Int(messages[3])
            guard messages.count >= 4 + length else { return }
            let body = Array(messages[4..<(4 + length)])
            streams[side].messages.removeFirst(4 + length)
            let recordBytes = streams[side].recordBytes
            if streams[side].messages.isEmpty { streams[side].recordBytes = 0 }
            var reader = ByteReader(body)
            switch messages[0] {
            case 1 where clientHello == nil:
                clientHello = Self.clientHello(&reader, recordBytes: recordBytes)
            case 2:
                readServerHello(&reader)
            case 12:  // ServerKeyExchange (TLS 1.2, RFC 8422 §5.4): curve_type 3 = named_curve
                if reader.u8() == 3, let curve = reader.u16() { serverHello?.group = curve }
                done = true
            case 14:  // ServerHelloDone (TLS 1.2): no ServerKeyExchange came
                done = true
            default:
                break
            }
            if done { return }
        }
    }

    // step: tls-handshake-groups
    /// The ServerHello names what was chosen: the cipher suite in a fixed field, the version in
    /// supported_versions (TLS 1.3 leaves the legacy field at 1.2), and, in TLS 1.3, the group in
    /// key_share: the server's share of the one group it picked from the client's offer. A
    /// HelloRetryRequest is a ServerHello with a fixed random value whose key_share holds only
    /// a group: the client must send a share of that group in a second ClientHello.
    private mutating func readServerHello(_ reader: inout ByteReader) {
        guard let legacyVersion = reader.u16(), let random = reader.bytes(32), reader.skipVector8(),
              let suite = reader.u16(), reader.u8() != nil else { return }
        let isRetry = random == Self.helloRetryRandom
        var version = legacyVersion
        var group: UInt16?
        for (type, data) in reader.extensions() {
            var field = ByteReader(data)
            switch type {
            case 43: if let selected = field.u16() { version = selected }  // supported_versions
            case 51: group = field.u16()  // key_share: the server's share starts with its group
            default: break
            }
        }
        if isRetry {
            helloRetry = true  // the real ServerHello follows the client's second ClientHello
            return
        }
        serverHello = (version, suite, group)
        // TLS 1.3 is complete here; TLS 1.2 names its curve in the ServerKeyExchange that follows.
        if version == 0x0304 { done = true }
    }
    // end-step

    /// The ClientHello's offer: supported_groups (10) and the groups of key_share (51).
    private static func clientHello(_ reader: inout ByteReader, recordBytes: Int) -> (Int, [String], [String]) {
        guard reader.u16() != nil, reader.bytes(32) != nil, reader.skipVector8(),
              reader.skipVector16(), reader.skipVector8() else { return (recordBytes, [], []) }
        var offered: [String] = []
        var shares: [String] = []
        for (type, data) in reader.extensions() {
            var field = ByteReader(data)
            switch type {
            case 10:
                guard let list = field.vector16() else { continue }
                var groups = ByteReader(list)
                while let group = groups.u16() {
                    if !TLSCodePoints.isGREASE(group) { offered.append(TLSCodePoints.group(group)) }
                }
            case 51:
                guard let list = field.vector16() else { continue }
                var entries = ByteReader(list)
                while let group = entries.u16(), entries.skipVector16() {
                    if !TLSCodePoints.isGREASE(group) { shares.append(TLSCodePoints.group(group)) }
                }
            default:
                break
            }
        }
        return (recordBytes, offered, shares)
    }

    /// SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3): the random of a HelloRetryRequest.
    static let helloRetryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]
}

/// Reads the big-endian fields and length-prefixed vectors of TLS's presentation language
/// (RFC 8446 §3); every read returns nil past the end instead of trapping.
struct ByteReader: Sendable {
    private let storage: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.storage = bytes }

    mutating func u8() -> UInt8? {
        guard offset < storage.count else { return nil }
        defer { offset += 1 }
        return storage[offset]
    }

    mutating func u16() -> UInt16? {
        guard offset + 2 <= storage.count else { return nil }
        defer { offset += 2 }
        return UInt16(storage[offset]) << 8 | UInt16(storage[offset + 1])
    }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= storage.count else { return nil }
        defer { offset += count }
        return Array(storage[offset..<(offset + count)])
    }

    mutating func vector8() -> [UInt8]? { u8().flatMap { bytes(Int($0)) } }
    mutating func vector16() -> [UInt8]? { u16().flatMap { bytes(Int($0)) } }
    mutating func skipVector8() -> Bool { vector8() != nil }
    mutating func skipVector16() -> Bool { vector16() != nil }

    /// The extensions block: a 2-byte length, then (type, data) pairs.
    mutating func extensions() -> [(UInt16, [UInt8])] {
        guard let block = vector16() else { return [] }
        var reader = ByteReader(block)
        var found: [(UInt16, [UInt8])] = []
        while let type = reader.u16(), let data = reader.vector16() { found.append((type, data)) }
        return found
    }
}
