import SpiffeFormats
import SpiffeIdentity
import SpiffeX509
import X509

/// A TLS peer that passed both steps: its certificate is a valid X509-SVID of its trust domain
/// (authentication) and its SPIFFE ID is allowed (authorization).
public struct VerifiedPeer: Sendable {
    /// The peer's SPIFFE ID, read from the validated leaf's URI SAN.
    public let spiffeID: SpiffeID
    /// The validated chain, leaf first, ending at an authority of the peer's trust bundle.
    public let chain: [Certificate]

    public init(spiffeID: SpiffeID, chain: [Certificate]) {
        precondition(!chain.isEmpty, "a verified peer has at least its leaf certificate")
        self.spiffeID = spiffeID
        self.chain = chain
    }

    public var leaf: Certificate { chain[0] }

    /// The leaf's serial number in the usual colon-separated hex. A rotated SVID has a new
    /// serial, which makes this the easiest way to watch rotation happen.
    public var serialNumber: String {
        CertificateNames.hex(leaf.serialNumber.bytes)
    }
}
