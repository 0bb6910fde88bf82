import Foundation
import SpiffeIdentity

/// Where simulated mode keeps its trust domains: one `TrustDomainDirectory` per trust domain,
/// side by side, so a command that federates two of them finds both.
///
///     <state>/trust-domains/example.org/   a TrustDomainDirectory
///     <state>/trust-domains/partner.org/   another one
///
/// Every spiffe-demo command that simulates takes the same place: `--state DIR`, else
/// `$SPIFFE_DEMO_STATE`, else `~/.spiffe-demo`. The workbook passes its workspace's own state
/// directory explicitly; the toolkit does not know the workbook's layout.
public struct StateDirectory: Sendable {
    public let url: URL

    public init(_ url: URL) {
        self.url = url.standardizedFileURL
    }

    /// `--state`, else `$SPIFFE_DEMO_STATE`, else `~/.spiffe-demo`.
    public static func resolve(
        _ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> StateDirectory {
        if let flag, !flag.isEmpty { return StateDirectory(URL(fileURLWithPath: flag)) }
        if let explicit = environment["SPIFFE_DEMO_STATE"], !explicit.isEmpty {
            return StateDirectory(URL(fileURLWithPath: explicit))
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return StateDirectory(home.appendingPathComponent(".spiffe-demo"))
    }

    /// The help text every command shows for `--state`.
    public static let help = "Where simulated trust domains are kept (default: $SPIFFE_DEMO_STATE, else ~/.spiffe-demo)."

    /// The directory of one trust domain.
    public func trustDomain(_ trustDomain: TrustDomain) -> TrustDomainDirectory {
        TrustDomainDirectory(url.appendingPathComponent("trust-domains").appendingPathComponent(trustDomain.name))
    }
}
