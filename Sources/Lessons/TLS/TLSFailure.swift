import NIOCore
import NIOSSL

/// Turns the errors a TLS handshake ends with into one line a learner can act on.
///
/// When *our* verification refused the peer, the `PeerRejection` says why, and it wins. When the
/// *peer* refused us, all we get is a TLS alert; the useful ones in mTLS are:
/// - 116 `certificate_required`: we sent no certificate (TLS 1.3);
/// - 46 `certificate_unknown`, 42 `bad_certificate`, 48 `unknown_ca`: the peer did not accept
///   our certificate (wrong trust domain, expired, not authorized…). Under TLS 1.3 a client
///   only learns this on its first read after a handshake that looked complete.
public enum TLSFailure {
    public static func describe(_ error: any Error, rejection: PeerRejection? = nil) -> String {
        if let rejection { return rejection.description }
        let text = String(describing: error)
        let reasons: [(String, String)] = [
            ("PEER_DID_NOT_RETURN_A_CERTIFICATE", PeerRejection.noCertificate.description),
            ("CERTIFICATE_REQUIRED", "the peer requires a certificate and none was sent (TLS alert 116)"),
            ("ALERT_CERTIFICATE_UNKNOWN", "the peer refused our certificate (TLS alert 46, certificate unknown)"),
            ("ALERT_BAD_CERTIFICATE", "the peer refused our certificate (TLS alert 42, bad certificate)"),
            ("ALERT_UNKNOWN_CA", "the peer refused our certificate (TLS alert 48, unknown CA)"),
            ("ALERT_CERTIFICATE_EXPIRED", "the peer refused our certificate (TLS alert 45, certificate expired)"),
            ("ALERT_HANDSHAKE_FAILURE", "the peer aborted the handshake (TLS alert 40, handshake failure)"),
            ("ALERT_PROTOCOL_VERSION", "no common TLS version (this side requires TLS 1.2 or later)"),
            ("UNSUPPORTED_PROTOCOL", "no common TLS version (this side requires TLS 1.2 or later)"),
            ("WRONG_VERSION_NUMBER", "the peer does not speak TLS"),
            ("NO_SHARED_CIPHER", "no cipher suite in common with the peer"),
        ]
        for (marker, reason) in reasons where text.contains(marker) { return reason }
        if let ssl = error as? NIOSSLError {
            switch ssl {
            case .uncleanShutdown: return "the peer closed the connection without a TLS close_notify"
            case .handshakeFailed(let inner): return "TLS handshake failed: \(inner)"
            default: break
            }
        }
        if error is ChannelError { return "connection error: \(text)" }
        return text
    }
}
