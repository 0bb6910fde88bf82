/// The cases for `endpoint-socket` (Day 4): the `SPIFFE_ENDPOINT_SOCKET` forms of SPIFFE Workload
/// Endpoint §4. Every expected result agrees with the toolkit's own parser,
/// `WorkloadAPIAddress.init(_:)` (Sources/Lessons/WorkloadEndpoint/WorkloadAPIAddress.swift).
public enum EndpointSocketCases {
    public static let exercise = Exercise(
        id: "endpoint-socket", day: 4, title: "Read SPIFFE_ENDPOINT_SOCKET",
        file: "Sources/Exercises/EndpointSocket.swift",
        hints: [
            "Everything before the first ':' is the scheme, and only two schemes exist. Is a value with no ':' at all a URI?",
            "After \"unix:\", two slashes open an authority, and the authority ends at the next '/'. What must that authority be for unix, and what does it hold in unix://tmp/agent.sock?",
            "After \"tcp://\", the whole rest is IP:PORT and nothing more. Where does the port start when the IP itself is [::1]? inet_pton (POSIX) can tell an IP address from a name, and a port is a number between 1 and 65535.",
        ])

    /// `implementation` returns where to dial, or nil when the value is not an endpoint address.
    public static func cases(_ implementation: @escaping @Sendable (String) throws(ExerciseError) -> EndpointAddress?) -> [GradingCase] {
        func parses(_ name: String, _ value: String, _ expected: EndpointAddress) -> GradingCase {
            GradingCase(name: name, expected: "\(expected) for \"\(value)\"") {
                do throws(ExerciseError) {
                    let got = try implementation(value)
                    guard let got else { return .failed(got: "nil (rejected)") }
                    return got == expected ? .passed : .failed(got: got.description)
                } catch { return .notDone }
            }
        }
        func rejects(_ name: String, _ value: String) -> GradingCase {
            GradingCase(name: name, expected: "nil: \"\(value)\" is not an endpoint address") {
                do throws(ExerciseError) {
                    let got = try implementation(value)
                    return got == nil ? .passed : .failed(got: "\(got!) (accepted)")
                } catch { return .notDone }
            }
        }
        return [
            parses("SPIRE's default socket, written unix:///path", "unix:///tmp/spire-agent/public/api.sock",
                   .unix(path: "/tmp/spire-agent/public/api.sock")),
            parses("the short form unix:/path, with no authority at all", "unix:/run/spire/agent.sock",
                   .unix(path: "/run/spire/agent.sock")),
            parses("a TCP endpoint: an IPv4 address and a port", "tcp://127.0.0.1:8081",
                   .tcp(ip: "127.0.0.1", port: 8081)),
            rejects("a bare path: the value is a URI and needs a scheme", "/tmp/spire-agent/public/api.sock"),
            rejects("two slashes only: \"tmp\" would be a host, and a unix URI has none", "unix://tmp/agent.sock"),
            rejects("a relative socket path", "unix:tmp/agent.sock"),
            rejects("unix:// with no path", "unix://"),
            rejects("a query after the socket path", "unix:///tmp/agent.sock?timeout=5"),
            rejects("a fragment after the socket path", "unix:///tmp/agent.sock#main"),
            rejects("a scheme that is neither unix nor tcp", "http://127.0.0.1:8081"),
            rejects("a host name instead of an IP address", "tcp://localhost:8081"),
            rejects("an IP address without a port", "tcp://127.0.0.1"),
            rejects("a path after the port, even a lone '/'", "tcp://127.0.0.1:8081/"),
            rejects("a port above 65535", "tcp://127.0.0.1:65536"),
            rejects("userinfo before the IP address", "tcp://agent@127.0.0.1:8081"),
            rejects("four numbers that are not an IPv4 address (256)", "tcp://256.1.1.1:8081"),
            parses("an IPv6 address, in brackets", "tcp://[::1]:8081",
                   .tcp(ip: "::1", port: 8081)),
        ]
    }
}
