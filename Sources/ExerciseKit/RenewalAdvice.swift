import Foundation

/// What the Day 16 exercise (`renewal-due`) answers about an X509-SVID at one moment: how much of
/// its validity window is still ahead, and whether an agent should renew it now.
///
/// Goes to Sources/ExerciseKit/RenewalAdvice.swift.
public struct RenewalAdvice: Sendable, Equatable, CustomStringConvertible {
    /// The part of the lifetime (notBefore through notAfter) still ahead: 1 when none of it has
    /// passed (also before notBefore), 0 at notAfter and after it.
    public var fractionLeft: Double
    /// Whether to renew now: at most half of the lifetime is left, or none at all.
    public var renewNow: Bool

    public init(fractionLeft: Double, renewNow: Bool) {
        self.fractionLeft = fractionLeft
        self.renewNow = renewNow
    }

    public var description: String {
        let fraction = fractionLeft.isFinite ? String(format: "%.3f", fractionLeft) : String(describing: fractionLeft)
        return "renewNow \(renewNow), fractionLeft \(fraction)"
    }
}
