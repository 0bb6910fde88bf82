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
}
