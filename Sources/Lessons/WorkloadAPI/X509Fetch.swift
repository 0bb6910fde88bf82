import Foundation
import SpiffeIdentity
import SpiffeX509

/// The two ways `spiffe-demo fetch` gets an X.509 identity: from a Workload API endpoint, or from
/// an in-process CA that plays the agent's part when there is no agent.
public enum X509Fetch {
    // step: fetch
    /// Asks the Workload API for this process's X.509 identity.
    ///
    /// Note what the workload does *not* send: no CSR, no password, no certificate. The agent
    /// learns who is calling from the socket itself (the kernel's pid/uid/gid: attestation), makes
    /// a key pair, has the SVID signed, and returns the key, the certificate chain and the trust
    /// bundle in one response.
    public static func live(socket: String? = nil, retry: RetryPolicy = .upTo(.seconds(5))) async throws(WorkloadAPIError) -> X509Context {
        let client = try WorkloadAPIClient(socket: socket, retry: retry)   // SPIFFE_ENDPOINT_SOCKET
        defer { client.close() }
        return try await client.fetchX509Context()
    }

    /// The same answer without an agent: what an agent does for a workload it has attested.
    public static func simulated(spiffeID: SpiffeID, ttl: TimeInterval = 3600, now: Date = Date()) throws -> X509Context {
        let ca = try CertificateAuthority(trustDomain: spiffeID.trustDomain, now: now)
        let svid = try ca.issueSVID(for: spiffeID, ttl: ttl, now: now)   // the agent makes the key
        return X509Context(svids: [svid], bundles: [spiffeID.trustDomain: ca.bundle])
    }
    // end-step
}
