import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SpiffeBundles
import SpiffeIdentity
import SpiffeX509
import X509

/// Why a client exchange failed.
public enum MTLSClientError: Error, Sendable, CustomStringConvertible {
    /// The source has no SVID for us to present.
    case noSVID(String)
    /// No TCP connection (nothing listening, unreachable).
    case connectFailed(String)
    /// We refused the server: its certificate failed authentication or authorization.
    case serverRejected(PeerRejection)
    /// The server refused us, or the TLS handshake failed for another reason.
    case handshakeFailed(String)
    /// The handshake succeeded but no answer came.
    case noReply(String)
    /// The exchange outlasted the client's `timeout`, so the client closed the connection.
    case timedOut(TimeAmount)

    public var description: String {
        switch self {
        case .noSVID(let reason): return "no SVID to present: \(reason)"
        case .connectFailed(let reason): return "cannot connect: \(reason)"
        case .serverRejected(let rejection): return "refused the server: \(rejection)"
        case .handshakeFailed(let reason): return "TLS failed: \(reason)"
        case .noReply(let reason): return "no reply from the server: \(reason)"
        case .timedOut(let limit): return "gave up after \(String(format: "%g", Double(limit.nanoseconds) / 1e9)) s: the server did not finish the handshake and answer in time"
        }
    }
}

/// One request/response over mTLS: what the client learned about the server.
public struct MTLSExchange: Sendable {
    /// The server, authenticated and authorized.
    public let server: VerifiedPeer
    /// The SPIFFE ID this client presented.
    public let clientID: SpiffeID
    /// The server's answer (one line, without the newline).
    public let reply: String
    /// What the handshake settled on: version, cipher suite, key-exchange group.
    public let handshake: HandshakeParameters?
}

/// A small mTLS client: presents its current SVID, verifies the server's, sends
/// `hello from <own ID>` and reads the one-line answer.
public struct MTLSClient: Sendable {
    public let svids: any X509SVIDSource
    public let verifier: SVIDPeerVerifier
    public let group: any EventLoopGroup
    /// Gives up on a silent server after this long (a safety net, not a measurement).
    public var timeout: TimeAmount = .seconds(15)
    /// The key-exchange groups to offer, in order; nil for swift-nio-ssl's defaults.
    public var groups: [NIOTLSCurve]?

    public init(
        svids: any X509SVIDSource,
        bundles: any X509BundleSource,
        authorizer: Authorizer,
        now: @escaping @Sendable () -> Date = { Date() },
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.svids = svids
        self.verifier = SVIDPeerVerifier(bundles: bundles, authorizer: authorizer, now: now)
        self.group = group
    }

    // step: tls-client
    /// Connects, completes the mutual handshake, sends one line and reads the answer.
    ///
    /// Success is reported only after the answer arrives: under TLS 1.3 the client's handshake
    /// completes *before* the server has checked the client certificate, so a server that
    /// refuses us is noticed only on the first read.
    public func exchange(host: String, port: Int) async throws(MTLSClientError) -> MTLSExchange {
        // A fresh context per connection, from the SVID that is current now.
        let svid: X509SVID
        let context: NIOSSLContext
        do {
            svid = try svids.x509SVID()
            context = try NIOSSLContext(configuration: try SpiffeTLSConfiguration.client(svid: svid, groups: groups))
        } catch {
            throw .noSVID(String(describing: error))
        }
        let verification = PeerVerification(verifier: verifier)
        let recorder = HandshakeRecorder()

        // One deadline for all of it: connect, handshake, request and answer.
        let deadline = NIODeadline.now() + timeout
        let connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            connection = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // No server name: SPIFFE authorizes by ID, not hostname, and SNI with an
                        // IP address is not allowed anyway.
                        let tls = try NIOSSLClientHandler(
                            context: context, serverHostname: nil,
                            customVerificationCallbackWithMetadata: verification.callback)
                        // Before the TLS handler: it reads the plaintext hellos as they pass.
                        try channel.pipeline.syncOperations.addHandler(recorder)
                        try channel.pipeline.syncOperations.addHandler(tls)
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch ChannelError.connectTimeout {
            throw .timedOut(timeout)
        } catch {
            throw .connectFailed(String(describing: error))
        }

        // When our own deadline closes the connection, the client says so rather than blame the server.
        let closer = ConnectionDeadline(closing: connection.channel, at: deadline)
        defer { closer.cancel() }   // on the paths that throw before the exchange is over
        var reply = ByteBuffer()
        do {
            // The exchange runs on the connection's event loop (see EventLoopTaskExecutor).
            try await withTaskExecutorPreference(EventLoopTaskExecutor(connection.channel.eventLoop)) {
                try await connection.executeThenClose { inbound, outbound in
                    do {
                        try await outbound.write(ByteBuffer(string: "hello from \(svid.spiffeID)\n"))
                    } catch {
                        // A server that refused our certificate may have sent its alert and
                        // closed before the request went out: the alert, waiting inbound, says
                        // why; the failed write only says that the channel is closed.
                        for try await _ in inbound {}
                        throw error
                    }
                    for try await chunk in inbound {
                        reply.writeImmutableBuffer(chunk)
                        if reply.readableBytesView.contains(UInt8(ascii: "\n")) { break }
                    }
                }
            }
        } catch {
            if case .failure(let rejection) = verification.outcome { throw .serverRejected(rejection) }
            if closer.expired { throw .timedOut(timeout) }
            throw .handshakeFailed(TLSFailure.describe(error))
        }
        // The exchange is over: from here on the deadline cannot fire.
        closer.cancel()
        guard case .success(let server) = verification.outcome else {
            if case .failure(let rejection) = verification.outcome { throw .serverRejected(rejection) }
            if closer.expired { throw .timedOut(timeout) }
            throw .handshakeFailed("the server closed the connection before the handshake completed")
        }
        // A whole line is the answer, however late; a part of one that our deadline cut short is none.
        if closer.expired, !reply.readableBytesView.contains(UInt8(ascii: "\n")) { throw .timedOut(timeout) }
        let text = String(buffer: reply)
        guard let line = text.split(separator: "\n", omittingEmptySubsequences: false).first, !text.isEmpty else {
            throw .noReply("the server closed the connection without answering")
        }
        return MTLSExchange(server: server, clientID: svid.spiffeID, reply: String(line), handshake: recorder.parameters)
    }
    // end-step
}
