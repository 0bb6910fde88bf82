import Foundation
import NIOCore
import NIOPosix
import SpiffeBundles
import SpiffeOIDC
import SpiffeTLS
import SpiffeX509

/// A SPIFFE bundle endpoint server (SPIFFE_Federation §5.2.1.3, §5.2.2.3): it answers GET on its
/// path with the trust domain's current SPIFFE bundle, as JSON, to anyone: it must not ask for
/// client authentication. The documents are served by the HTTP(S) server the OIDC discovery
/// provider uses, one request per connection.
public final class BundleEndpointServer: Sendable {
    /// How the server proves who it is.
    public enum Authentication: Sendable {
        /// https_web: a certificate (and key, PEM) for the endpoint's host name or address.
        case web(certificatePEM: String, privateKeyPEM: String)
        /// https_spiffe: the server's X509-SVID, taken from `svids` at every handshake, so a
        /// rotated SVID is served without a restart.
        case spiffe(any X509SVIDSource)
    }

    private let http: OIDCDiscoveryServer
    public var port: Int { http.port }
    public var localAddress: SocketAddress { http.localAddress }

    private init(http: OIDCDiscoveryServer) { self.http = http }

    // step: bundle-endpoint-serve
    /// Binds to `host:port` and serves `bundle()`, asked again for every request (the bundle
    /// changes when its CA rotates), at `path`.
    public static func bind(
        host: String, port: Int, path: String = "/", authentication: Authentication,
        bundle: @escaping @Sendable () throws -> SpiffeBundle
    ) async throws -> BundleEndpointServer {
        let tls: OIDCDiscoveryServer.TLS
        switch authentication {
        case .web(let certificate, let key):
            tls = try OIDCDiscoveryServer.TLS(certificatePEM: certificate, privateKeyPEM: key)
        case .spiffe(let svids):
            tls = try OIDCDiscoveryServer.TLS(configuration: try SpiffeTLSConfiguration.server(svids: svids, requireClientCertificate: false))
        }
        let http = try await OIDCDiscoveryServer.bind(host: host, port: port, tls: tls) { requested in
            guard requested == path else { return nil }
            return try bundle().spiffeJSON(pretty: true)
        }
        return BundleEndpointServer(http: http)
    }
    // end-step

    public func wait() async throws { try await http.wait() }
    public func close() { http.close() }
}
