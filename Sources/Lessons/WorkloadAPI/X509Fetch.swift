import Foundation
import SpiffeIdentity
import SpiffeX509

/// How `spiffe-demo fetch --live` gets an X.509 identity from a Workload API endpoint. (Without an
/// agent, `SimulatedFetch` plays the agent's part.)
public enum X509Fetch {
    // step: fetch
    /// Asks the Workload API for this process's X.509 identity.
    ///
    /// Note what the workload does *not* send: no CSR, no password, no certificate. The agent
    /// learns who is calling from the socket itself (the kernel's pid/uid/gid: attestation),
    /// matches the caller to the entries it has cached, and returns, for each matching entry, the
    /// key pair it made and the SVID signed for it ahead of time (in SPIRE, by the server), with
    /// the trust bundle, in one response.
    public static func live(socket: String? = nil, retry: RetryPolicy = .upTo(.seconds(5))) async throws(WorkloadAPIError) -> X509Context {
        let client = try WorkloadAPIClient(socket: socket, retry: retry)   // SPIFFE_ENDPOINT_SOCKET
        defer { client.close() }
        return try await client.fetchX509Context()
    }
    // end-step
}
