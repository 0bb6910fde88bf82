import ExerciseKit
import Foundation

/// Exercise `endpoint-socket` (Day 4): read the Workload API's address from `SPIFFE_ENDPOINT_SOCKET`.
///
/// The value is a URI, not a file name (SPIFFE Workload Endpoint §4), of one of two schemes:
///
///     unix:///tmp/spire-agent/public/api.sock   a Unix socket; no authority, an absolute path
///     unix:/tmp/spire-agent/public/api.sock     the same socket, written without the "//"
///     tcp://127.0.0.1:8081                      a TCP socket: an IP address and a port, nothing else
///     tcp://[::1]:8081                          the same with an IPv6 address, in brackets
///
/// Anything else is refused, however close it looks: a bare path, a scheme other than unix or
/// tcp, a unix URI with a host or a relative path, a tcp URI with a host name instead of an IP,
/// without a port, or with a path; and in both, a query, a fragment or userinfo. Day 4,
/// "Finding the endpoint", has the rules and why a near miss must fail loudly.
///
/// Return where to dial, or nil when the standard does not allow `value`.
/// Grade it with `workbook exercise 4`, or `workbook watch 4` to re-grade on every save.
public func parseEndpointSocket(_ value: String) throws(ExerciseError) -> EndpointAddress? {
    throw .notDone
}
