import NIOCore
import NIOSSL
import SpiffeFormats
import SpiffeX509
import Synchronization
import X509

/// Plugs `SVIDPeerVerifier` into one TLS connection, and remembers what it decided.
///
/// swift-nio-ssl hands the custom verification callback the chain exactly as the peer sent it
/// and a promise to complete; BoringSSL's chain checks are skipped (it still verifies the peer's
/// CertificateVerify signature). So the callback must do the chain's whole job: parse,
/// authenticate, authorize, and on success report the *validated* chain
/// (leaf to trust anchor), never the presented one. One instance serves one connection, so the
/// outcome it records is that connection's, ready for the log line after the handshake.
public final class PeerVerification: Sendable {
    public let verifier: SVIDPeerVerifier
    private let recorded = Mutex<Result<VerifiedPeer, PeerRejection>?>(nil)

    public init(verifier: SVIDPeerVerifier) {
        self.verifier = verifier
    }

    /// What the callback decided, once it has run.
    public var outcome: Result<VerifiedPeer, PeerRejection>? { recorded.withLock { $0 } }

    /// The callback for `NIOSSLServerHandler`/`NIOSSLClientHandler(…customVerificationCallbackWithMetadata:)`.
    public func callback(
        _ presented: [NIOSSLCertificate],
        _ promise: EventLoopPromise<NIOSSLVerificationResultWithMetadata>
    ) {
        let chain: [Certificate]
        do {
            chain = try presented.map { try ParsedCertificates.certificate(derEncoded: try $0.toDERBytes()) }
        } catch {
            reject(.notAnSVID("the certificate does not parse: \(error)"), promise)
            return
        }
        // The callback runs on the event loop and must not block; path validation is async, so
        // it runs in a task that completes the promise when done, on this same event loop.
        Task(executorPreference: EventLoopTaskExecutor(promise.futureResult.eventLoop)) { [self] in
            let peer: VerifiedPeer
            do throws(PeerRejection) {
                peer = try await verifier.verify(presented: chain)
            } catch {
                reject(error, promise)
                return
            }
            do {
                let validated = try peer.chain.map { try NIOSSLCertificate(bytes: try PEM.der([$0]), format: .der) }
                recorded.withLock { $0 = .success(peer) }
                promise.succeed(.certificateVerified(VerificationMetadata(ValidatedCertificateChain(validated))))
            } catch {
                reject(.notAnSVID("cannot re-encode the validated chain: \(error)"), promise)
            }
        }
    }

    private func reject(_ rejection: PeerRejection, _ promise: EventLoopPromise<NIOSSLVerificationResultWithMetadata>) {
        recorded.withLock { $0 = .failure(rejection) }
        promise.succeed(.failed)
    }
}
