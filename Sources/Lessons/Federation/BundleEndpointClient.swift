import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import SpiffeBundles
import SpiffeFormats
import SpiffeTLS
import SpiffeX509
import Synchronization
import X509

/// Fetches a foreign trust domain's SPIFFE bundle from its bundle endpoint
/// (SPIFFE_Federation §5.2.1.4, §5.2.2.4): authenticate the endpoint as its profile says, GET the
/// URL's path, and read the body as the SPIFFE bundle *of the configured trust domain*, never of
/// whatever the document or the server's certificate might suggest.
///
/// Redirects are not followed (the spec says clients SHOULD follow them); a 3xx is reported.
public struct BundleEndpointClient: Sendable {
    /// https_web: the CAs to trust for the endpoint's certificate; nil trusts the system's Web
    /// PKI roots, as a browser would.
    public var webRoots: [Certificate]?
    /// A safety net against a silent endpoint.
    public var timeout: TimeAmount = .seconds(15)
    /// A bundle is a few kilobytes; anything much larger is not one.
    public var maximumBytes = 1 << 20
    public let now: @Sendable () -> Date

    public init(webRoots: [Certificate]? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.webRoots = webRoots
        self.now = now
    }

    // step: bundle-endpoint-fetch
    /// Fetches `endpoint`'s bundle. For https_spiffe, `endpointBundle` must be the bundle of the
    /// endpoint SPIFFE ID's trust domain: the one an operator configured, for the first fetch of
    /// a self-serving endpoint, and after that the latest one fetched (§5.2.2.4), so the foreign
    /// trust domain can rotate its CA without breaking the relationship.
    public func fetch(_ endpoint: BundleEndpoint, endpointBundle: X509Bundle? = nil) async throws(BundleEndpointError) -> SpiffeBundle {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        let verification: PeerVerification?
        switch endpoint.profile {
        case .httpsWeb:
            // Standard HTTPS: a chain to a trusted CA, and the URL's host in the certificate.
            configuration.certificateVerification = .fullVerification
            do {
                configuration.trustRoots = try webRoots.map { roots in
                    .certificates(try roots.map { try NIOSSLCertificate(bytes: try PEM.der([$0]), format: .der) })
                } ?? .default
            } catch {
                throw .missingTrust("the CA certificates given for https_web cannot be used: \(error)")
            }
            verification = nil
        case .httpsSPIFFE(let endpointID):
            // No Web PKI at all: the server's certificate must be an X509-SVID for exactly the
            // configured endpoint SPIFFE ID, valid against that ID's trust domain's bundle.
            guard let endpointBundle, endpointBundle.trustDomain == endpointID.trustDomain else {
                throw .missingTrust("https_spiffe needs the bundle of \(endpointID.trustDomain) to authenticate \(endpointID) (for the first fetch, one obtained out of band)")
            }
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates([])
            verification = PeerVerification(verifier: SVIDPeerVerifier(bundles: endpointBundle, authorizer: .id(endpointID), now: now))
        }
        let (body, peer) = try await get(endpoint.url, configuration: configuration, verification: verification)
        if case .httpsWeb = endpoint.profile {
            // swift-nio-ssl checked the chain and a name; check the name as the spec reads it.
            guard let peer, WebPKIName.matches(peer, host: endpoint.url.host ?? "") else {
                throw .serverRejected("the endpoint's certificate does not name \(endpoint.url.host ?? "its host") (https_web checks the URL's host, RFC 6125)")
            }
        }
        do {
            return try SpiffeBundle(json: Data(body), trustDomain: endpoint.trustDomain, format: .spiffe, source: endpoint.url.absoluteString)
        } catch {
            throw .invalidBundle(error.description)
        }
    }
    // end-step

    /// One HTTPS GET: the body of a 200 answer, and the server's leaf certificate.
    private func get(_ url: URL, configuration: TLSConfiguration, verification: PeerVerification?) async throws(BundleEndpointError) -> ([UInt8], Certificate?) {
        let host = url.host ?? ""
        let port = url.port ?? 443
        // SNI carries host names only; for an address, swift-nio-ssl checks the certificate's IP SAN
        // against the address connected to.
        let serverName = Self.isAddress(host) ? nil : host
        let capture = PeerCertificateCapture()
        // One deadline for all of it: connect, handshake, request and answer.
        let deadline = NIODeadline.now() + timeout
        let timedOut = BundleEndpointError.timedOut(endpoint: "\(host):\(port)", seconds: Double(timeout.nanoseconds) / 1e9)
        let connection: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            let context = try NIOSSLContext(configuration: configuration)
            connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .connect(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tls: NIOSSLClientHandler
                        if let verification {
                            tls = try NIOSSLClientHandler(context: context, serverHostname: serverName,
                                                          customVerificationCallbackWithMetadata: verification.callback)
                        } else {
                            tls = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                        }
                        try channel.pipeline.syncOperations.addHandler(tls)
                        try channel.pipeline.syncOperations.addHandler(capture)
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch ChannelError.connectTimeout {
            throw timedOut
        } catch {
            throw .connectFailed("\(host):\(port): \(error)")
        }
        // When our own deadline closes the connection, the client says so rather than blame the server.
        let closer = ConnectionDeadline(closing: connection.channel, at: deadline)
        defer { closer.cancel() }   // on the paths that throw before the exchange is over
        var status: HTTPResponseStatus?
        var body: [UInt8] = []
        var tooLarge = false
        var complete = false
        do {
            try await connection.executeThenClose { inbound, outbound in
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
                headers.add(name: "Accept", value: "application/json")
                headers.add(name: "Connection", value: "close")
                let path = (url.path.isEmpty ? "/" : url.path) + (url.query.map { "?\($0)" } ?? "")
                try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)))
                try await outbound.write(.end(nil))
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        status = head.status
                    case .body(let chunk):
                        body += chunk.readableBytesView
                        if body.count > maximumBytes { tooLarge = true; return }
                    case .end:
                        complete = true
                        return
                    }
                }
            }
        } catch {
            if case .failure(let rejection)? = verification?.outcome { throw .serverRejected(rejection.description) }
            if closer.expired { throw timedOut }
            throw .serverRejected(TLSFailure.describe(error))
        }
        // The exchange is over: from here on the deadline cannot fire.
        closer.cancel()
        if case .failure(let rejection)? = verification?.outcome { throw .serverRejected(rejection.description) }
        // A whole answer counts however late; one that our deadline cut short is none.
        if closer.expired, !complete { throw timedOut }
        guard !tooLarge else { throw .invalidBundle("larger than \(maximumBytes) bytes") }
        guard let status else { throw .connectFailed("\(host):\(port) closed the connection without answering") }
        guard status == .ok else { throw .httpStatus(Int(status.code)) }
        let leaf = try? capture.certificate.map { try ParsedCertificates.certificate(derEncoded: try $0.toDERBytes()) }
        return (body, leaf ?? nil)
    }

    static func isAddress(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }
}

/// Keeps the server's leaf certificate when the handshake completes, before the server's
/// `Connection: close` can tear the pipeline down.
final class PeerCertificateCapture: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let captured = Mutex<NIOSSLCertificate?>(nil)
    var certificate: NIOSSLCertificate? { captured.withLock { $0 } }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event,
           let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self) {
            let leaf = tls.peerCertificate
            captured.withLock { $0 = leaf }
        }
        context.fireUserInboundEventTriggered(event)
    }
}
