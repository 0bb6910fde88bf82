import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SpiffeBundles
import SpiffeFormats
import SpiffeIdentity
import SpiffeTLS
import SpiffeX509
import SpireAPIProto
import SwiftASN1
import X509

/// The agent's connections to its server: TLS to the attestation listener before it has an
/// SVID, mTLS with its agent SVID afterwards.
///
/// Either way the agent checks the server as any SPIFFE peer: the server's certificate must
/// chain to the agent's bundle and carry exactly spiffe://<td>/spire/server. The bundle the
/// agent starts with is its `--trust-bundle` file (SPIRE's trust_bundle_path); after that, the
/// bundle the server sends on every sync. The file is read again on each handshake, so an
/// operator can hand an agent a new bundle (after a `memory` server restarted with a new CA).
public struct ServerClient: Sendable {
    public let host: String
    public let port: Int
    public let attestationPort: Int
    public let trustDomain: TrustDomain
    public let trustBundleFile: URL
    /// The bundle received from the server, if any.
    public let currentBundle: @Sendable () -> X509Bundle?

    public init(host: String, port: Int, attestationPort: Int, trustDomain: TrustDomain, trustBundleFile: URL,
                currentBundle: @escaping @Sendable () -> X509Bundle?) {
        self.host = host
        self.port = port
        self.attestationPort = attestationPort
        self.trustDomain = trustDomain
        self.trustBundleFile = trustBundleFile
        self.currentBundle = currentBundle
    }

    /// The roots the server's certificate may chain to: the server's last bundle and the file.
    func trustedRoots() throws -> X509Bundle {
        let file = try X509Bundle(trustDomain: trustDomain, data: try InputFile.read(trustBundleFile), source: trustBundleFile.path)
        var roots = currentBundle()?.authorities ?? []
        for root in file.authorities where !roots.contains(root) { roots.append(root) }
        return X509Bundle(trustDomain: trustDomain, authorities: roots)
    }

    private var serverVerifier: SVIDPeerVerifier {
        let client = self
        return SVIDPeerVerifier(bundles: ClosureBundleSource { try client.trustedRoots() },
                                authorizer: .id(try! SpiffeID(trustDomain: trustDomain, path: "/spire/server")))
    }

    private func target(_ port: Int) -> any ResolvableTarget {
        host.contains(":") ? .ipv6(address: host, port: port) : .ipv4(address: host, port: port)
    }

    private static var config: HTTP2ClientTransport.Posix.Config {
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.backoff = .init(initial: .milliseconds(100), max: .seconds(2), multiplier: 2, jitter: 0.2)
        return config
    }

    /// Runs `body` with a client of the attestation listener (the server authenticated only).
    public func withAttestationClient<T: Sendable>(
        _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        let verifier = serverVerifier
        let transport = try HTTP2ClientTransport.Posix(
            target: target(attestationPort),
            transportSecurity: .tls { tls in
                tls.serverCertificateVerification = .noHostnameVerification
                tls.trustRoots = .certificates([])
                tls.customVerificationCallback = verifier.nioVerificationCallback
            },
            config: Self.config)
        return try await withGRPCClient(transport: transport) { try await body($0) }
    }

    /// A client of the agent listener, authenticated by `agentSVID`, not yet running: the
    /// caller runs its connections (`runConnections()`) for as long as it uses it. The agent
    /// keeps one for as long as its SVID stays the same, as SPIRE's agent keeps its connection:
    /// a sync is then a few RPCs, not a new TLS handshake.
    public func agentClient(_ agentSVID: X509SVID) throws -> GRPCClient<HTTP2ClientTransport.Posix> {
        let verifier = serverVerifier
        let chain: [TLSConfig.CertificateSource] = try agentSVID.chain.map { .bytes(try PEM.der([$0]), format: .der) }
        let transport = try HTTP2ClientTransport.Posix(
            target: target(port),
            transportSecurity: .mTLS(certificateChain: chain, privateKey: .bytes(try agentSVID.privateKeyDER(), format: .der)) { tls in
                tls.serverCertificateVerification = .noHostnameVerification
                tls.trustRoots = .certificates([])
                tls.customVerificationCallback = verifier.nioVerificationCallback
            },
            config: Self.config)
        return GRPCClient(transport: transport)
    }
}

/// A bundle source computed on each call.
struct ClosureBundleSource: X509BundleSource {
    let bundle: @Sendable () throws -> X509Bundle

    func x509Bundle(for trustDomain: TrustDomain) throws -> X509Bundle {
        let bundle = try bundle()
        guard bundle.trustDomain == trustDomain else { throw X509SourceError.noBundle(trustDomain) }
        return bundle
    }
}

/// A key pair and a PKCS#10 request for it: what the agent sends the server, for itself and
/// for each workload entry. The private key never leaves the agent's process.
struct KeyAndCSR: Sendable {
    let key: Certificate.PrivateKey
    let csrDER: Data

    init() throws {
        key = try KeyType.p256.generate()
        // The subject and SANs of the request do not matter: the server takes the SPIFFE ID
        // from the entry (or the attestation), never from the CSR.
        let csr = try CertificateSigningRequest(
            version: .v1, subject: DistinguishedName(), privateKey: key,
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(csr)
        csrDER = Data(serializer.serializedBytes)
    }
}
