import CommandLineMain
import Foundation
import SpiffeBundles
import SpiffeIdentity
import SpiffeJWT
import SpiffeWorkloadAPI

/// `jwt-svid --live`: fetch a JWT-SVID from the Workload API instead of minting one.
///
/// FetchJWTSVID returns one token per identity of the caller (only `spiffeID`'s when given);
/// like the SPIFFE libraries we take the first, the default identity. The trust domain's JWT
/// bundle comes from FetchJWTBundles, so `--write` can save it next to the token.
enum JWTSVIDLive {
    struct Fetched {
        var token: String
        var bundle: SpiffeBundle?
    }

    static func fetch(audience: [String], spiffeID: String?, socket: String?, timeout: Duration) async throws -> Fetched {
        let id = try spiffeID.map { try JWTCLI.spiffeID($0, option: "--spiffe-id") }
        let client: WorkloadAPIClient
        do { client = try WorkloadAPIClient(socket: socket, retry: .deadline(timeout)) } catch {
            throw CLIError("--live needs the Workload API: \(error)")
        }
        defer { client.close() }
        let svids: [JWTSVIDResponse]
        do { svids = try await client.fetchJWTSVID(audience: audience, spiffeID: id) } catch {
            throw CLIError("FetchJWTSVID at \(client.address): \(error)")
        }
        guard let first = svids.first else {
            throw CLIError("FetchJWTSVID at \(client.address) returned no JWT-SVID")
        }
        // The bundle is a convenience for --write; a token without it is still a token.
        var bundle: SpiffeBundle?
        do {
            let bundles = try await client.fetchJWTBundles()
            bundle = bundles[first.spiffeID.trustDomain].map(SpiffeBundle.init)
        } catch {
            CommandLineMain.printError("jwt-svid: warning: no JWT bundle from FetchJWTBundles: \(error)")
        }
        return Fetched(token: first.token, bundle: bundle)
    }
}
