import SpiffeWorkloadAPI
import Testing

@Suite("SPIFFE_ENDPOINT_SOCKET parsing (Workload Endpoint §4)")
struct WorkloadAPIAddressTests {
    @Test("accepted forms", arguments: [
        ("unix:///tmp/spire-agent/public/api.sock", WorkloadAPIAddress.unix(path: "/tmp/spire-agent/public/api.sock")),
        ("unix:/tmp/agent.sock", .unix(path: "/tmp/agent.sock")),
        ("tcp://127.0.0.1:8081", .tcp(host: "127.0.0.1", port: 8081)),
        ("tcp://[::1]:8081", .tcp(host: "::1", port: 8081)),
    ])
    func accepted(_ input: String, _ expected: WorkloadAPIAddress) throws {
        #expect(try WorkloadAPIAddress(input) == expected)
    }

    @Test("rejected forms", arguments: [
        ("/tmp/agent.sock", WorkloadAPIAddressError.missingScheme("/tmp/agent.sock")),
        ("unix:relative/agent.sock", .relativePath("unix:relative/agent.sock")),
        ("unix://", .missingPath("unix://")),
        ("unix:", .missingPath("unix:")),
        ("unix:///", .missingPath("unix:///")),
        ("unix:///tmp/agent.sock?x=1", .query("unix:///tmp/agent.sock?x=1")),
        ("unix:///tmp/agent.sock#frag", .fragment("unix:///tmp/agent.sock#frag")),
        ("unix://user@/tmp/agent.sock", .userinfo("unix://user@/tmp/agent.sock")),
        ("unix://tmp/agent.sock", .unixHost("unix://tmp/agent.sock", host: "tmp")),
        ("tcp://:8081", .tcpMissingHost("tcp://:8081")),
        ("tcp://127.0.0.1", .tcpMissingPort("tcp://127.0.0.1")),
        ("tcp://127.0.0.1:", .tcpMissingPort("tcp://127.0.0.1:")),
        ("tcp://localhost:8081", .tcpHostNotIP("tcp://localhost:8081", host: "localhost")),
        ("tcp://127.0.0.1:8081/path", .tcpPath("tcp://127.0.0.1:8081/path")),
        ("tcp://user@127.0.0.1:8081", .userinfo("tcp://user@127.0.0.1:8081")),
        ("tcp://127.0.0.1:8081?x", .query("tcp://127.0.0.1:8081?x")),
        ("tcp://127.0.0.1:99999", .tcpBadPort("tcp://127.0.0.1:99999", port: "99999")),
        ("tcp:127.0.0.1:8081", .tcpForm("tcp:127.0.0.1:8081")),
        ("http://127.0.0.1:8081", .unsupportedScheme("http")),
    ])
    func rejected(_ input: String, _ expected: WorkloadAPIAddressError) {
        #expect(throws: expected) { try WorkloadAPIAddress(input) }
    }

    @Test("resolve: an explicit --socket wins; both it and the environment variable must be URIs")
    func resolve() throws {
        #expect(try WorkloadAPIAddress.resolve(explicit: "unix:///run/agent.sock", environment: ["SPIFFE_ENDPOINT_SOCKET": "unix:///a.sock"]) == .unix(path: "/run/agent.sock"))
        #expect(throws: WorkloadAPIAddressError.missingScheme("/run/agent.sock")) {
            try WorkloadAPIAddress.resolve(explicit: "/run/agent.sock", environment: [:])
        }
        #expect(WorkloadAPIAddressError.missingScheme("/run/agent.sock").description.contains("write it as unix:///run/agent.sock"))
        #expect(try WorkloadAPIAddress.resolve(explicit: nil, environment: ["SPIFFE_ENDPOINT_SOCKET": "unix:///a.sock"]) == .unix(path: "/a.sock"))
        #expect(throws: WorkloadAPIAddressError.notConfigured) { try WorkloadAPIAddress.resolve(explicit: nil, environment: [:]) }
        #expect(throws: WorkloadAPIAddressError.missingScheme("/a.sock")) {
            try WorkloadAPIAddress.resolve(explicit: nil, environment: ["SPIFFE_ENDPOINT_SOCKET": "/a.sock"])
        }
    }

    @Test("the canonical form round-trips")
    func description() throws {
        for address in [WorkloadAPIAddress.unix(path: "/x/api.sock"), .tcp(host: "10.0.0.1", port: 1), .tcp(host: "::1", port: 2)] {
            #expect(try WorkloadAPIAddress(address.description) == address)
        }
    }

    @Test("backoff doubles from 0.1 s up to 5 s, as py-spiffe's")
    func backoff() {
        let policy = RetryPolicy.forever
        #expect(policy.backoff(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.backoff(afterAttempt: 2) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 4) == .milliseconds(800))
        #expect(policy.backoff(afterAttempt: 7) == .milliseconds(5000))
        #expect(policy.backoff(afterAttempt: 60) == .seconds(5))
    }

    @Test("only Unavailable and PermissionDenied are retried")
    func retryable() {
        #expect(WorkloadAPIError.unavailable("x").isRetryable)
        #expect(WorkloadAPIError.permissionDenied("no identity issued").isRetryable)
        #expect(!WorkloadAPIError.invalidArgument("security header missing from request").isRetryable)
        #expect(!WorkloadAPIError.badResponse("x").isRetryable)
        #expect(!WorkloadAPIError.unimplemented("x").isRetryable)
    }
}
