import Foundation
import NIOCore
import NIOSSL
import SpiffeFormats
import SpiffeX509
import Synchronization
import X509

/// swift-nio-ssl configurations for mutual TLS with X509-SVIDs.
///
/// Three decisions shape them, each from the SPIFFE model rather than from web PKI:
/// - **The certificate comes from a source, per handshake.** SVIDs live for minutes to hours and
///   are rotated by the agent at about half their lifetime. A server that loaded its certificate
///   once at start would serve an expired one an hour later; asking the source on every handshake
///   means a rotated SVID is used by the very next connection, without a restart.
/// - **Both sides present and verify certificates.** The server requires a client certificate.
///   Verification is ours (`SVIDPeerVerifier`), not BoringSSL's: the trust anchors are the bundle
///   of the peer's trust domain, chosen per peer, and the identity check is an authorizer on the
///   SPIFFE ID. There is no hostname verification: SVIDs carry no DNS name to check.
/// - **TLS 1.2 at least.** Older versions have known weaknesses; SPIFFE implementations
///   (go-spiffe's tlsconfig, Envoy's SDS) default to 1.2 as the floor.
public enum SpiffeTLSConfiguration {

    // step: tls-server-config
    /// The server side: every ClientHello asks `svids` for the current SVID. `groups` (nil:
    /// swift-nio-ssl's defaults, X25519MLKEM768 first) are the key-exchange groups accepted.
    /// `requireClientCertificate` false is for servers that must not ask for one, as a SPIFFE
    /// bundle endpoint (SPIFFE_Federation §5.2.2.3): they present the SVID and verify nobody.
    public static func server(svids: any X509SVIDSource, groups: [NIOTLSCurve]? = nil,
                              requireClientCertificate: Bool = true) throws -> TLSConfiguration {
        let identities = NIOSSLIdentityCache()
        // The SVID at start-up only fills the required initial fields (and fails early if the
        // source has nothing); each handshake replaces it in the callback below.
        let initial = try identities.identity(for: try svids.x509SVID())
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: initial.chain, privateKey: initial.key)
        configuration.minimumTLSVersion = .tlsv12
        configuration.curves = groups
        // On a server, any verification mode other than .none *requires* a client certificate
        // (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT). The checks themselves run in the
        // custom verification callback; hostname verification never applies to a server.
        configuration.certificateVerification = requireClientCertificate ? .noHostnameVerification : .none
        // No system CAs: a SPIFFE peer is trusted through its trust domain's bundle only.
        configuration.trustRoots = .certificates([])
        configuration.sslContextCallback = { _, promise in
            // Runs once per ClientHello: the hot-rotation hook.
            do {
                let current = try identities.identity(for: try svids.x509SVID())
                var override = NIOSSLContextConfigurationOverride()
                override.certificateChain = current.chain
                override.privateKey = current.key
                promise.succeed(override)
            } catch {
                promise.fail(error)
            }
        }
        return configuration
    }
    // end-step

    // step: tls-client-config
    /// The client side, for one connection: built from the SVID that is current *now*, so each
    /// new connection presents the latest SVID.
    /// `groups` (nil: the defaults) are offered in this order, the first with a key share.
    public static func client(svid: X509SVID, groups: [NIOTLSCurve]? = nil) throws -> TLSConfiguration {
        let identity = try NIOSSLIdentity(svid)
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.curves = groups
        configuration.certificateChain = identity.chain
        configuration.privateKey = identity.key
        // The server's certificate is checked by SVIDPeerVerifier; no hostname is compared
        // (the server's SVID names a workload, not a host).
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates([])
        return configuration
    }
    // end-step
}

/// An SVID converted to swift-nio-ssl's types: the chain as sent on the wire (leaf, then
/// intermediates) and the private key.
struct NIOSSLIdentity: Sendable {
    let leaf: Certificate
    let chain: [NIOSSLCertificateSource]
    let key: NIOSSLPrivateKeySource

    // step: tls-whole-chain
    /// What goes on the wire is the SVID's whole chain: the leaf, then every intermediate up to
    /// (not including) the root the peer holds in its bundle. Under an UpstreamAuthority, SPIRE's
    /// own CA is one of those intermediates; a peer sent the leaf alone has no path to its root.
    init(_ svid: X509SVID) throws {
        self.leaf = svid.leaf
        self.chain = try svid.chain.map { .certificate(try NIOSSLCertificate(bytes: try PEM.der([$0]), format: .der)) }
        self.key = .privateKey(try NIOSSLPrivateKey(bytes: try svid.privateKeyDER(), format: .der))
    }
    // end-step
}

/// Keeps the last conversion, so a server converts (and BoringSSL parses) each SVID once, not on
/// every handshake; a rotated SVID has a different leaf and is converted on first use.
final class NIOSSLIdentityCache: Sendable {
    private let last = Mutex<NIOSSLIdentity?>(nil)

    func identity(for svid: X509SVID) throws -> NIOSSLIdentity {
        if let cached = last.withLock({ $0 }), cached.leaf == svid.leaf { return cached }
        let fresh = try NIOSSLIdentity(svid)
        last.withLock { $0 = fresh }
        return fresh
    }
}
