import ArgumentParser
import CommandLineMain
import Foundation
import SpiffeIdentity
import SpiffeLocalTrustDomain

/// The one `--state` flag of every command that simulates a trust domain: where its CA and JWT
/// keys are kept, so that one command's token or SVID validates with the next command's bundle.
struct StateOption: ParsableArguments {
    @Option(
        name: [.customLong("state"), .customLong("state-dir")],
        help: ArgumentHelp(StateDirectory.help + " (--state-dir is its older name.)", valueName: "dir"))
    var path: String?

    var directory: StateDirectory { StateDirectory.resolve(path) }

    /// Loads (creating on first use) a simulated trust domain, telling the learner on stderr what
    /// was made and where.
    func authorities(
        _ trustDomain: TrustDomain, jwt: TrustDomainDirectory.JWTNeed = .none, now: Date = Date()
    ) throws(CLIError) -> TrustDomainDirectory.Authorities {
        let domain = directory.trustDomain(trustDomain)
        let authorities: TrustDomainDirectory.Authorities
        do {
            authorities = try domain.loadOrCreate(trustDomain: trustDomain, jwt: jwt, renewal: .simulated, now: now)
        } catch {
            throw CLIError(error.description)
        }
        for item in authorities.created {
            CommandLineMain.printError("simulated trust domain \(trustDomain): created \(item) in \(domain.url.path)")
        }
        return authorities
    }
}
