import Foundation
import Testing
import TestSupport
@testable import Workbook
#if canImport(Glibc)
import Glibc
#endif

/// The workbook's "is an agent there?" question, asked with the toolkit's own address parser.
@Suite struct EndpointProbeTests {
    @Test func addressesFollowTheWorkloadEndpointRules() {
        guard case .unavailable(let bare) = EndpointProbe.probe("/tmp/agent.sock") else { Issue.record("a bare path was accepted"); return }
        #expect(bare.hasPrefix("SPIFFE_ENDPOINT_SOCKET: ") && bare.contains("/tmp/agent.sock") && bare.contains("unix:///tmp/agent.sock"), "\(bare)")
        guard case .unavailable(let host) = EndpointProbe.probe("tcp://localhost:8081") else { Issue.record("a host name was accepted"); return }
        #expect(host.hasPrefix("SPIFFE_ENDPOINT_SOCKET: ") && host.contains("localhost"), "\(host)")
        #expect(EndpointProbe.probe("unix:///nonexistent/agent.sock") == .unavailable("nothing answers at SPIFFE_ENDPOINT_SOCKET=unix:///nonexistent/agent.sock"))
    }

    @Test func aListeningTCPPortAnswers() throws {
        let (fd, port) = try #require(listenOnLoopback(AF_INET))
        defer { close(fd) }
        let endpoint = "tcp://127.0.0.1:\(port)"
        #expect(EndpointProbe.probe(endpoint) == .reachable(endpoint))
    }

    /// Whether this machine can listen on ::1 (a container may have IPv6 switched off).
    static let ipv6Loopback: Bool = listenOnLoopback(AF_INET6).map { close($0.fd) } != nil

    @Test("tcp://[::1]:PORT: a listening IPv6 port answers, and the same port closed does not",
          .enabled(if: ipv6Loopback, "no IPv6 loopback here"))
    func aListeningIPv6PortAnswers() throws {
        let (fd, port) = try #require(listenOnLoopback(AF_INET6))
        let endpoint = "tcp://[::1]:\(port)"
        #expect(EndpointProbe.probe(endpoint) == .reachable(endpoint))
        close(fd)
        #expect(EndpointProbe.probe(endpoint) == .unavailable("nothing answers at SPIFFE_ENDPOINT_SOCKET=\(endpoint)"))
    }
}
