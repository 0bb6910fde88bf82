import Foundation
import SpiffeWorkloadEndpoint
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Answers one question before a live run: does anything listen at `SPIFFE_ENDPOINT_SOCKET`?
///
/// It only opens and closes a connection; speaking the Workload API is the steps' job. The
/// address is read by the toolkit's one endpoint parser (`WorkloadAPIAddress`, the Workload
/// Endpoint spec's `unix:///abs/path`, `unix:/abs/path` and `tcp://IP:PORT`), so the workbook
/// and the steps can never disagree about what an address means.
public enum EndpointProbe {
    public enum Result: Sendable, Equatable {
        case reachable(String)
        case unavailable(String)
    }

    public static func probe(_ value: String?) -> Result {
        guard let value, !value.trimmed.isEmpty else {
            return .unavailable("live mode needs a Workload API endpoint, but SPIFFE_ENDPOINT_SOCKET is not set")
        }
        let address: WorkloadAPIAddress
        do { address = try WorkloadAPIAddress(value) } catch {
            return .unavailable("SPIFFE_ENDPOINT_SOCKET: \(error)")
        }
        let answers: Bool
        switch address {
        case .unix(let path): answers = connectUnix(path)
        case .tcp(let host, let port): answers = connectTCP(host, UInt16(port))
        }
        return answers ? .reachable(value) : .unavailable("nothing answers at SPIFFE_ENDPOINT_SOCKET=\(value)")
    }

    static func connectUnix(_ path: String) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
            buffer[bytes.count] = 0
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        return result == 0
    }

    static func connectTCP(_ host: String, _ port: UInt16) -> Bool {
        // The parser has checked the host is an IP address: IPv6 when it has a colon.
        let family = host.contains(":") ? AF_INET6 : AF_INET
        #if canImport(Glibc)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // Do not hang on an unreachable host: give connect() two seconds.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { return false }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            } == 0
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
