import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOHPACK
import NIOHTTP2
#if canImport(Glibc)
import Glibc
#endif

/// Carries the caller's kernel credentials from the Unix socket to the RPC handler.
///
/// The problem: a gRPC handler sees a `ServerContext` and the request metadata, never the
/// socket, but attestation needs the socket's peer credentials (SO_PEERCRED). The route:
///
/// 1. When a connection is accepted, read SO_PEERCRED from the socket and the caller's start
///    time from /proc, once, and keep them in a handler on the connection's pipeline.
/// 2. When an HTTP/2 stream (one RPC) opens on that connection, put a handler *first* in the
///    stream's pipeline. It deletes every client-sent copy of the reserved metadata key and adds
///    the real credentials to the request's HEADERS frame.
/// 3. The handler reads them from `request.metadata`.
///
/// Step 2's deletion is the security of the scheme: metadata is just request headers, so any
/// client could send `x-spiffe-workbook-peer: pid=1 uid=0 …`. Because our handler sits before the
/// gRPC machinery and strips the key before adding its own, the value the RPC sees can only
/// have come from the kernel.
///
/// grpc-swift-nio-transport documents these channel callbacks as meant for debugging; this file
/// is the only place that depends on them.
public enum PeerCredentialsPipeline {
    /// The reserved metadata key. Lowercase: HTTP/2 header names are.
    public static let metadataKey = "x-spiffe-workbook-peer"

    /// Connections the kernel queues for the agent before it accepts them: a burst of workloads
    /// starting together (a node booting) connects at once.
    public static let listenBacklog: Int32 = 4096

    /// The server transport callbacks that install the two handlers; with `limits`, each
    /// connection is also counted against its caller (ConnectionLimits).
    public static func callbacks(limits: ConnectionLimits? = nil) -> HTTP2ServerTransport.Config.ChannelDebuggingCallbacks {
        .init(
            onBindTCPListener: { listener in
                // Called before the listener binds (Unix sockets too, despite the name). NIO's
                // default backlog, 128, refused most of a 2,000-connection burst (issue 19, item
                // 3); the kernel caps this at net.core.somaxconn.
                listener.setOption(ChannelOptions.backlog, value: PeerCredentialsPipeline.listenBacklog)
            },
            onAcceptTCPConnection: { channel in
                // Called for every accepted connection (Unix sockets too, despite the name).
                readPeerCredentials(of: channel).flatMapThrowing { credentials in
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionCredentialsHandler(credentials: credentials), position: .first)
                    limits?.accepted(channel, credentials: credentials)
                }
            },
            onAcceptHTTP2Stream: { stream in
                stream.eventLoop.makeCompletedFuture {
                    // A stream's parent is its connection; both run on the same event loop.
                    guard let connection = stream.parent else {
                        throw AgentError.attestation("HTTP/2 stream without a connection")
                    }
                    let holder = try connection.pipeline.syncOperations.handler(type: ConnectionCredentialsHandler.self)
                    let refusal = limits?.openedStream(stream, credentials: holder.credentials)
                    // Only a stream that may go on makes its connection one in use, not idle.
                    if refusal == nil { limits?.requested(connection, uid: holder.credentials.uid) }
                    try stream.pipeline.syncOperations.addHandler(
                        StreamCredentialsHandler(credentials: holder.credentials, limits: limits, refusal: refusal), position: .first)
                }
            }
        )
    }

    /// The credentials the agent's pipeline attached to a request; nil if there are none (which
    /// means the server was set up without `callbacks()`, not that the client did something).
    public static func credentials(in metadata: Metadata) -> PeerCredentials? {
        let values = Array(metadata[stringValues: metadataKey])
        guard values.count == 1 else { return nil }
        return PeerCredentials(encoded: values[0])
    }

    /// SO_PEERCRED on the accepted socket, plus the caller's start time read right away.
    static func readPeerCredentials(of channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(AgentError.attestation("the connection is not a socket"))
        }
        let ucred: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return ucred.flatMapThrowing { ucred in
            guard ucred.pid > 0 else {
                // A TCP peer has no kernel credentials: attestation needs a Unix socket.
                throw AgentError.attestation("the peer has no process credentials (not a Unix socket?)")
            }
            guard let start = PeerCredentials.startTime(ofProcess: ucred.pid) else {
                throw AgentError.attestation("process \(ucred.pid) exited before it could be attested")
            }
            return PeerCredentials(pid: ucred.pid, uid: ucred.uid, gid: ucred.gid, startTime: start)
        }
    }
}

/// Holds one connection's credentials; passes every byte through untouched.
final class ConnectionCredentialsHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let credentials: PeerCredentials

    init(credentials: PeerCredentials) {
        self.credentials = credentials
    }
}

/// First in each stream's pipeline: strips any client-sent copy of the reserved key from every
/// HEADERS frame and adds the kernel's credentials to the first one (the request headers).
///
/// A stream past its caller's stream limit (`refusal`) is answered here instead, with gRPC's
/// status ResourceExhausted, before gRPC reads a byte of it: a check in the RPC handler would
/// come only after the whole request had arrived, so a stream that sends its headers and
/// nothing more would never be refused.
final class StreamCredentialsHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload
    private let credentials: PeerCredentials
    private let limits: ConnectionLimits?
    private let refusal: String?
    private var injected = false
    private var requestBytes = 0

    init(credentials: PeerCredentials, limits: ConnectionLimits? = nil, refusal: String? = nil) {
        self.credentials = credentials
        self.limits = limits
        self.refusal = refusal
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var payload = unwrapInboundIn(data)
        if let refusal {
            // Nothing of a refused stream reaches gRPC. The answer is "Trailers-Only" (gRPC's
            // PROTOCOL-HTTP2.md, Responses: one HEADERS frame with the status, for an error before
            // any message), then the stream is reset so that the client stops sending.
            guard case .headers = payload, !injected else { return }
            injected = true
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: Self.trailersOnly(refusal), endStream: true))))
                .whenComplete { _ in channel.close(promise: nil) }
            return
        }
        if case .data(let frame) = payload, let limits, case .byteBuffer(let bytes) = frame.data {
            // The transport resets a stream whose request passes the limit without a word; say
            // here who sent it, once per stream. A gRPC message starts with a flag byte and
            // its length (4 bytes, big-endian), which the transport judges before the rest arrives.
            if requestBytes == 0, let declared = bytes.getInteger(at: bytes.readerIndex + 1, as: UInt32.self),
               declared > limits.maximumRequestBytes {
                limits.refusedOversizedRequest(from: credentials)
                requestBytes = Int.max / 2
            } else {
                let before = requestBytes
                requestBytes += bytes.readableBytes
                if before <= limits.maximumRequestBytes, requestBytes > limits.maximumRequestBytes {
                    limits.refusedOversizedRequest(from: credentials)
                }
            }
        }
        if case .headers(var headers) = payload {
            // HPACKHeaders.remove(name:) compares names case-insensitively.
            headers.headers.remove(name: PeerCredentialsPipeline.metadataKey)
            if !injected {
                headers.headers.add(name: PeerCredentialsPipeline.metadataKey, value: credentials.description)
                injected = true
            }
            payload = .headers(headers)
        }
        context.fireChannelRead(wrapInboundOut(payload))
    }

    /// A response with no message: status ResourceExhausted (8) and `message`, percent-encoded
    /// as PROTOCOL-HTTP2.md requires of grpc-message (bytes outside 0x20–0x7E, and `%` itself).
    static func trailersOnly(_ message: String) -> HPACKHeaders {
        var encoded = ""
        for byte in message.utf8 {
            if (0x20...0x7E).contains(byte), byte != UInt8(ascii: "%") {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += (hex.count == 1 ? "%0" : "%") + hex
            }
        }
        return HPACKHeaders([(":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "8"), ("grpc-message", encoded)])
    }
}
