import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A small HTTP server for the two documents of SPIRE's OIDC Discovery Provider:
/// `/.well-known/openid-configuration` and the keys at the discovery document's `jwks_uri`.
///
/// A cloud IAM fetches them over HTTPS from the issuer's host, so that is the default; plain HTTP
/// is for an `http://` issuer on a learner's machine (SPIRE's `allow_insecure_scheme`), never for
/// a real IAM. Each request asks `respond` for the document at its path, so the keys served are
/// always the trust domain's current JWT bundle (a rotated key appears without a restart).
/// GET and HEAD only; one request per connection (`Connection: close`), which is all an IAM or
/// PyJWT's PyJWKClient needs.
public final class OIDCDiscoveryServer: Sendable {
    /// The document for a request path (`/keys`), or nil for 404.
    public typealias Respond = @Sendable (_ path: String) throws -> Data?

    public let localAddress: SocketAddress
    private let channel: any Channel

    private init(channel: any Channel) throws {
        guard let address = channel.localAddress else { throw ChannelError.ioOnClosedChannel }
        self.channel = channel
        self.localAddress = address
    }

    /// The port really bound (when asked for port 0).
    public var port: Int { localAddress.port ?? 0 }

    /// A server certificate and key (PEM) for HTTPS.
    public struct TLS: Sendable {
        let context: NIOSSLContext

        public init(certificatePEM: String, privateKeyPEM: String) throws {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)))
            configuration.minimumTLSVersion = .tlsv12
            context = try NIOSSLContext(configuration: configuration)
        }

        /// Any server configuration, e.g. one that presents an X509-SVID per handshake.
        public init(configuration: TLSConfiguration) throws {
            context = try NIOSSLContext(configuration: configuration)
        }
    }

    // step: oidc-serve
    /// Binds to `host:port`; with `tls`, every connection is HTTPS.
    public static func bind(
        host: String, port: Int, tls: TLS?,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        respond: @escaping Respond
    ) async throws -> OIDCDiscoveryServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context)) }
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try child.pipeline.syncOperations.addHandler(DocumentHandler(respond: respond))
                }
            }
            .bind(host: host, port: port).get()
        return try OIDCDiscoveryServer(channel: channel)
    }
    // end-step

    /// Resolves when the server has been closed.
    public func wait() async throws {
        try await channel.closeFuture.get()
    }

    public func close() {
        channel.close(promise: nil)
    }
}

/// Answers one HTTP request with the document `respond` gives for its path.
final class DocumentHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let respond: OIDCDiscoveryServer.Respond

    init(respond: @escaping OIDCDiscoveryServer.Respond) {
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let request) = unwrapInboundIn(data) else { return }
        // The query does not pick a document: /keys?x=1 is /keys.
        let path = String(request.uri.prefix { $0 != "?" })
        let status: HTTPResponseStatus
        var body = Data()
        if request.method != .GET && request.method != .HEAD {
            status = .methodNotAllowed
        } else {
            do {
                if let document = try respond(path) {
                    status = .ok
                    body = document
                } else {
                    status = .notFound
                }
            } catch {
                status = .internalServerError
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: status == .ok ? "application/json" : "text/plain; charset=utf-8")
        if status != .ok { body = Data("\(status.code) \(status.reasonPhrase)\n".utf8) }
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
