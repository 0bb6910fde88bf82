/// Where a workload dials the Workload API, as the Day 4 exercise (`endpoint-socket`) reads it
/// from a `SPIFFE_ENDPOINT_SOCKET` value that the SPIFFE Workload Endpoint standard (§4) allows.
///
/// Defined here, like AllowedPeers for Day 14, because the exercises do not depend on the
/// toolkit's SpiffeWorkloadEndpoint, whose `WorkloadAPIAddress` is the parser the learner rewrites.
public enum EndpointAddress: Sendable, Hashable, CustomStringConvertible {
    /// A Unix domain socket at this absolute path, e.g. `/tmp/spire-agent/public/api.sock`.
    case unix(path: String)
    /// A TCP listen socket: an IP address (an IPv6 one without its brackets) and a port.
    case tcp(ip: String, port: Int)

    public var description: String {
        switch self {
        case .unix(let path): return "unix(path: \"\(path)\")"
        case .tcp(let ip, let port): return "tcp(ip: \"\(ip)\", port: \(port))"
        }
    }
}
