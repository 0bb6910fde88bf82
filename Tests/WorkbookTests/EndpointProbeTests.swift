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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        #expect(bound == 0 && listen(fd, 4) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let endpoint = "tcp://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        #expect(EndpointProbe.probe(endpoint) == .reachable(endpoint))
    }

    /// Whether this machine can listen on ::1 (a container may have IPv6 switched off).
    static let ipv6Loopback: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        } == 0
    }()

    @Test("tcp://[::1]:PORT: a listening IPv6 port answers, and the same port closed does not",
          .enabled(if: ipv6Loopback, "no IPv6 loopback here"))
    func aListeningIPv6PortAnswers() throws {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        #expect(bound == 0 && listen(fd, 4) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let endpoint = "tcp://[::1]:\(UInt16(bigEndian: address.sin6_port))"
        #expect(EndpointProbe.probe(endpoint) == .reachable(endpoint))
        close(fd)
        #expect(EndpointProbe.probe(endpoint) == .unavailable("nothing answers at SPIFFE_ENDPOINT_SOCKET=\(endpoint)"))
    }
}
