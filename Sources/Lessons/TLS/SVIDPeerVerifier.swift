import Foundation
import NIOCore
import NIOSSL
import SpiffeBundles
import SpiffeIdentity
import SpiffeX509
import X509

/// Decides whether to accept the certificate chain a TLS peer presented.
///
/// A SPIFFE peer is accepted in two separate, named steps, in this order:
/// 1. **Authentication**: the leaf carries one SPIFFE ID, and the chain validates against the
///    bundle of *that ID's* trust domain, with the X509-SVID leaf rules (X509-SVID §5). The bundle
///    is looked up from the peer's claimed trust domain: a certificate claiming
///    `spiffe://a.example/x` that chains to b.example's CA is not an SVID of a.example.
/// 2. **Authorization**: the authenticated ID is one this side is willing to talk to.
///
/// There is no hostname check: in SPIFFE the SPIFFE ID, not a DNS name, names the peer.
/// Bundles are asked for on every verification, so a rotated CA is picked up at once.
public struct SVIDPeerVerifier: Sendable {
    public let bundles: any X509BundleSource
    public let authorizer: Authorizer
    public let now: @Sendable () -> Date

    public init(
        bundles: any X509BundleSource,
        authorizer: Authorizer,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.bundles = bundles
        self.authorizer = authorizer
        self.now = now
    }

    // step: tls-verify-peer
    /// Verifies the chain a peer presented (leaf first, as it came off the wire).
    public func verify(presented chain: [Certificate]) async throws(PeerRejection) -> VerifiedPeer {
        guard !chain.isEmpty else { throw .noCertificate }

        // Step 1, authentication: the validator's checks 1-5 (one SPIFFE ID, leaf constraints,
        // key usage, validity, and an RFC 5280 path to the bundle of the ID's own trust domain).
        // Any ID may pass this step; who is welcome is not its question.
        let report = await SVIDValidator.validate(chain: chain, bundles: bundles, expect: .any, at: now())
        guard report.isValid, let peerID = report.spiffeID else {
            throw PeerRejection(failedAuthentication: report)
        }

        // Step 2, authorization: the ID is now trustworthy; is it welcome?
        try authorizer.authorize(peerID)

        return VerifiedPeer(spiffeID: peerID, chain: report.validatedChain)
    }
    // end-step
}

extension SVIDPeerVerifier {
    /// This verifier as swift-nio-ssl's custom verification callback, for TLS stacks that take
    /// one (grpc-swift-nio-transport's `customVerificationCallback`): the chain is parsed,
    /// authenticated and authorized here, and the validated chain is reported to the stack.
    public var nioVerificationCallback: @Sendable (
        [NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResultWithMetadata>
    ) -> Void {
        let verification = PeerVerification(verifier: self)
        return { presented, promise in verification.callback(presented, promise) }
    }
}
