import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SpiffeBundles
import SpiffeIdentity
import SpiffeX509
import X509

/// What the server reports about each connection.
public enum MTLSServerEvent: Sendable, CustomStringConvertible {
    /// The handshake completed: the client is authenticated and authorized.
    /// `handshake`: what the handshake settled on, read from its hello messages.
    case accepted(client: SpiffeID, serial: String, from: String, handshake: HandshakeParameters?)
    /// The server answered the client's request.
    case answered(client: SpiffeID, reply: String)
    /// The connection was refused or failed before a verified handshake, and why.
    case refused(from: String, reason: String)

    public var description: String {
        switch self {
        case .accepted(let client, let serial, let from, _):
            return "client \(client) connected from \(from) (certificate serial \(serial))"
        case .answered(let client, let reply):
            return "answered \(client): \(reply)"
        case .refused(let from, let reason):
            return "refused \(from): \(reason)"
        }
    }
}

/// A small mTLS server: it authenticates every client by its X509-SVID, authorizes its SPIFFE
/// ID, reads one line, and answers `hello from <own SPIFFE ID>`.
///
/// The server's own SVID is taken from `svids` on every handshake (see
/// `SpiffeTLSConfiguration.server`), so it keeps serving across rotations without a restart.
public final class MTLSServer: Sendable {
    /// One accepted client connection, after the TLS handler: bytes in, bytes out.
    public typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// The address the server listens on (with the real port when asked for port 0).
    public let localAddress: SocketAddress
    private let serverChannel: NIOAsyncChannel<Connection, Never>
    private let svids: any X509SVIDSource
    private let log: @Sendable (MTLSServerEvent) -> Void

    /// How long a connection may take, handshake and request included, unless `bind` is told
    /// otherwise; a silent client is disconnected.
    public static let defaultRequestTimeout: TimeAmount = .seconds(30)

    private init(
        serverChannel: NIOAsyncChannel<Connection, Never>,
        svids: any X509SVIDSource,
        log: @escaping @Sendable (MTLSServerEvent) -> Void
    ) throws {
        self.serverChannel = serverChannel
        self.svids = svids
        self.log = log
        guard let address = serverChannel.channel.localAddress else { throw ChannelError.ioOnClosedChannel }
        self.localAddress = address
    }

    // step: tls-server
    /// Binds to `host:port` (port 0 picks a free port; see `localAddress`).
    public static func bind(
        host: String,
        port: Int,
        svids: any X509SVIDSource,
        bundles: any X509BundleSource,
        authorizer: Authorizer,
        groups: [NIOTLSCurve]? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        requestTimeout: TimeAmount = defaultRequestTimeout,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        log: @escaping @Sendable (MTLSServerEvent) -> Void
    ) async throws -> MTLSServer {
        // One context for the server's lifetime: the certificate inside it is replaced per
        // handshake by the configuration's sslContextCallback.
        let context = try NIOSSLContext(configuration: try SpiffeTLSConfiguration.server(svids: svids, groups: groups))
        let verifier = SVIDPeerVerifier(bundles: bundles, authorizer: authorizer, now: now)

        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    // A fresh verification per connection, so its outcome (peer or reason)
                    // belongs to this connection's log line.
                    let verification = PeerVerification(verifier: verifier)
                    let tls = NIOSSLServerHandler(
                        context: context, customVerificationCallbackWithMetadata: verification.callback)
                    // Before the TLS handler: it reads the plaintext hellos as they pass.
                    let recorder = HandshakeRecorder()
                    try child.pipeline.syncOperations.addHandler(recorder)
                    try child.pipeline.syncOperations.addHandler(tls)
                    try child.pipeline.syncOperations.addHandler(
                        HandshakeObserver(verification: verification, recorder: recorder, remote: child.remoteAddress, log: log))
                    let deadline = child.eventLoop.scheduleTask(in: requestTimeout) { child.close(promise: nil) }
                    child.closeFuture.whenComplete { _ in deadline.cancel() }
                    return try Connection(wrappingChannelSynchronously: child)
                }
            }
        return try MTLSServer(serverChannel: channel, svids: svids, log: log)
    }
    // end-step

    /// Accepts connections until `close()` is called, then waits for the ones in flight.
    public func serve() async throws {
        // Accepting and answering run on event loops, not the global pool: see
        // EventLoopTaskExecutor.
        try await withTaskExecutorPreference(EventLoopTaskExecutor(serverChannel.channel.eventLoop)) {
            try await withThrowingDiscardingTaskGroup { group in
                try await serverChannel.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask(executorPreference: EventLoopTaskExecutor(connection.channel.eventLoop)) {
                            await self.answer(connection)
                        }
                    }
                }
            }
        }
    }

    /// Stops accepting connections; `serve()` returns once open connections are done.
    public func close() {
        serverChannel.channel.close(promise: nil)
    }

    /// Reads one line (the request) and answers with the server's current SPIFFE ID. A
    /// connection whose handshake fails never gets here with data: reading throws, and the
    /// `HandshakeObserver` has already logged why.
    private func answer(_ connection: Connection) async {
        let observer = try? await connection.channel.pipeline.handler(type: HandshakeObserver.self).get()
        do {
            try await connection.executeThenClose { inbound, outbound in
                var request = ByteBuffer()
                for try await chunk in inbound {
                    request.writeImmutableBuffer(chunk)
                    if request.readableBytesView.contains(UInt8(ascii: "\n")) || request.readableBytes > 4096 { break }
                }
                // Only a connection whose handshake verified the client gets an answer.
                guard case .success(let client) = observer?.verification.outcome else { return }
                let reply = "hello from \(try svids.x509SVID().spiffeID)"
                try await outbound.write(ByteBuffer(string: reply + "\n"))
                log(.answered(client: client.spiffeID, reply: reply))
            }
        } catch {
            // Handshake failures were reported by the observer; anything after that is the
            // client going away, which is its business.
        }
    }
}

/// Sits behind the TLS handler and reports each connection once: accepted (after a verified
/// handshake) or refused (with the reason).
final class HandshakeObserver: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    // @unchecked: every stored var is touched only on the channel's event loop.
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let verification: PeerVerification
    private let recorder: HandshakeRecorder
    private let remote: String
    private let log: @Sendable (MTLSServerEvent) -> Void
    private var reported = false

    init(verification: PeerVerification, recorder: HandshakeRecorder, remote: SocketAddress?,
         log: @escaping @Sendable (MTLSServerEvent) -> Void) {
        self.verification = verification
        self.recorder = recorder
        self.remote = remote.map(HandshakeObserver.format) ?? "unknown peer"
        self.log = log
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls, !reported {
            reported = true
            if case .success(let peer) = verification.outcome {
                log(.accepted(client: peer.spiffeID, serial: peer.serialNumber, from: remote, handshake: recorder.parameters))
            } else {
                // A handshake without a verified certificate (e.g. a resumed session) is not
                // enough: identity is established by verification on this connection only.
                log(.refused(from: remote, reason: "no verified client certificate on this connection"))
                context.close(promise: nil)
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !reported {
            reported = true
            log(.refused(from: remote, reason: TLSFailure.describe(error, rejection: verification.outcome?.rejection)))
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !reported {
            reported = true
            log(.refused(from: remote, reason: verification.outcome?.rejection?.description
                ?? "the client closed the connection before the handshake completed"))
        }
        context.fireChannelInactive()
    }

    static func format(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return address.description }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

extension Result where Failure == PeerRejection {
    var rejection: PeerRejection? {
        if case .failure(let rejection) = self { return rejection }
        return nil
    }
}
