import Foundation
import X509

/// When a trust domain's CA is replaced, and how long a new one lives.
///
/// A SPIRE server rotates its CA on a schedule, well before the old one expires, so that no SVID
/// it signs is cut short by its CA's end (an SVID never outlives the certificate that signed it).
/// The places that keep a local trust domain want different schedules, so the rule is a parameter:
/// the agent renews when a sixth of the CA's life is left, a learner's workspace keeps a CA for a
/// month and renews it within the last hour.
public struct RenewalRule: Sendable {
    /// The lifetime of a CA made under this rule.
    public var lifetime: TimeInterval
    /// The CA is replaced once less than this part of its own lifetime is left (0 to 1).
    public var renewWhenFractionLeft: Double
    /// And once less than this many seconds are left, whatever its lifetime.
    public var renewWhenSecondsLeft: TimeInterval

    public init(lifetime: TimeInterval, renewWhenFractionLeft: Double = 0, renewWhenSecondsLeft: TimeInterval = 0) {
        self.lifetime = lifetime
        self.renewWhenFractionLeft = renewWhenFractionLeft
        self.renewWhenSecondsLeft = renewWhenSecondsLeft
    }

    /// Whether `certificate`, a CA, is due for replacement at `now`: near its end, or not valid
    /// yet (made under a clock that ran ahead), since it could sign nothing valid now.
    public func isDue(_ certificate: Certificate, now: Date) -> Bool {
        let left = certificate.notValidAfter.timeIntervalSince(now)
        let life = certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore)
        return certificate.notValidBefore > now || left <= renewWhenSecondsLeft || left < life * renewWhenFractionLeft
    }

    /// The local agent: SPIRE's one-day CA default, renewed with a sixth of its life left, so an
    /// hour-long SVID is never cut short.
    public static let agent = RenewalRule(lifetime: 24 * 3600, renewWhenFractionLeft: 1.0 / 6)

    /// Simulated mode: a learner's state outlives SPIRE's one-day default, so a month spares
    /// re-creating it; it is renewed within its last hour, since an SVID it signed then would be
    /// cut short.
    public static let simulated = RenewalRule(lifetime: 30 * 24 * 3600, renewWhenSecondsLeft: 3600)
}
