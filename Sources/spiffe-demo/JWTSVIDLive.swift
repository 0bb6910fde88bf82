import Foundation
import SpiffeJWT

/// `jwt-svid --live`: fetch a JWT-SVID from the Workload API instead of minting one.
///
/// This is the one place the live path plugs in. The Workload API client lands with its own
/// issue; replace the body with a `FetchJWTSVID` call (audience, optional spiffe_id) on the
/// endpoint `SPIFFE_ENDPOINT_SOCKET` names, returning the token and the JWT bundle
/// (`FetchJWTBundles`) of its trust domain.
enum JWTSVIDLive {
    struct Fetched {
        var token: String
        var bundle: SpiffeBundle?
    }

    static func fetch(audience: [String], spiffeID: String?, endpoint: String?) async throws -> Fetched {
        let target = endpoint.map { " (\($0))" } ?? " (SPIFFE_ENDPOINT_SOCKET is not set)"
        throw JWTCLI.Failure(
            "--live needs the Workload API\(target), and its JWT client is not available yet; run without --live for a simulated JWT-SVID")
    }
}
